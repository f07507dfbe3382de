"""Receiving a purchase order at its warehouse, matched against the supplier's advance shipping notice.

Good units go on hand (waking backorders); damaged ones are recorded on the purchase order line and never go on
hand. Each receipt line keeps what the notice announced and the discrepancy (short, over, damaged). The notice is
then ``received`` and the order ``partially_received`` or ``received``. All of it in one transaction, the purchase
order row locked first.

A retried receipt: against a notice already received it is refused (the notice's guarded status change); without a
notice it is a second delivery, accepted while the order still has that much open, like any receipt."""
from __future__ import annotations

from models.core.base import utc_now
from models.core.db import database
from models.core.errors import InvalidTransition, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import transition
from models.inventory.moves import move_on_hand
from models.inventory.tables import StockMovement, Warehouse
from models.supply.asns import IN_TRANSIT, RECEIVED
from models.supply.confirmations import lines_by_sku, locked_purchase_order, status_word
from models.supply.states import (
    PO_PARTIALLY_RECEIVED,
    PO_RECEIVABLE_STATES,
    PO_RECEIVED,
)
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)


def receive_purchase_order(number: str, quantities: dict[str, int], *, actor: str, asn_id: int | None = None,
                           damaged: dict[str, int] | None = None, note: str = "") -> list[StockMovement]:
    """Count in ``quantities`` good units and ``damaged`` units (SKU → units) of purchase order ``number``, against
    notice ``asn_id`` (default: the order's only notice in transit, if it has exactly one). A line never takes
    more than it still has open; a bad receipt is refused whole. The movements of the good units."""
    damaged = damaged or {}
    with database.atomic():
        purchase = locked_purchase_order(number)
        _check_receivable(purchase)
        lines = lines_by_sku(purchase.id)
        _check_quantities(quantities, damaged, lines)
        asn = _notice(purchase, asn_id)
        announced = _announced(asn, lines)
        receipt = PurchaseReceipt.create(purchase_order=purchase.id, asn=asn.id if asn else None, actor=actor,
                                         note=note[:2000])
        warehouse = Warehouse.get_by_id(purchase.warehouse_id)
        movements = []
        for sku in sorted(set(quantities) | set(damaged) | set(announced)):
            line, good, broken = lines[sku], quantities.get(sku, 0), damaged.get(sku, 0)
            PurchaseReceiptLine.create(receipt=receipt.id, purchase_order_line=line.id,
                                       announced_quantity=announced.get(sku) if asn else None,
                                       received_quantity=good, damaged_quantity=broken,
                                       discrepancy=discrepancy(announced.get(sku) if asn else None, good, broken))
            if good or broken:
                (PurchaseOrderLine.update(received_quantity=PurchaseOrderLine.received_quantity + good,
                                          damaged_quantity=PurchaseOrderLine.damaged_quantity + broken)
                 .where(PurchaseOrderLine.id == line.id).execute())
            if good:
                movements.append(move_on_hand(warehouse, line.product, good, field=f"lines.{sku}", kind="receipt",
                                              reason_code="purchase_order", reference=number, actor=actor))
        if asn is not None:
            _close_notice(asn)
        _move(purchase, _status_after(purchase.id), actor=actor, reason=_reason(asn, quantities, damaged))
    return movements


def discrepancy(announced: int | None, received: int, damaged: int) -> str:
    """How a counted line differs from its notice: "short", "over", "damaged", comma-joined; "" when it does not
    (without a notice only damage counts)."""
    found = []
    if announced is not None and received + damaged < announced:
        found.append("short")
    if announced is not None and received + damaged > announced:
        found.append("over")
    if damaged:
        found.append("damaged")
    return ",".join(found)


def _check_receivable(purchase: PurchaseOrder) -> None:
    if purchase.dropship or purchase.warehouse_id is None:
        raise ValidationFailed({"number": [TextMessage(Text(
            "%(number)s is a drop-ship order: the customer receives it", number=purchase.number))]})
    if purchase.status not in PO_RECEIVABLE_STATES:
        raise ValidationFailed({"number": [TextMessage(Text(
            "%(number)s is %(status)s; only %(statuses)s orders can be received", number=purchase.number,
            status=status_word(purchase.status), statuses=[status_word(s) for s in PO_RECEIVABLE_STATES]))]})


def _check_quantities(quantities: dict[str, int], damaged: dict[str, int],
                      lines: dict[str, PurchaseOrderLine]) -> None:
    errors: dict[str, list[str]] = {}
    if not quantities and not damaged:
        errors["lines"] = [TextMessage(Text("give at least one SKU and quantity"))]
    for sku in sorted(set(quantities) | set(damaged)):
        line, good, broken = lines.get(sku), quantities.get(sku, 0), damaged.get(sku, 0)
        if line is None:
            errors[f"lines.{sku}"] = [TextMessage(Text("%(sku)s is not on this purchase order", sku=sku))]
        elif not _whole(good) or not _whole(broken) or good + broken < 1:
            errors[f"lines.{sku}"] = [TextMessage(Text(
                "quantity must be a whole number of at least 1 (damaged units count)"))]
        elif good + broken > _still_open(line):
            errors[f"lines.{sku}"] = [TextMessage(Text("only %(open)s of %(ordered)s are still to receive",
                                                       open=_still_open(line), ordered=line.quantity))]
    if errors:
        raise ValidationFailed(errors)


def _whole(units) -> bool:
    return isinstance(units, int) and not isinstance(units, bool) and units >= 0


def _still_open(line: PurchaseOrderLine) -> int:
    return max(0, line.quantity - line.received_quantity - line.damaged_quantity)


def _notice(purchase: PurchaseOrder, asn_id: int | None) -> AdvanceShippingNotice | None:
    """The notice this receipt counts against: the one named (it must be this order's and in transit), else the
    order's only notice in transit, else None."""
    if asn_id is None:
        in_transit = list(AdvanceShippingNotice.select().where(AdvanceShippingNotice.purchase_order == purchase.id,
                                                               AdvanceShippingNotice.status == IN_TRANSIT).limit(2))
        return in_transit[0] if len(in_transit) == 1 else None
    asn = AdvanceShippingNotice.get_or_none(AdvanceShippingNotice.id == asn_id,
                                            AdvanceShippingNotice.purchase_order == purchase.id)
    if asn is None:
        raise ValidationFailed({"asn": [TextMessage(Text("no shipping notice %(asn)s on %(number)s", asn=asn_id,
                                                         number=purchase.number))]})
    if asn.status != IN_TRANSIT:
        raise ValidationFailed({"asn": [_already_received(asn)]})
    return asn


def _announced(asn: AdvanceShippingNotice | None, lines: dict[str, PurchaseOrderLine]) -> dict[str, int]:
    if asn is None:
        return {}
    skus = {line.id: sku for sku, line in lines.items()}
    return {skus[row.purchase_order_line_id]: row.quantity
            for row in AdvanceShippingNoticeLine.select().where(AdvanceShippingNoticeLine.asn == asn.id)}


def _close_notice(asn: AdvanceShippingNotice) -> None:
    """in_transit → received, guarded: of two receipts racing for one notice, one wins."""
    updated = (AdvanceShippingNotice.update(status=RECEIVED, received_at=utc_now())
               .where(AdvanceShippingNotice.id == asn.id, AdvanceShippingNotice.status == IN_TRANSIT).execute())
    if not updated:
        raise ValidationFailed({"asn": [_already_received(asn)]})


def _already_received(asn: AdvanceShippingNotice) -> TextMessage:
    return TextMessage(Text("shipping notice %(reference)s was already received", reference=asn.reference))


def _status_after(purchase_id: int) -> str:
    """received once every line is in (good and damaged units against what was confirmed, or else ordered)."""
    lines = PurchaseOrderLine.select().where(PurchaseOrderLine.purchase_order == purchase_id)
    done = all(line.received_quantity + line.damaged_quantity
               >= (line.quantity if line.confirmed_quantity is None else line.confirmed_quantity) for line in lines)
    return PO_RECEIVED if done else PO_PARTIALLY_RECEIVED


def _move(purchase: PurchaseOrder, status: str, *, actor: str, reason: str) -> None:
    if status == purchase.status:
        return
    if not transition("purchase_order", purchase.id, status, actor=actor, reason=reason, expected=purchase.status):
        raise InvalidTransition(TextMessage(Text("%(number)s changed while it was being received; try again",
                                                 number=purchase.number)))


def _reason(asn: AdvanceShippingNotice | None, quantities: dict[str, int], damaged: dict[str, int]) -> str:
    counted = ", ".join(f"{sku} {units}" for sku, units in sorted(quantities.items()))
    broken = ", ".join(f"{sku} {units}" for sku, units in sorted(damaged.items()) if units)
    text = f"received {counted}" + (f"; damaged {broken}" if broken else "")
    return (text + (f" against ASN {asn.reference}" if asn else ""))[:2000]
