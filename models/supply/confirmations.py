"""The supplier's answer to a purchase order, line by line: a confirmed quantity and promised date, or a
counter-proposal (more than ordered, or another date) that ops accept or reject.

Every change locks the purchase order row first and moves its status through the guarded transition, so two
answers (or an answer and an ops decision) never interleave."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from models.core.audit_reasons import COUNTER_ACCEPTED, COUNTER_REJECTED, say
from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.stages import SUPPLIER_MAILS
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.core.transitions import transition
from models.inventory.tables import Product
from models.supply.alerts import message_json
from models.supply.states import (
    PO_CONFIRMED,
    PO_COUNTERED,
    PO_PARTIALLY_CONFIRMED,
    PO_SENT,
)
from models.supply.tables import PurchaseOrder, PurchaseOrderLine, SupplyAlert

ANSWERABLE = (PO_SENT, PO_COUNTERED, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED)
COUNTER_ALERT = "counter_proposal"
# the statuses as refusals write them: their codes, as the API has always read them; the portal translates each
STATUS_CODES = (N_("draft"), N_("sent"), N_("confirmed"), N_("partially_confirmed"), N_("countered"), N_("shipped"),
                N_("partially_received"), N_("received"), N_("closed"), N_("cancelled"))


def status_word(status: str) -> Text:
    """A purchase-order status as a value of a refusal: its code in English, its word on a translated page."""
    return Text(status)


@dataclass(frozen=True)
class ConfirmationInput:
    sku: str
    quantity: int
    promised_date: date | None
    counter: bool = False


def confirm_purchase_order(number: str, answers: list[ConfirmationInput], *, supplier_id: int | None,
                           actor: str) -> str:
    """Record the supplier's answer to every line; the new status: ``countered`` when any line is a
    counter-proposal, ``confirmed`` when every line is confirmed in full, else ``partially_confirmed``."""
    with database.atomic():
        purchase = locked_purchase_order(number, supplier_id=supplier_id)
        if purchase.status not in ANSWERABLE:
            raise InvalidTransition(TextMessage(Text(
                "%(number)s is %(status)s; only a sent or answered purchase order can be confirmed",
                number=purchase.number, status=status_word(purchase.status))))
        lines = lines_by_sku(purchase.id)
        _check_answers(answers, lines)
        now = utc_now()
        for answer in answers:
            _record_answer(lines[answer.sku], answer, now)
        countered = any(_is_counter(answer, lines[answer.sku]) for answer in answers)
        full = all(answer.quantity == lines[answer.sku].quantity for answer in answers)
        status = PO_COUNTERED if countered else PO_CONFIRMED if full else PO_PARTIALLY_CONFIRMED
        _move(purchase, status, actor=actor, reason=_summary(answers, lines))
        if purchase.answered_at is None:
            PurchaseOrder.update(answered_at=now).where(PurchaseOrder.id == purchase.id).execute()
        if countered:
            open_counter_alert(purchase, [a.sku for a in answers if _is_counter(a, lines[a.sku])])
        else:
            resolve_counter_alert(purchase.id, actor=actor)
    return status


def accept_counter(number: str, *, actor: str) -> str:
    """Ops accept the counter-proposal: each proposal becomes its line's quantity, confirmed quantity and promised
    date; the order is then confirmed (or partially confirmed where a line stays short). Mails the supplier."""
    with database.atomic():
        purchase = _countered(number)
        lines = list(PurchaseOrderLine.select().where(PurchaseOrderLine.purchase_order == purchase.id))
        now = utc_now()
        for line in lines:
            if line.proposed_quantity is None:
                continue
            line.quantity = line.confirmed_quantity = line.proposed_quantity
            line.promised_date, line.confirmed_at = line.proposed_date, now
            line.proposed_quantity = line.proposed_date = None
            line.save()
        full = all(line.confirmed_quantity == line.quantity for line in lines)
        status = PO_CONFIRMED if full else PO_PARTIALLY_CONFIRMED
        _move(purchase, status, actor=actor, reason=COUNTER_ACCEPTED)
        resolve_counter_alert(purchase.id, actor=actor)
        SUPPLIER_MAILS.nudge(purchase.id, "counter_accepted")
    return status


def reject_counter(number: str, *, actor: str, reason: str) -> str:
    """Ops reject the counter-proposal: the proposals are dropped and the order is ``sent`` again, waiting for
    another answer. Mails the supplier with ``reason``."""
    if not reason.strip():
        raise ValidationFailed({"reason": [TextMessage(Text("say why the counter-proposal is rejected"))]})
    with database.atomic():
        purchase = _countered(number)
        (PurchaseOrderLine.update(proposed_quantity=None, proposed_date=None)
         .where(PurchaseOrderLine.purchase_order == purchase.id).execute())
        _move(purchase, PO_SENT, actor=actor, reason=say(COUNTER_REJECTED, reason=reason.strip())[:2000])
        resolve_counter_alert(purchase.id, actor=actor)
        SUPPLIER_MAILS.nudge(purchase.id, "counter_rejected")
    return PO_SENT


def locked_purchase_order(number: str, *, supplier_id: int | None = None) -> PurchaseOrder:
    """The purchase order row, locked for the transaction; NotFound when missing or (with ``supplier_id``)
    another supplier's. Call inside ``atomic()``."""
    query = PurchaseOrder.select().where(PurchaseOrder.number == number)
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier == supplier_id)
    purchase = lock_for_update(query).first()
    if purchase is None:
        raise NotFound(f"purchase order {number} not found")
    return purchase


def lines_by_sku(purchase_id: int) -> dict[str, PurchaseOrderLine]:
    """The purchase order's lines with their products, by SKU."""
    return {line.product.sku: line for line in PurchaseOrderLine.select(PurchaseOrderLine, Product).join(Product)
            .where(PurchaseOrderLine.purchase_order == purchase_id).order_by(PurchaseOrderLine.id)}


def open_counter_alert(purchase: PurchaseOrder, skus: list[str]) -> None:
    """Open (or reopen) the ops alert that a counter-proposal waits for their decision."""
    message = Text("%(number)s: the supplier proposes other quantities or dates for %(skus)s",
                   number=purchase.number, skus=", ".join(skus))
    updated = (SupplyAlert.update(status="open", message=str(message), message_text=message_json(message),
                                  raised_at=utc_now(), resolved_at=None, resolved_by="")
               .where(SupplyAlert.purchase_order == purchase.id, SupplyAlert.kind == COUNTER_ALERT).execute())
    if not updated:
        SupplyAlert.create(purchase_order=purchase.id, kind=COUNTER_ALERT, message=str(message),
                           message_text=message_json(message))


def resolve_counter_alert(purchase_id: int, *, actor: str) -> None:
    (SupplyAlert.update(status="resolved", resolved_at=utc_now(), resolved_by=actor)
     .where(SupplyAlert.purchase_order == purchase_id, SupplyAlert.kind == COUNTER_ALERT,
            SupplyAlert.status == "open").execute())


def _countered(number: str) -> PurchaseOrder:
    purchase = locked_purchase_order(number)
    if purchase.status != PO_COUNTERED:
        raise InvalidTransition(TextMessage(Text("%(number)s is %(status)s: there is no counter-proposal to decide",
                                                 number=purchase.number, status=status_word(purchase.status))))
    return purchase


def _move(purchase: PurchaseOrder, status: str, *, actor: str, reason: str) -> None:
    """The guarded status change (none when the status stays); InvalidTransition when the machine forbids it."""
    if status == purchase.status:
        return
    if not transition("purchase_order", purchase.id, status, actor=actor, reason=reason,
                      expected=purchase.status):
        raise InvalidTransition(TextMessage(Text("%(number)s changed while it was being answered; try again",
                                                 number=purchase.number)))


def _is_counter(answer: ConfirmationInput, line: PurchaseOrderLine) -> bool:
    return answer.counter or answer.quantity > line.quantity


def _record_answer(line: PurchaseOrderLine, answer: ConfirmationInput, now) -> None:
    if _is_counter(answer, line):
        changes = {"confirmed_quantity": None, "promised_date": None, "proposed_quantity": answer.quantity,
                   "proposed_date": answer.promised_date}
    else:
        changes = {"confirmed_quantity": answer.quantity, "promised_date": answer.promised_date,
                   "proposed_quantity": None, "proposed_date": None}
    PurchaseOrderLine.update(confirmed_at=now, **changes).where(PurchaseOrderLine.id == line.id).execute()


def _check_answers(answers: list[ConfirmationInput], lines: dict[str, PurchaseOrderLine]) -> None:
    errors: dict[str, list[str]] = {}
    seen: set[str] = set()
    for index, answer in enumerate(answers):
        field = f"lines[{index}]"
        if answer.sku not in lines:
            errors[f"{field}.sku"] = [TextMessage(Text("%(sku)s is not on this purchase order", sku=answer.sku))]
        elif answer.sku in seen:
            errors[f"{field}.sku"] = [TextMessage(Text("%(sku)s is answered twice; answer it once", sku=answer.sku))]
        seen.add(answer.sku)
        if not isinstance(answer.quantity, int) or isinstance(answer.quantity, bool) or answer.quantity < 0:
            errors[f"{field}.quantity"] = [TextMessage(Text(
                "quantity must be a whole number, 0 when you cannot supply the line"))]
        elif answer.counter and answer.quantity == 0:
            errors[f"{field}.quantity"] = [TextMessage(Text(
                "a counter-proposal needs a quantity; answer 0 without counter when you cannot supply the line"))]
        elif answer.quantity > 0 and answer.promised_date is None:
            errors[f"{field}.promised_date"] = [TextMessage(Text("give the date you promise to deliver"))]
    for sku in lines:
        if sku not in seen:
            errors[f"lines.{sku}"] = [TextMessage(Text(
                "%(sku)s is not answered; answer every line (0 when you cannot supply it)", sku=sku))]
    if errors:
        raise ValidationFailed(errors)


def _summary(answers: list[ConfirmationInput], lines: dict[str, PurchaseOrderLine]) -> str:
    parts = []
    for answer in answers:
        when = f" by {answer.promised_date.isoformat()}" if answer.promised_date else ""
        what = "proposes" if _is_counter(answer, lines[answer.sku]) else "confirms"
        parts.append(f"{answer.sku} {what} {answer.quantity}/{lines[answer.sku].quantity}{when}")
    return "; ".join(parts)[:2000]
