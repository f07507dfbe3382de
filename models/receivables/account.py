"""One customer's receivables page: open invoices, payments and credit notes with what they settled, the orders
held for credit, and the position review sees; a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import peewee

from models.core.base import CENT
from models.orders.states import ORDER_ON_HOLD
from models.orders.tables import Order
from models.receivables.desk import CustomerPosition, customer_position
from models.receivables.ledger import Invoice, Payment, PaymentApplication
from models.returns.refunds import CREDIT_NOTE, CREDIT_NOTE_METHOD
from models.returns.tables import Refund
from models.review.reviews import latest_reviews

SHOWN = 200  # rows per section; the CSV-less sections say when there are more


@dataclass(frozen=True)
class OpenInvoice:
    id: int
    number: str
    order_id: int | None
    order_ref: str
    issued_at: datetime
    due_on: date
    currency: str
    amount: Decimal
    paid: Decimal
    days_overdue: int

    @property
    def balance(self) -> Decimal:
        return self.amount - self.paid


@dataclass(frozen=True)
class MoneyIn:
    """A payment, or a credit note (a refund kept as credit), with the invoices it settled."""

    id: int
    reference: str
    method: str
    received_on: date
    currency: str
    amount: Decimal
    unapplied: Decimal
    created_by: str
    applied: tuple[tuple[str, Decimal], ...] = ()
    return_id: int | None = None


@dataclass(frozen=True)
class HeldOrder:
    id: int
    external_ref: str
    total: Decimal
    currency: str
    held_since: datetime
    codes: tuple[str, ...]


@dataclass
class Receivables:
    position: CustomerPosition
    invoices: list[OpenInvoice]
    payments: list[MoneyIn]
    credit_notes: list[MoneyIn]
    holds: list[HeldOrder]
    unapplied: dict[str, Decimal] = field(default_factory=dict)  # credit left, per currency


def load_receivables(code: str, today: date) -> Receivables | None:
    """The receivables of the buyer ``code``; None when there is no such buyer."""
    position = customer_position(code, today)
    if position is None:
        return None
    money_in = _money_in(position.id)
    unapplied: dict[str, Decimal] = {}
    for (currency, amount) in (Payment.select(Payment.currency, peewee.fn.SUM(Payment.unapplied))
                               .where(Payment.customer == position.id, Payment.unapplied > 0)
                               .group_by(Payment.currency).tuples()):
        unapplied[currency] = Decimal(str(amount)).quantize(CENT)
    return Receivables(position=position, invoices=_open_invoices(position.id, today),
                       payments=[row for row in money_in if row.method != CREDIT_NOTE_METHOD],
                       credit_notes=[row for row in money_in if row.method == CREDIT_NOTE_METHOD],
                       holds=_held_orders(position.id), unapplied=unapplied)


def _open_invoices(customer_id: int, today: date) -> list[OpenInvoice]:
    rows = (Invoice.select(Invoice, Order.id, Order.external_ref).join(Order, peewee.JOIN.LEFT_OUTER)
            .where(Invoice.customer == customer_id, Invoice.status == "open")
            .order_by(Invoice.due_on, Invoice.issued_at, Invoice.id).limit(SHOWN))
    return [OpenInvoice(id=row.id, number=row.number, order_id=row.order_id,
                        order_ref=row.order.external_ref if row.order_id else "", issued_at=row.issued_at,
                        due_on=row.due_on, currency=row.currency, amount=row.amount, paid=row.paid,
                        days_overdue=max((today - row.due_on).days, 0)) for row in rows]


def _money_in(customer_id: int) -> list[MoneyIn]:
    """The latest payments and credit notes, newest first, each with the invoices it settled (three queries)."""
    payments = list(Payment.select().where(Payment.customer == customer_id)
                    .order_by(Payment.received_on.desc(), Payment.id.desc()).limit(SHOWN))
    ids = [payment.id for payment in payments]
    applied: dict[int, list[tuple[str, Decimal]]] = {}
    if ids:
        for payment_id, number, amount in (PaymentApplication
                                           .select(PaymentApplication.payment, Invoice.number,
                                                   PaymentApplication.amount)
                                           .join(Invoice).where(PaymentApplication.payment.in_(ids))
                                           .order_by(PaymentApplication.id).tuples()):
            applied.setdefault(payment_id, []).append((number, Decimal(str(amount)).quantize(CENT)))
    references = [payment.reference for payment in payments if payment.method == CREDIT_NOTE_METHOD]
    returns = dict(Refund.select(Refund.reference, Refund.return_request)
                   .where(Refund.customer == customer_id, Refund.method == CREDIT_NOTE,
                          Refund.reference.in_(references)).tuples()) if references else {}
    return [MoneyIn(id=p.id, reference=p.reference, method=p.method, received_on=p.received_on,
                    currency=p.currency, amount=p.amount, unapplied=p.unapplied, created_by=p.created_by,
                    applied=tuple(applied.get(p.id, ())), return_id=returns.get(p.reference)) for p in payments]


def _held_orders(customer_id: int) -> list[HeldOrder]:
    orders = list(Order.select(Order.id, Order.external_ref, Order.total, Order.currency, Order.status_changed_at)
                  .where(Order.customer == customer_id, Order.status == ORDER_ON_HOLD)
                  .order_by(Order.status_changed_at, Order.id).limit(SHOWN))
    reviews = latest_reviews([order.id for order in orders])
    return [HeldOrder(id=order.id, external_ref=order.external_ref, total=order.total, currency=order.currency,
                      held_since=order.status_changed_at,
                      codes=tuple(reviews[order.id].code_list) if order.id in reviews
                      and reviews[order.id].outcome == "hold" else ()) for order in orders]
