"""Recording money received from a customer: checked, applied to the invoices due first, once per reference."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.core.base import CENT, utc_now
from models.core.currencies import CURRENCIES
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.partners.tables import Partner
from models.receivables.ledger import (
    PAYMENT_METHODS,
    Invoice,
    Payment,
    lock_customer,
    move_balance,
    settle,
)
from models.review.hold_decisions import recheck_held_orders

MAX_AMOUNT = Decimal("999999999999.99")  # NUMERIC(14, 2)
BUYER_KINDS = ("customer", "distributor")


def customer_by_code(code: str) -> Partner:
    """The customer (or distributor) with ``code``; ValidationFailed naming ``customer_code`` if none."""
    customer = Partner.get_or_none(Partner.code == code, Partner.kind.in_(BUYER_KINDS))
    if customer is None:
        raise ValidationFailed({"customer_code": [TextMessage(Text("unknown customer %(code)s", code=repr(code)))]})
    return customer


def record_payment(customer: Partner, *, amount: Decimal, currency: str, reference: str, method: str,
                   received_on: date | None = None, actor: str) -> tuple[Payment, bool]:
    """Record a payment once per customer and reference and apply it to open invoices, oldest due first;
    the rest stays as credit. Returns (payment, created); a repeat returns the stored payment unchanged.

    One transaction: the customer row is locked, invoices settled, the balance lowered by the whole
    amount and the customer's orders held for credit sent back to review.
    """
    amount = _checked(customer, amount=amount, currency=currency, reference=reference, method=method,
                      received_on=received_on)
    reference = reference.strip()
    with database.atomic():
        if lock_customer(customer.id) is None:
            raise ValidationFailed({"customer_code": [TextMessage(Text("unknown customer %(code)s",
                                                                       code=repr(customer.code)))]})
        existing = Payment.get_or_none(Payment.customer == customer.id, Payment.reference == reference)
        if existing is not None:
            if (existing.amount, existing.currency) != (amount, currency):
                message = TextMessage(Text("payment %(reference)s of %(customer)s is already recorded as "
                                           "%(amount)s %(currency)s; a different payment needs its own reference",
                                           reference=repr(reference), customer=customer.code,
                                           amount=existing.amount, currency=existing.currency))
                raise ValidationFailed({"reference": [message]})
            return existing, False
        payment = Payment.create(customer=customer.id, reference=reference, amount=amount, currency=currency,
                                 method=method, received_on=received_on or utc_now().date(), unapplied=amount,
                                 created_by=actor)
        for invoice in list(Invoice.open_for(customer.id).where(Invoice.currency == currency)):
            if payment.unapplied == 0:
                break
            settle(payment, invoice, min(payment.unapplied, invoice.balance))
        move_balance(customer.id, -amount)
        payment.orders_rechecked = tuple(recheck_held_orders(customer.id, actor=actor))
    return payment, True


def _checked(customer: Partner, *, amount, currency: str, reference: str, method: str,
             received_on) -> Decimal:
    """The amount as exact cents; ValidationFailed listing every field that is wrong."""
    errors: dict[str, list[TextMessage]] = {}
    if not customer.is_buyer:
        errors["customer_code"] = [TextMessage(Text("%(code)s is a %(kind)s, not a customer", code=customer.code,
                                                    kind=Text(customer.kind)))]
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        errors["amount"] = [TextMessage(Text("must be a Decimal or a whole number, never a float"))]
    elif not Decimal(amount).is_finite() or not 0 < amount <= MAX_AMOUNT:
        errors["amount"] = [TextMessage(Text("must be more than 0 and at most %(most)s", most=MAX_AMOUNT))]
    elif Decimal(amount).as_tuple().exponent < -2:
        errors["amount"] = [TextMessage(Text("at most 2 decimal places"))]
    if currency not in CURRENCIES:
        errors["currency"] = [TextMessage(Text("must be one of %(codes)s", codes=", ".join(CURRENCIES)))]
    if not isinstance(reference, str) or not 1 <= len(reference.strip()) <= 64:
        errors["reference"] = [TextMessage(Text("must be 1 to 64 characters"))]
    if method not in PAYMENT_METHODS:
        errors["method"] = [TextMessage(Text("must be one of %(codes)s", codes=", ".join(PAYMENT_METHODS)))]
    if received_on is not None and (not isinstance(received_on, date) or hasattr(received_on, "hour")):
        errors["received_on"] = [TextMessage(Text("must be a date"))]
    if errors:
        raise ValidationFailed(errors)
    return Decimal(amount).quantize(CENT)
