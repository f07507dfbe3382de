"""Receivables: an invoice for every shipped order and for each opening balance, the payments that
settle them, and the customer's outstanding balance kept equal to open invoices less unapplied credit.

Every write here row-locks the customer first (after the order, when there is one), so the invoices
and payments of one customer only ever change one transaction at a time.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.base import CENT, BaseModel, MoneyField, utc_now
from models.core.bulk import update_from_values
from models.core.bulk_insert import insert_models
from models.core.bulk_values import among
from models.core.db import database, lock_against_writers
from models.core.errors import ValidationFailed
from models.core.registry import register_tables
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.orders.tables import Order
from models.partners.tables import Partner

INVOICE_STATUSES = ("open", "paid")
PAYMENT_METHODS = ("bank_transfer", "card", "cheque", "other")
OPENING_PREFIX = "OPEN-"
# An opening balance's currency when the caller names none; the master-data import passes the buyer's own.
OPENING_CURRENCY = "USD"
ZERO = Decimal("0.00")


class Invoice(BaseModel):
    """What a customer owes for one shipped order, or its opening balance (``order`` NULL)."""

    number = peewee.CharField(max_length=80, unique=True)
    customer = peewee.ForeignKeyField(Partner, backref="invoices", on_delete="RESTRICT", index=False)
    order = peewee.ForeignKeyField(Order, null=True, unique=True, backref="invoices", on_delete="RESTRICT")
    currency = peewee.CharField(max_length=3)
    amount = MoneyField()
    paid = MoneyField(default=0)
    issued_at = peewee.DateTimeField(default=utc_now)
    due_on = peewee.DateField()
    status = peewee.CharField(max_length=8, default="open")

    class Meta:
        indexes = ((("customer", "status", "due_on"), False),)  # open invoices, oldest due first
        constraints = (peewee.Check("amount >= 0"), peewee.Check("paid >= 0"), peewee.Check("paid <= amount"),
                       peewee.Check("status IN ('open', 'paid')"))

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid

    @classmethod
    def open_for(cls, customer_id: int) -> peewee.ModelSelect:
        """The customer's unpaid invoices, oldest due first: the order payments settle them in."""
        return (cls.select().where(cls.customer == customer_id, cls.status == "open")
                .order_by(cls.due_on, cls.issued_at, cls.id))


class Payment(BaseModel):
    """Money received from a customer; what no invoice took yet stays ``unapplied``, a credit."""

    customer = peewee.ForeignKeyField(Partner, backref="payments", on_delete="RESTRICT", index=False)
    reference = peewee.CharField(max_length=64)
    amount = MoneyField()
    currency = peewee.CharField(max_length=3)
    method = peewee.CharField(max_length=16)
    received_on = peewee.DateField()
    unapplied = MoneyField(default=0)
    created_by = peewee.CharField(max_length=254)
    created_at = peewee.DateTimeField(default=utc_now)

    # Set by record_payment on the payment it creates: the held orders sent back to review.
    orders_rechecked: tuple[int, ...] = ()

    class Meta:
        indexes = ((("customer", "reference"), True), (("customer", "received_on"), False))
        constraints = (peewee.Check("amount > 0"), peewee.Check("unapplied >= 0"),
                       peewee.Check("unapplied <= amount"))

    @classmethod
    def latest_for(cls, customer_id: int, limit: int = 20) -> peewee.ModelSelect:
        return (cls.select().where(cls.customer == customer_id)
                .order_by(cls.received_on.desc(), cls.id.desc()).limit(limit))

    @classmethod
    def credits_for(cls, customer_id: int, currency: str) -> peewee.ModelSelect:
        """The customer's payments with money left to apply, oldest first."""
        return (cls.select().where(cls.customer == customer_id, cls.currency == currency, cls.unapplied > 0)
                .order_by(cls.received_on, cls.id))


class PaymentApplication(BaseModel):
    """The part of a payment that settled one invoice."""

    payment = peewee.ForeignKeyField(Payment, backref="applications", on_delete="CASCADE", index=False)
    invoice = peewee.ForeignKeyField(Invoice, backref="applications", on_delete="RESTRICT")
    amount = MoneyField()
    applied_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("payment", "invoice"), True),)
        constraints = (peewee.Check("amount > 0"),)


def applications_of(payment_id: int) -> list[tuple[str, Decimal]]:
    """(invoice number, amount) for each invoice the payment settled, in the order it settled them."""
    return [(row.invoice.number, row.amount) for row in PaymentApplication.select(PaymentApplication, Invoice)
            .join(Invoice).where(PaymentApplication.payment == payment_id).order_by(PaymentApplication.id)]


def lock_customer(customer_id: int) -> Partner | None:
    """The customer row, locked until the transaction ends; the one lock every receivables write takes."""
    return lock_against_writers(Partner.select().where(Partner.id == customer_id)).first()


def issue_invoice(order: Order, *, actor: str) -> Invoice:
    """Invoice a shipped order once (a second call returns the first invoice); call inside the caller's
    transaction, after locking the order. Unapplied credit of the customer pays it at once."""
    with database.atomic():
        issue_invoices([order], actor=actor)
        return Invoice.get(Invoice.order == order.id)


def issue_invoices(orders: Iterable[Order], *, actor: str) -> list[Invoice]:
    """Invoice shipped orders once each (an order invoiced already is skipped); returns the invoices issued now.

    In a fixed number of statements: the customers' terms read, one multi-row insert, then the customers locked in
    id order and one balance update for all of them; unapplied credit pays the new invoices of the customers that
    have some. Call inside the caller's transaction, after locking the orders. The customers are locked only for
    the balance update, late: a batch shipping orders of many customers holds them from there to its COMMIT."""
    orders = sorted({order.id: order for order in orders}.values(), key=lambda order: order.id)
    if not orders:
        return []
    terms = dict(Partner.select(Partner.id, Partner.payment_terms_days)
                 .where(among(Partner.id, sorted({order.customer_id for order in orders}))).tuples())
    issued = utc_now()
    rows = [{"number": f"INV-{order.id:06d}", "customer": order.customer_id, "order": order.id,
             "currency": order.currency, "amount": order.total, "status": "open" if order.total > 0 else "paid",
             "issued_at": issued, "due_on": issued.date() + timedelta(days=terms[order.customer_id])}
            for order in orders]
    invoices: list[Invoice] = insert_models(Invoice, rows, ignore_conflicts=True)
    owed: dict[int, Decimal] = {}
    for invoice in invoices:
        owed[invoice.customer_id] = owed.get(invoice.customer_id, ZERO) + invoice.amount
    _raise_balances({cid: amount for cid, amount in owed.items() if amount}, at=issued)
    with_credit = {cid for (cid,) in Payment.select(Payment.customer).distinct().where(
        among(Payment.customer, sorted(owed)), Payment.unapplied > 0).tuples()} if owed else set()
    for invoice in invoices:
        if invoice.customer_id in with_credit and invoice.balance > 0:
            apply_credit(invoice)
    return invoices


def _raise_balances(owed: dict[int, Decimal], *, at: datetime) -> None:
    """Add ``owed[customer]`` to each customer's outstanding balance: the rows locked in id order, then written
    whole from the locked values (see ``settle``), which is exact on SQLite too."""
    if not owed:
        return
    balances = dict(lock_against_writers(Partner.select(Partner.id, Partner.outstanding_balance)
                                         .where(among(Partner.id, sorted(owed))).order_by(Partner.id)).tuples())
    update_from_values(Partner, ("id", "outstanding_balance"),
                       [(cid, balances[cid] + amount) for cid, amount in sorted(owed.items())],
                       {"updated_at": at}, set_from_values=("outstanding_balance",),
                       casts={"outstanding_balance": "NUMERIC(14, 2)"})


def withdraw_invoice(order: Order, *, actor: str, reason: str) -> Invoice | None:
    """Take back the invoice of an order that turned out not to have shipped (its waybill was cancelled
    before pickup): money applied to it goes back to the payments as credit, the balance drops by its amount,
    and the audit trail keeps it. Shipping again issues it anew. Call inside the caller's transaction."""
    with database.atomic():
        lock_customer(order.customer_id)
        invoice = Invoice.get_or_none(Invoice.order == order.id)
        if invoice is None:
            return None
        for application in list(PaymentApplication.select().where(PaymentApplication.invoice == invoice.id)):
            payment = Payment.get_by_id(application.payment_id)
            Payment.update(unapplied=payment.unapplied + application.amount).where(Payment.id == payment.id).execute()
            application.delete_instance()
        invoice.delete_instance()
        move_balance(invoice.customer_id, -invoice.amount)
        StatusChange.create(entity="invoice", entity_id=order.id, from_status=invoice.status, to_status="withdrawn",
                            actor=actor, reason=f"{invoice.number} {invoice.amount} {invoice.currency}: {reason}"[:500])
    return invoice


def set_opening_balance(customer: Partner, amount: Decimal, *, currency: str = OPENING_CURRENCY) -> bool:
    """Keep the customer's opening-balance invoice (``OPEN-<code>``) at ``amount``; the outstanding balance
    moves by the difference. Returns whether anything changed. Refused below what was already paid on it."""
    if amount < 0 or amount.as_tuple().exponent < -2:
        raise ValidationFailed({"outstanding_balance": [
            TextMessage(Text("must be 0 or more, with at most 2 decimal places"))]})
    amount = amount.quantize(CENT)
    with database.atomic():
        customer = lock_customer(customer.id)
        invoice = Invoice.get_or_none(Invoice.number == f"{OPENING_PREFIX}{customer.code}")
        if (invoice is None and amount == 0) or (invoice is not None and invoice.amount == amount):
            return False
        if invoice is None:
            issued = utc_now()
            invoice = Invoice.create(number=f"{OPENING_PREFIX}{customer.code}", customer=customer.id,
                                     currency=currency, amount=amount, issued_at=issued,
                                     due_on=issued.date() + timedelta(days=customer.payment_terms_days))
            move_balance(customer.id, amount)
            apply_credit(invoice)
            return True
        if amount < invoice.paid:
            raise ValidationFailed({"outstanding_balance": [
                TextMessage(Text("opening balance %(amount)s is below the %(paid)s already paid against %(invoice)s",
                                 amount=amount, paid=invoice.paid, invoice=invoice.number))]})
        difference = amount - invoice.amount
        if amount == 0:  # nothing owed and nothing paid: no opening invoice at all
            invoice.delete_instance()
        else:
            (Invoice.update(amount=amount, status="paid" if amount == invoice.paid else "open")
             .where(Invoice.id == invoice.id).execute())
            invoice = Invoice.get_by_id(invoice.id)
            apply_credit(invoice)
        move_balance(customer.id, difference)
    return True


def apply_credit(invoice: Invoice) -> Decimal:
    """Pay ``invoice`` from the customer's unapplied payments, oldest first; return the amount applied.
    The customer row must be locked by the caller."""
    applied = ZERO
    for payment in list(Payment.credits_for(invoice.customer_id, invoice.currency)):
        if invoice.balance <= 0:
            break
        share = min(payment.unapplied, invoice.balance)
        settle(payment, invoice, share)
        applied += share
    return applied


def settle(payment: Payment, invoice: Invoice, amount: Decimal) -> None:
    """Move ``amount`` of the payment's unapplied money onto the invoice, updating both objects too.

    Values are computed here and written whole, never as SQL arithmetic: SQLite keeps NUMERIC as a
    float, and 0.10 + 0.20 there would break CHECK (paid <= amount). The customer lock makes it safe.
    """
    invoice.paid += amount
    invoice.status = "paid" if invoice.paid == invoice.amount else "open"
    payment.unapplied -= amount
    Invoice.update(paid=invoice.paid, status=invoice.status).where(Invoice.id == invoice.id).execute()
    Payment.update(unapplied=payment.unapplied).where(Payment.id == payment.id).execute()
    already = PaymentApplication.get_or_none(PaymentApplication.payment == payment.id,
                                             PaymentApplication.invoice == invoice.id)
    if already is None:
        PaymentApplication.create(payment=payment.id, invoice=invoice.id, amount=amount)
    else:  # an opening balance raised after this payment had already gone onto it
        (PaymentApplication.update(amount=already.amount + amount)
         .where(PaymentApplication.id == already.id).execute())


def move_balance(customer_id: int, amount: Decimal) -> None:
    """Add ``amount`` (negative: take it off) to the customer's outstanding balance."""
    # Relative, so it composes with any other writer; the row is locked by the caller anyway.
    if amount:
        (Partner.update(outstanding_balance=Partner.outstanding_balance + amount, updated_at=utc_now())
         .where(Partner.id == customer_id).execute())


def overdue_position(customer_id: int, today: date) -> tuple[Decimal, int]:
    """What the customer owes past due (a due date before ``today``) and how many days the oldest of it
    is late; (0, 0) when nothing is overdue."""
    owed, oldest = (Invoice.select(peewee.fn.SUM(Invoice.amount - Invoice.paid), peewee.fn.MIN(Invoice.due_on))
                    .where(Invoice.customer == customer_id, Invoice.status == "open", Invoice.due_on < today)
                    .tuples().get())
    if oldest is None:
        return ZERO, 0
    if isinstance(oldest, str):  # SQLite answers an aggregate over a date column as text
        oldest = date.fromisoformat(oldest)
    return Decimal(str(owed)).quantize(CENT), (today - oldest).days


def overdue_positions(customer_ids: list[int], today: date) -> dict[int, tuple[Decimal, int]]:
    """``overdue_position`` of each customer in one grouped query; (0, 0) for a customer with nothing overdue."""
    positions = {customer_id: (ZERO, 0) for customer_id in customer_ids}
    if not customer_ids:
        return positions
    for customer_id, owed, oldest in (Invoice.select(Invoice.customer, peewee.fn.SUM(Invoice.amount - Invoice.paid),
                                                     peewee.fn.MIN(Invoice.due_on))
                                      .where(among(Invoice.customer, customer_ids), Invoice.status == "open",
                                             Invoice.due_on < today)
                                      .group_by(Invoice.customer).tuples()):
        if isinstance(oldest, str):  # SQLite answers an aggregate over a date column as text
            oldest = date.fromisoformat(oldest)
        positions[customer_id] = Decimal(str(owed)).quantize(CENT), (today - oldest).days
    return positions


register_tables(Invoice, Payment, PaymentApplication)
