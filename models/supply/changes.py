"""Ops changing a purchase order: editing it (a draft in place; a sent one as a new revision the supplier must
answer again), cancelling it, or closing one whose goods came or will never come."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.core.audit_reasons import CHANGED_TO_ANSWER_AGAIN
from models.core.base import CENT, utc_now
from models.core.db import database
from models.core.errors import InvalidTransition, ValidationFailed
from models.core.stages import SUPPLIER_MAILS
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.core.transitions import transition
from models.partners.tables import Partner
from models.supply.confirmations import (
    lines_by_sku,
    locked_purchase_order,
    resolve_counter_alert,
    status_word,
)
from models.supply.purchasing import PurchaseLineInput, check_lines, last_prices
from models.supply.states import (
    PO_CANCELLED,
    PO_CLOSED,
    PO_CONFIRMED,
    PO_COUNTERED,
    PO_DRAFT,
    PO_PARTIALLY_CONFIRMED,
    PO_PARTIALLY_RECEIVED,
    PO_RECEIVED,
    PO_SENT,
    PO_SHIPPED,
)
from models.supply.tables import PurchaseOrder, PurchaseOrderLine, SupplyAlert

# Sent and answered orders change as a new revision; once goods are on their way the order is what it is.
REVISABLE = (PO_SENT, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_COUNTERED)
CANCELLABLE = (PO_DRAFT, *REVISABLE)
CLOSABLE = (PO_SHIPPED, PO_PARTIALLY_RECEIVED, PO_RECEIVED)
MAX_NOTE = 2000
CLEARED_ANSWER = {"confirmed_quantity": None, "promised_date": None, "proposed_quantity": None,
                  "proposed_date": None, "confirmed_at": None}


def change_purchase_order(number: str, *, actor: str, lines: list[PurchaseLineInput] | None = None,
                          expected_at: date | None = None, note: str | None = None) -> PurchaseOrder:
    """Change the lines (the full new list), the date asked for or the note. A draft is edited in place; a sent or
    answered order becomes revision+1, its answers cleared, ``sent`` again, and the supplier is mailed."""
    with database.atomic():
        purchase = locked_purchase_order(number)
        if purchase.status not in (PO_DRAFT, *REVISABLE):
            raise InvalidTransition(TextMessage(Text("%(number)s is %(status)s; it can no longer be changed",
                                                     number=purchase.number, status=status_word(purchase.status))))
        if lines is not None:
            _replace_lines(purchase, lines)
        changes: dict = {}
        if expected_at is not None:
            changes["expected_at"] = expected_at
        if note is not None:
            changes["note"] = note[:MAX_NOTE]
        if purchase.status != PO_DRAFT:
            changes["revision"] = PurchaseOrder.revision + 1
            (PurchaseOrderLine.update(**CLEARED_ANSWER)
             .where(PurchaseOrderLine.purchase_order == purchase.id).execute())
        if changes:
            PurchaseOrder.update(changes).where(PurchaseOrder.id == purchase.id).execute()
        if purchase.status != PO_DRAFT:
            _send_again(purchase, actor=actor)
            resolve_counter_alert(purchase.id, actor=actor)
            SUPPLIER_MAILS.nudge(purchase.id, "changed")
    return PurchaseOrder.get_by_id(purchase.id)


def cancel_purchase_order(number: str, *, actor: str, reason: str) -> bool:
    """Cancel an order no goods are on their way for; the supplier is mailed when it had been sent. False when it
    was already cancelled (a repeated call); InvalidTransition once it shipped."""
    reason = _reason(reason, Text("say why you cancel the purchase order"))
    with database.atomic():
        purchase = locked_purchase_order(number)
        if purchase.status == PO_CANCELLED:
            return False
        if purchase.status not in CANCELLABLE:
            template = (N_("%(number)s is %(status)s; it can no longer be cancelled; close it instead")
                        if purchase.status in CLOSABLE
                        else N_("%(number)s is %(status)s; it can no longer be cancelled"))
            raise InvalidTransition(TextMessage(Text(template, number=purchase.number,
                                                     status=status_word(purchase.status))))
        _guarded(purchase, PO_CANCELLED, actor=actor, reason=reason)
        _resolve_alerts(purchase.id, actor=actor)
        if purchase.status != PO_DRAFT:
            SUPPLIER_MAILS.nudge(purchase.id, "cancelled")
    return True


def close_purchase_order(number: str, *, actor: str, reason: str) -> bool:
    """Close an order that shipped, whatever is still missing (received, or what will never come). False when it
    was already closed; InvalidTransition before it shipped."""
    reason = _reason(reason, Text("say why you close the purchase order"))
    with database.atomic():
        purchase = locked_purchase_order(number)
        if purchase.status == PO_CLOSED:
            return False
        if purchase.status not in CLOSABLE:
            template = (N_("%(number)s is %(status)s; only %(statuses)s orders can be closed; cancel it instead")
                        if purchase.status in CANCELLABLE
                        else N_("%(number)s is %(status)s; only %(statuses)s orders can be closed"))
            raise InvalidTransition(TextMessage(Text(template, number=purchase.number,
                                                     status=status_word(purchase.status),
                                                     statuses=[status_word(s) for s in CLOSABLE])))
        _guarded(purchase, PO_CLOSED, actor=actor, reason=reason)
        PurchaseOrder.update(closed_at=utc_now()).where(PurchaseOrder.id == purchase.id).execute()
        _resolve_alerts(purchase.id, actor=actor)
    return True


def _replace_lines(purchase: PurchaseOrder, lines: list[PurchaseLineInput]) -> None:
    """The order's lines become ``lines``: kept SKUs updated (their price kept unless given), others added or
    removed."""
    supplier = Partner.get_by_id(purchase.supplier_id)
    products = check_lines(lines, supplier)
    current = lines_by_sku(purchase.id)
    prices = last_prices(supplier.id, [p.id for p in products.values()])
    for line in lines:
        old = current.get(line.sku)
        price = line.unit_price if line.unit_price is not None else (
            old.unit_cost if old is not None else prices.get(products[line.sku].id, Decimal(0)))
        values = {"quantity": line.quantity, "unit_cost": Decimal(price).quantize(CENT)}
        if line.order_line_id is not None:
            values["order_line"] = line.order_line_id
        if old is not None:
            PurchaseOrderLine.update(values).where(PurchaseOrderLine.id == old.id).execute()
        else:
            PurchaseOrderLine.create(purchase_order=purchase.id, product=products[line.sku].id, **values)
    removed = [old.id for sku, old in current.items() if sku not in products]
    if removed:
        PurchaseOrderLine.delete().where(PurchaseOrderLine.id.in_(removed)).execute()


def _send_again(purchase: PurchaseOrder, *, actor: str) -> None:
    if purchase.status != PO_SENT:
        _guarded(purchase, PO_SENT, actor=actor, reason=CHANGED_TO_ANSWER_AGAIN)


def _guarded(purchase: PurchaseOrder, status: str, *, actor: str, reason: str) -> None:
    if not transition("purchase_order", purchase.id, status, actor=actor, reason=reason,
                      expected=purchase.status):
        raise InvalidTransition(TextMessage(Text("%(number)s changed meanwhile; try again", number=purchase.number)))


def _resolve_alerts(purchase_id: int, *, actor: str) -> None:
    (SupplyAlert.update(status="resolved", resolved_at=utc_now(), resolved_by=actor)
     .where(SupplyAlert.purchase_order == purchase_id, SupplyAlert.status == "open").execute())


def _reason(reason: str, asked: Text) -> str:
    if not reason or not reason.strip():
        raise ValidationFailed({"reason": [TextMessage(asked)]})
    return reason.strip()[:MAX_NOTE]
