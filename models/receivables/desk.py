"""The credit desk's customer list: each buyer's limit, exposure, overdue position, terms and credit holds, filtered,
sorted and paged in a fixed number of queries whatever the number of customers.

Every figure is in the buyer's own currency (that of its credit limit): each invoice, credit and order is converted
from its currency at the day's rate, in SQL, so the list sorts and filters on the converted figures. An amount in a
currency with no rate is left out and the buyer flagged ``rate_missing``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce

import peewee

from models.core.base import CENT
from models.core.currencies import CURRENCIES
from models.currency.rates import load_rate_table
from models.currency.rules import RateTable
from models.orders.states import ORDER_ON_HOLD
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.credit_rules import credit_flags, exposure, headroom
from models.receivables.ledger import ZERO, Invoice, Payment
from models.receivables.payments import BUYER_KINDS
from models.review.facts import OPEN_EXPOSURE_STATES
from models.review.hold_decisions import PAYMENT_SENSITIVE_CODES
from models.review.reviews import OrderReview

PAGE_SIZE = 50
SORTS = ("code", "exposure", "overdue")
FILTERS = ("over_limit", "overdue", "blocked")


@dataclass(frozen=True)
class DeskFilter:
    search: str = ""  # a fragment of the code or name
    over_limit: bool = False
    overdue: bool = False
    blocked: bool = False
    flagged: bool = False  # any of the three
    sort: str = "code"
    page: int = 1
    code: str | None = None  # one customer exactly


@dataclass(frozen=True)
class CustomerPosition:
    """One buyer as the credit desk sees it; exposure is the figure review weighs against the limit."""

    id: int
    code: str
    name: str
    kind: str
    credit_limit: Decimal | None
    payment_terms_days: int
    blocked: bool
    outstanding: Decimal
    open_orders: Decimal
    overdue_amount: Decimal
    overdue_days: int
    credit_holds: int
    currency: str = "USD"  # of every figure here: the buyer's
    rate_missing: bool = False  # some amount had no exchange rate and is left out of the figures

    @property
    def exposure(self) -> Decimal:
        return exposure(self.outstanding, self.open_orders)

    @property
    def headroom(self) -> Decimal | None:
        return headroom(self.credit_limit, self.exposure)

    @property
    def flags(self) -> tuple[str, ...]:
        return credit_flags(blocked=self.blocked, credit_limit=self.credit_limit, exposure_now=self.exposure,
                            overdue_days=self.overdue_days)


def customer_positions(wanted: DeskFilter, today: date, *, limit: int | None = PAGE_SIZE
                       ) -> tuple[list[CustomerPosition], bool]:
    """The page of buyers ``wanted`` asks for and whether more follow; three queries (the day's rates, the page,
    its credit holds)."""
    query = _position_query(wanted, today, load_rate_table(until=today))
    if limit is not None:
        query = query.offset((max(wanted.page, 1) - 1) * limit).limit(limit + 1)
    rows = list(query.tuples())
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    holds = credit_hold_counts([row[0] for row in rows])
    return [_position(row, today, holds.get(row[0], 0)) for row in rows], more


def customer_count(wanted: DeskFilter, today: date) -> int:
    return _position_query(wanted, today, load_rate_table(until=today)).order_by().count()


def customer_position(code: str, today: date) -> CustomerPosition | None:
    """One buyer's position, through the same query as the list."""
    rows, _ = customer_positions(DeskFilter(code=code), today, limit=1)
    return rows[0] if rows else None


def flagged_customers(today: date) -> dict[str, tuple[str, ...]]:
    """Buyers that are blocked, over their limit or overdue, by code, with their flags; three queries at most."""
    rows, _ = customer_positions(DeskFilter(flagged=True), today, limit=None)
    return {row.code: row.flags for row in rows}


def credit_hold_counts(customer_ids: list[int]) -> dict[int, int]:
    """Per customer, its orders on hold whose latest review held them for credit or overdue reasons."""
    if not customer_ids:
        return {}
    newer = OrderReview.alias()
    latest = newer.select(peewee.fn.MAX(newer.id)).where(newer.order == Order.id)
    credit = reduce(lambda a, b: a | b, [OrderReview.codes.contains(f" {code} ") for code in PAYMENT_SENSITIVE_CODES])
    return dict(Order.select(Order.customer, peewee.fn.COUNT(Order.id))
                .join(OrderReview, on=(OrderReview.order == Order.id))
                .where(Order.customer.in_(customer_ids), Order.status == ORDER_ON_HOLD, OrderReview.id == latest,
                       OrderReview.outcome == "hold", credit)
                .group_by(Order.customer).tuples())


def _position_query(wanted: DeskFilter, today: date, rates: RateTable) -> peewee.ModelSelect:
    """Buyers with their open invoices, credit, overdue invoices and open orders, converted into each buyer's
    currency, joined from three grouped subqueries."""
    buyer = Partner.alias("buyer")
    owed = _converted(Invoice.amount - Invoice.paid, Invoice.currency, buyer.currency, rates, today)
    late = Invoice.due_on < today
    invoices = (Invoice.select(Invoice.customer.alias("customer_id"), peewee.fn.SUM(owed).alias("owed"),
                               peewee.fn.SUM(peewee.Case(None, [(late, owed)], None)).alias("late"),
                               peewee.fn.MIN(peewee.Case(None, [(late, Invoice.due_on)], None)).alias("oldest"),
                               _unrated(owed).alias("unrated"))
                .join(buyer, on=(Invoice.customer == buyer.id)).where(Invoice.status == "open")
                .group_by(Invoice.customer).alias("invoices"))
    credit = _converted(Payment.unapplied, Payment.currency, buyer.currency, rates, today)
    credits = (Payment.select(Payment.customer.alias("customer_id"), peewee.fn.SUM(credit).alias("credit"),
                              _unrated(credit).alias("unrated"))
               .join(buyer, on=(Payment.customer == buyer.id)).where(Payment.unapplied > 0)
               .group_by(Payment.customer).alias("credits"))
    value = _converted(Order.total, Order.currency, buyer.currency, rates, today)
    open_orders = (Order.select(Order.customer.alias("customer_id"), peewee.fn.SUM(value).alias("value"),
                                _unrated(value).alias("unrated"))
                   .join(buyer, on=(Order.customer == buyer.id)).where(Order.status.in_(OPEN_EXPOSURE_STATES))
                   .group_by(Order.customer).alias("open_orders"))
    outstanding = peewee.fn.COALESCE(invoices.c.owed, 0) - peewee.fn.COALESCE(credits.c.credit, 0)
    open_value = peewee.fn.COALESCE(open_orders.c.value, 0)
    overdue_owed = peewee.fn.COALESCE(invoices.c.late, 0)
    unrated = (peewee.fn.COALESCE(invoices.c.unrated, 0) + peewee.fn.COALESCE(credits.c.unrated, 0)
               + peewee.fn.COALESCE(open_orders.c.unrated, 0))
    # Rounded to cents: SQLite adds NUMERIC as floats, and 0.1 + 0.2 must not read as over a limit of 0.30.
    exposure_sql = peewee.fn.ROUND(outstanding + open_value, 2)
    query = (Partner.select(Partner.id, Partner.code, Partner.name, Partner.kind, Partner.credit_limit,
                            Partner.payment_terms_days, Partner.blocked, outstanding, open_value,
                            overdue_owed, invoices.c.oldest, Partner.currency, unrated)
             .join_from(Partner, invoices, peewee.JOIN.LEFT_OUTER, on=(invoices.c.customer_id == Partner.id))
             .join_from(Partner, credits, peewee.JOIN.LEFT_OUTER, on=(credits.c.customer_id == Partner.id))
             .join_from(Partner, open_orders, peewee.JOIN.LEFT_OUTER, on=(open_orders.c.customer_id == Partner.id))
             .where(Partner.kind.in_(BUYER_KINDS)))
    over_limit = Partner.credit_limit.is_null(False) & (exposure_sql > Partner.credit_limit)
    is_overdue = invoices.c.oldest.is_null(False)
    is_blocked = Partner.blocked == True  # noqa: E712
    if wanted.code is not None:
        query = query.where(Partner.code == wanted.code)
    if wanted.search:
        query = query.where(Partner.code.contains(wanted.search) | Partner.name.contains(wanted.search))
    for wanted_it, condition in ((wanted.over_limit, over_limit), (wanted.overdue, is_overdue),
                                 (wanted.blocked, is_blocked)):
        if wanted_it:
            query = query.where(condition)
    if wanted.flagged:
        query = query.where(over_limit | is_overdue | is_blocked)
    if wanted.sort == "exposure":
        return query.order_by(exposure_sql.desc(), Partner.code)
    if wanted.sort == "overdue":
        return query.order_by(overdue_owed.desc(), Partner.code)
    return query.order_by(Partner.code)


def _converted(amount: peewee.Node, currency: peewee.Node, to: peewee.Node, rates: RateTable,
               day: date) -> peewee.Node:
    """``amount`` of ``currency`` in ``to`` at ``day``'s rates as SQL; NULL when either has no rate. An amount
    already in ``to`` is taken as it is (no float round trip on SQLite)."""
    known = [(code, rate) for code in CURRENCIES if (rate := rates.rate_on(code, day)) is not None]
    # literals, not parameters: our own Decimals, and no column converter may touch them
    per_base = [(peewee.Value(code, converter=False), peewee.SQL(format(rate, "f"))) for code, rate in known]
    rate_of = lambda column: peewee.Case(column, per_base, None)  # noqa: E731 - a one-line SQL builder
    return peewee.Case(None, [(currency == to, amount)], amount * rate_of(to) / rate_of(currency))


def _unrated(converted: peewee.Node) -> peewee.Node:
    """How many rows had no rate to be converted with."""
    return peewee.fn.SUM(peewee.Case(None, [(converted.is_null(), peewee.SQL("1"))], peewee.SQL("0")))


def _position(row: tuple, today: date, holds: int) -> CustomerPosition:
    (customer_id, code, name, kind, credit_limit, terms, blocked, outstanding, open_value, owed, oldest, currency,
     unrated) = row
    if isinstance(oldest, str):  # SQLite answers an aggregate over a date column as text
        oldest = date.fromisoformat(oldest)
    return CustomerPosition(
        id=customer_id, code=code, name=name, kind=kind, credit_limit=_money(credit_limit),
        payment_terms_days=terms, blocked=bool(blocked), outstanding=_money(outstanding) or ZERO,
        open_orders=_money(open_value) or ZERO, overdue_amount=_money(owed) or ZERO,
        overdue_days=(today - oldest).days if oldest is not None else 0, credit_holds=holds, currency=currency,
        rate_missing=bool(unrated))


def _money(value) -> Decimal | None:
    """A NUMERIC read through tuples() (a float on SQLite) as exact cents."""
    return None if value is None else Decimal(str(value)).quantize(CENT)
