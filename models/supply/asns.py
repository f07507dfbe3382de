"""Advance shipping notices: the supplier announces a delivery against its purchase order (lines, carrier,
tracking number, expected arrival); the order becomes ``shipped`` and the units show as incoming with that date.
A drop-ship order's notice becomes the sales order's shipment in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import peewee

from models.core.audit_reasons import ASN_ANNOUNCED, say
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import InvalidTransition, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import transition
from models.supply.confirmations import lines_by_sku, locked_purchase_order, status_word
from models.supply.dropship import ship_dropship_asn
from models.supply.incoming import open_units
from models.supply.states import PO_SHIPPABLE_STATES, PO_SHIPPED
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)

IN_TRANSIT = "in_transit"
RECEIVED = "received"
MAX_TEXT = 64  # reference, carrier and tracking number columns


@dataclass(frozen=True)
class AsnLineInput:
    sku: str
    quantity: int


def create_asn(number: str, *, supplier_id: int | None, lines: list[AsnLineInput], carrier: str,
               tracking_number: str, expected_on: date | None, actor: str,
               reference: str | None = None) -> AdvanceShippingNotice:
    """Announce a delivery of ``lines`` of purchase order ``number``; each line at most what is still open and
    not yet announced. The same reference again with the same content answers the notice already stored."""
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    with database.atomic():
        purchase = locked_purchase_order(number, supplier_id=supplier_id)
        if purchase.status not in PO_SHIPPABLE_STATES:
            raise InvalidTransition(TextMessage(Text(
                "%(number)s is %(status)s; a delivery can be announced only when it is %(statuses)s",
                number=purchase.number, status=status_word(purchase.status),
                statuses=[status_word(s) for s in PO_SHIPPABLE_STATES])))
        po_lines = lines_by_sku(purchase.id)
        reference = (reference or "").strip() or _next_reference(purchase)
        existing = _same_notice(purchase, reference, lines, carrier, tracking_number, po_lines)
        if existing is not None:
            return existing
        _check(purchase, lines, po_lines, carrier=carrier, tracking_number=tracking_number, reference=reference)
        asn = AdvanceShippingNotice.create(
            purchase_order=purchase.id, reference=reference, carrier=carrier, tracking_number=tracking_number,
            shipped_at=utc_now(), expected_on=expected_on, status=IN_TRANSIT, created_by=actor)
        AdvanceShippingNoticeLine.insert_many([
            {"asn": asn.id, "purchase_order_line": po_lines[line.sku].id, "quantity": line.quantity}
            for line in lines]).execute()
        if purchase.status != PO_SHIPPED and not transition(
                "purchase_order", purchase.id, PO_SHIPPED, actor=actor, expected=purchase.status,
                reason=say(ASN_ANNOUNCED, reference=reference, carrier=carrier,
                           tracking=tracking_number).strip()[:2000]):
            raise InvalidTransition(TextMessage(Text(
                "%(number)s changed while the delivery was announced; try again", number=purchase.number)))
        if purchase.dropship:
            ship_dropship_asn(asn.id, actor=actor)
    return asn


def announced_in_transit(line_ids: list[int], *, dropship: bool = False) -> dict[int, int]:
    """Units per purchase-order line announced on notices not yet received (for a drop-ship order: on every
    notice, since no warehouse counts them in)."""
    if not line_ids:
        return {}
    query = (AdvanceShippingNoticeLine
             .select(AdvanceShippingNoticeLine.purchase_order_line, peewee.fn.SUM(AdvanceShippingNoticeLine.quantity))
             .join(AdvanceShippingNotice)
             .where(AdvanceShippingNoticeLine.purchase_order_line.in_(line_ids)))
    if not dropship:
        query = query.where(AdvanceShippingNotice.status == IN_TRANSIT)
    return {line_id: int(units) for line_id, units in
            query.group_by(AdvanceShippingNoticeLine.purchase_order_line).tuples()}


def still_to_announce(line: PurchaseOrderLine, announced: dict[int, int], *, dropship: bool) -> int:
    """Units of the line the supplier may still put on a notice."""
    expected = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
    if dropship:
        return max(0, expected - announced.get(line.id, 0))
    return max(0, open_units(line) - announced.get(line.id, 0))


def _check(purchase: PurchaseOrder, lines: list[AsnLineInput], po_lines: dict[str, PurchaseOrderLine], *,
           carrier: str, tracking_number: str, reference: str) -> None:
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [TextMessage(Text("give at least one SKU and quantity"))]
    if not carrier:
        errors["carrier"] = [TextMessage(Text("name the carrier"))]
    if purchase.dropship and not tracking_number:
        errors["tracking_number"] = [TextMessage(Text("a drop-ship delivery needs the carrier's tracking number"))]
    for name, value in (("carrier", carrier), ("tracking_number", tracking_number), ("reference", reference)):
        if len(value) > MAX_TEXT:
            errors[name] = [TextMessage(Text("at most %(count)s characters", count=MAX_TEXT))]
    if AdvanceShippingNotice.select().where(AdvanceShippingNotice.purchase_order == purchase.id,
                                            AdvanceShippingNotice.reference == reference).exists():
        errors["reference"] = [TextMessage(Text("%(reference)s is already used on this purchase order",
                                                reference=reference))]
    announced = announced_in_transit([line.id for line in po_lines.values()], dropship=purchase.dropship)
    seen: set[str] = set()
    for index, line in enumerate(lines):
        field = f"lines[{index}]"
        po_line = po_lines.get(line.sku)
        if po_line is None:
            errors[f"{field}.sku"] = [TextMessage(Text("%(sku)s is not on this purchase order", sku=line.sku))]
            continue
        if line.sku in seen:
            errors[f"{field}.sku"] = [TextMessage(Text("%(sku)s is listed twice; give it once", sku=line.sku))]
        seen.add(line.sku)
        left = still_to_announce(po_line, announced, dropship=purchase.dropship)
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity < 1:
            errors[f"{field}.quantity"] = [TextMessage(Text("quantity must be a whole number of at least 1"))]
        elif line.quantity > left:
            errors[f"{field}.quantity"] = [TextMessage(Text("only %(left)s of %(sku)s are still to announce",
                                                            left=left, sku=line.sku))]
    if errors:
        raise ValidationFailed(errors)


def _next_reference(purchase: PurchaseOrder) -> str:
    count = AdvanceShippingNotice.select().where(AdvanceShippingNotice.purchase_order == purchase.id).count()
    return f"{purchase.number}-ASN{count + 1}"


def _same_notice(purchase: PurchaseOrder, reference: str, lines: list[AsnLineInput], carrier: str,
                 tracking_number: str, po_lines: dict[str, PurchaseOrderLine]) -> AdvanceShippingNotice | None:
    """The notice stored under ``reference`` when it holds exactly this content (a retried call), else None."""
    asn = AdvanceShippingNotice.get_or_none(AdvanceShippingNotice.purchase_order == purchase.id,
                                            AdvanceShippingNotice.reference == reference)
    if asn is None or (asn.carrier, asn.tracking_number) != (carrier, tracking_number):
        return None
    skus = {line.id: sku for sku, line in po_lines.items()}
    stored = {(skus[row.purchase_order_line_id], row.quantity) for row in asn.lines}
    return asn if stored == {(line.sku, line.quantity) for line in lines} else None
