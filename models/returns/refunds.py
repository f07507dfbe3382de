"""Money back for a return, once: a credit note against what the customer still owes, or a payout to make.

A credit note is stored as a ``Payment`` (method ``credit_note``, reference ``REFUND-<return id>``) so the
receivables keep one rule: balance = open invoices less unapplied credit. It settles the returned order's
invoice first, then the customer's other open invoices oldest due first; what is left stays as credit.
When there is nothing open to credit (no invoice, or it is paid already) the money goes back as a payout.
"""
from __future__ import annotations

import logging
from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.audit_reasons import PAID_OUT, say
from models.core.base import CENT, utc_now
from models.core.db import database
from models.core.errors import (
    InvalidTransition,
    InvariantViolated,
    NotFound,
    ValidationFailed,
)
from models.core.text_messages import TextMessage
from models.core.texts import Joined, Text
from models.orders.tables import Order
from models.receivables.ledger import (
    ZERO,
    Invoice,
    Payment,
    lock_customer,
    move_balance,
    settle,
)
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_CLOSED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
    RETURN_REFUNDED,
)
from models.returns.tables import Refund, ReturnLine, ReturnRequest
from models.review.hold_decisions import recheck_held_orders

log = logging.getLogger(__name__)

CREDIT_NOTE, PAYOUT = "credit_note", "payout"
# A credit note is a Payment row, but not a way money is received: it stays out of
# receivables.PAYMENT_METHODS, which the payments API and CSV accept from outside.
CREDIT_NOTE_METHOD = CREDIT_NOTE
# Return states in which money may be (or may have been) given back; see models.returns.states.RETURN_TRANSITIONS.
# approved: return_rules may pay small refunds on approval, before the goods are back.
REFUNDABLE_STATES = (RETURN_APPROVED, RETURN_LABEL_ISSUED, RETURN_IN_TRANSIT, RETURN_RECEIVED, RETURN_INSPECTED,
                     RETURN_REFUNDED, RETURN_CLOSED)


def refund_reference(return_id: int) -> str:
    """The refund's reference, and its credit note's payment reference."""
    return f"REFUND-{return_id}"


def refund_value(return_id: int) -> Decimal:
    """What the return's lines are worth: the sum of quantity × unit price, in exact cents."""
    total = ZERO
    for quantity, unit_price in (ReturnLine.select(ReturnLine.quantity, ReturnLine.unit_price)
                                 .where(ReturnLine.return_request == return_id).tuples()):
        # tuples() skips the MoneyField conversion: SQLite answers NUMERIC as a float
        total += Decimal(str(unit_price)).quantize(CENT) * quantity
    return total.quantize(CENT)


def issue_refund(return_id: int, *, actor: str) -> Refund | None:
    """Refund the return once: a second call returns the first refund. Call inside the caller's transaction.

    Returns None, creating nothing, when there is no money to give back: an exchange (the replacement
    order is the resolution) or lines worth 0.00. Refused (InvalidTransition) before approval or once rejected.
    The return's ``refund_amount`` is set to the refunded value; its status is left to the caller.
    """
    with database.atomic():
        request = ReturnRequest.get_or_none(ReturnRequest.id == return_id)
        if request is None:
            raise NotFound(f"return {return_id} does not exist")
        # The order, then the customer: the lock order every receivables write keeps.
        Order.locked(request.order_id)
        lock_customer(request.customer_id)
        existing = Refund.get_or_none(Refund.return_request == return_id)
        if existing is not None:
            return existing
        if request.resolution != "refund":
            return None
        if request.status not in REFUNDABLE_STATES:
            raise InvalidTransition(TextMessage(Text(
                "return %(id)s is %(status)s: only a return in %(states)s may be refunded", id=return_id,
                status=Text(request.status), states=Joined([Text(state) for state in REFUNDABLE_STATES], ", "))))
        amount = refund_value(return_id)
        if amount == 0:
            return None
        try:
            with database.atomic():  # a savepoint: a lost race leaves nothing of this attempt behind
                return _create_refund(request, amount, actor=actor)
        except peewee.IntegrityError:
            existing = Refund.get_or_none(Refund.return_request == return_id)
            if existing is None:
                raise
            return existing


def _create_refund(request: ReturnRequest, amount: Decimal, *, actor: str) -> Refund:
    reference = refund_reference(request.id)
    invoice = Invoice.get_or_none(Invoice.order == request.order_id)
    credit = invoice is not None and invoice.currency == request.currency and invoice.balance > 0
    refund = Refund.create(return_request=request.id, customer=request.customer_id, amount=amount,
                           currency=request.currency, method=CREDIT_NOTE if credit else PAYOUT,
                           reference=reference, status="applied" if credit else "to_pay", created_by=actor)
    ReturnRequest.update(refund_amount=amount).where(ReturnRequest.id == request.id).execute()
    if credit:
        _credit_note(request, invoice, amount, reference=reference, actor=actor)
        reason = f"credit note {reference}: {amount} {request.currency} against {invoice.number}"
    else:
        reason = f"payout of {amount} {request.currency} to make (no open invoice to credit)"
        log.info("refund %s of return %s: %s", reference, request.id, reason)
    StatusChange.create(entity="refund", entity_id=refund.id, from_status=None, to_status=refund.status,
                        actor=actor, reason=reason)
    return refund


def _credit_note(request: ReturnRequest, invoice: Invoice, amount: Decimal, *, reference: str, actor: str) -> None:
    """The credit note as a payment: the returned order's invoice first, then the others oldest due first."""
    if Payment.get_or_none(Payment.customer == request.customer_id, Payment.reference == reference) is not None:
        raise InvariantViolated(f"customer {request.customer_id} already has a payment {reference!r}: "
                                f"the credit note of return {request.id} needs that reference")
    payment = Payment.create(customer=request.customer_id, reference=reference, amount=amount,
                             currency=request.currency, method=CREDIT_NOTE_METHOD, received_on=utc_now().date(),
                             unapplied=amount, created_by=actor)
    settle(payment, invoice, min(amount, invoice.balance))
    others = Invoice.open_for(request.customer_id).where(Invoice.currency == request.currency,
                                                          Invoice.id != invoice.id)
    for other in list(others):
        if payment.unapplied == 0:
            break
        settle(payment, other, min(payment.unapplied, other.balance))
    move_balance(request.customer_id, -amount)
    recheck_held_orders(request.customer_id, actor=actor)  # less owed: credit holds may clear


def mark_payout_paid(refund_id: int, *, reference: str, actor: str) -> bool:
    """to_pay → paid, once; the bank's reference goes into the refund's audit trail (entity "refund").

    Returns False when the payout was already marked paid; a credit note is refused (InvalidTransition).
    """
    if not isinstance(reference, str) or not reference.strip():
        raise ValidationFailed({"reference": [TextMessage(Text("the bank reference of the payout is required"))]})
    with database.atomic():
        refund = Refund.get_or_none(Refund.id == refund_id)
        if refund is None:
            raise NotFound(f"refund {refund_id} does not exist")
        if refund.method != PAYOUT:
            raise InvalidTransition(TextMessage(Text("refund %(reference)s is a %(method)s, not a payout",
                                                     reference=refund.reference, method=Text(refund.method))))
        updated = (Refund.update(status="paid")
                   .where(Refund.id == refund_id, Refund.status == "to_pay").execute())
        if not updated:
            return False
        StatusChange.create(entity="refund", entity_id=refund_id, from_status="to_pay", to_status="paid",
                            actor=actor, reason=say(PAID_OUT, reference=reference.strip()))
    return True
