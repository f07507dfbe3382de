"""The order list every desk reads (ops, a distributor, the API), in a few index-bound queries at any table size.

- Pages: newest first by id, keyset (``before=<id>``): a page deep in the list costs what the first one does.
- Filters: customer via the (customer, status) index, channel via (channel, external_ref, intake_scope), status
  newest first through a partial (status, id) index of the open statuses on PostgreSQL (migration 0015: a few
  thousand rows, written only while an order is open, never for the shipped and closed bulk), or by walking the
  table newest first for shipped, delivered, cancelled and rejected, common enough to fill a page at once.
- Search: a fragment of the order reference, or of a customer's name or code. Matching customers are resolved
  first in the partner table (a few thousand rows), then their orders through the (customer, status) index; the
  reference through a trigram GIN index on PostgreSQL (the ``order_reference`` table beside the orders, written once
  per order: migration 0033), or by prefix where pg_trgm could not be created; plain LIKE on SQLite.
- Status counts: for the whole book on PostgreSQL, the planner's statistics (``pg_stats.most_common_freqs`` ×
  the table's row estimate) for statuses of ``EXACT_BELOW`` orders or more, shown as "≈ 812,400", and an exact
  count through the status index for the small ones (holds, working orders: what someone acts on). Counters kept
  by the pipeline were not chosen: thousands of orders a second change status from several processes, and one
  counter row per status would serialise every one of those transactions on that row (sharded counters would
  avoid it, at the price of a write per transition in every stage, to save a read that statistics give free).
  Scoped lists (a distributor's book, a search, a customer or channel) are counted exactly up to ``COUNT_CAP``
  orders and shown as "COUNT_CAP+" beyond. SQLite, the embedded default, counts the whole book exactly.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import peewee

from models.core.db import database, is_sqlite
from models.orders.count_rules import (
    StatusCount,
    plan_status_counts,
    total_of,
)
from models.orders.states import ORDER_TRANSITIONS
from models.orders.tables import Order
from models.partners.access import Customer, visible_orders
from models.partners.tables import Partner

ORDER_STATUSES = tuple(ORDER_TRANSITIONS)
PAGE_SIZE = 50
# Each order's reference, written once at placement (PostgreSQL, migration 0033): searched by trigram.
ORDER_REFERENCES = peewee.Table("order_reference", ("order_id", "external_ref"))
COUNT_CAP = 1_000  # a scoped or searched list counts this many orders at most (each one a heap read)
NO_SUCH_CUSTOMER = -1
MATCHED_CUSTOMERS = 1_000  # beyond this many customers matching a search, match them in a subquery instead


LISTED = (Order.id, Order.channel, Order.external_ref, Order.customer, Order.currency, Order.total, Order.status,
          Order.created_at)


@dataclass(frozen=True)
class OrderListFilter:
    """What the list shows: every field optional; ``customer`` is a partner id, ``before`` an order id."""

    status: str | None = None
    channel: str | None = None
    customer: int | None = None
    search: str = ""
    before: int | None = None
    limit: int = PAGE_SIZE

    @property
    def whole_book(self) -> bool:
        """No filter but the status (the counts ignore it): counts may come from statistics."""
        return not (self.channel or self.customer or self.search)


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_before: int | None  # the ``before`` of the next (older) page, None on the last


@dataclass(frozen=True)
class StatusCounts:
    by_status: dict[str, StatusCount] = field(default_factory=dict)
    total: StatusCount = StatusCount(0)
    capped: bool = False  # counted only the first COUNT_CAP orders: by_status is empty, total is a lower bound

    @property
    def total_text(self) -> str:
        return f"{COUNT_CAP:,}+" if self.capped else str(self.total)


def order_list(user, wanted: OrderListFilter) -> tuple[OrderPage, StatusCounts]:
    """The page and the status counts of the list ``user`` sees, the search resolved once for both."""
    search = resolve_search(wanted.search) if wanted.search else None
    return order_page(user, wanted, search=search), status_counts(user, wanted, search=search)


def order_page(user, wanted: OrderListFilter, *, search: Search | None = None) -> OrderPage:
    """One page of the orders ``user`` may see, newest first: each order with the LISTED columns only, and its
    customer's code and name (building a whole order row costs more than the query at this page size)."""
    query = _filtered(visible_orders(user, *LISTED, Customer.id, Customer.code, Customer.name), wanted)
    if wanted.search:
        query = query.where((search or resolve_search(wanted.search)).condition)
    if wanted.status:
        query = query.where(Order.status == wanted.status)
    if wanted.before:
        query = query.where(Order.id < wanted.before)
    rows = list(query.order_by(Order.id.desc()).limit(wanted.limit + 1))
    page = rows[:wanted.limit]
    return OrderPage(page, page[-1].id if len(rows) > wanted.limit else None)


def status_counts(user, wanted: OrderListFilter, *, search: Search | None = None) -> StatusCounts:
    """How many orders ``user`` may see in each status, under every filter of ``wanted`` but the status."""
    if user.is_ops and wanted.whole_book:
        by_status = _whole_book_counts()
        return StatusCounts(by_status, total_of(by_status))
    parts = (search or resolve_search(wanted.search)).parts() if wanted.search else [None]
    counted: dict[str, int] = {}
    for part in parts:
        query = _filtered(visible_orders(user, Order.status), wanted)
        listed = (query.where(part) if part is not None else query).limit(COUNT_CAP + 1).alias("listed")
        for status, count in (peewee.Select([listed], [listed.c.status, peewee.fn.COUNT(peewee.SQL("*"))])
                              .group_by(listed.c.status).bind(database).tuples()):
            counted[status] = counted.get(status, 0) + count
        if sum(counted.values()) > COUNT_CAP:
            return StatusCounts({}, StatusCount(COUNT_CAP), capped=True)
    by_status = {status: StatusCount(counted[status]) for status in ORDER_STATUSES if status in counted}
    return StatusCounts(by_status, total_of(by_status))


def whole_book_counts() -> dict[str, StatusCount]:
    """Orders in each status across the whole book, estimated for the large statuses as the list shows them."""
    return _whole_book_counts()


def _whole_book_counts() -> dict[str, StatusCount]:
    if is_sqlite():
        return _exact_counts(ORDER_STATUSES)
    rows, frequencies = _planner_statistics()
    plan = plan_status_counts(ORDER_STATUSES, rows, frequencies)
    counts = {status: StatusCount(value, estimated=True) for status, value in plan.estimated.items()}
    counts.update(_exact_counts(plan.exact) if plan.exact else {})
    return {status: counts[status] for status in ORDER_STATUSES if status in counts}


def _exact_counts(statuses: tuple[str, ...]) -> dict[str, StatusCount]:
    query = (Order.select(Order.status, peewee.fn.COUNT(peewee.SQL("*"))).where(Order.status.in_(statuses))
             .group_by(Order.status).tuples())
    return {status: StatusCount(count) for status, count in query}


PLANNER_STATISTICS = """
SELECT CASE WHEN c.relpages > 0
            THEN c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int)
            ELSE c.reltuples END,
       s.most_common_vals::text::text[], s.most_common_freqs
FROM pg_class c
LEFT JOIN pg_stats s ON s.schemaname = current_schema() AND s.tablename = c.relname AND s.attname = 'status'
WHERE c.oid = '"order"'::regclass
"""


STATISTICS_TTL = 60.0  # seconds: statistics move only when the table is analysed; an estimate may lag a minute
_statistics: dict[str, tuple[float, float, dict[str, float]]] = {}  # by database: (read at, rows, shares)


def _planner_statistics() -> tuple[float, dict[str, float]]:
    """The order table's row estimate (grown with its size since the last ANALYZE, as the planner does) and the
    share of each common status; (-1, {}) before the table was ever analysed. Read at most once a STATISTICS_TTL
    (pg_stats is a view over several catalogs: a few milliseconds a read)."""
    name, now = database.obj.database, time.monotonic()
    cached = _statistics.get(name)
    if cached is None or now - cached[0] > STATISTICS_TTL:
        found = database.execute_sql(PLANNER_STATISTICS).fetchone()
        rows, values, shares = found if found is not None else (-1.0, (), ())
        cached = _statistics[name] = (now, float(rows), dict(zip(values or (), shares or ())))
    return cached[1], cached[2]


def customer_filter(code: str | None) -> int | None:
    """The ``customer`` of a filter by customer code: None without a code, a partner id that matches no order for
    an unknown one (it lists nothing rather than everything)."""
    if not code:
        return None
    return Partner.select(Partner.id).where(Partner.code == code).scalar() or NO_SUCH_CUSTOMER


# --- filters and search ----------------------------------------------------------------------------------------

def _filtered(query: peewee.ModelSelect, wanted: OrderListFilter) -> peewee.ModelSelect:
    """``query`` under the channel and customer filters of ``wanted`` (the search and the status apart)."""
    if wanted.channel:
        query = query.where(Order.channel == wanted.channel)
    if wanted.customer:
        query = query.where(Order.customer == wanted.customer)
    return query


@dataclass(frozen=True)
class Search:
    """A search resolved once: the condition on the reference, and the customers whose name or code matched (their
    ids, a subquery when there are very many, or None)."""

    reference: peewee.Expression
    customers: list[int] | peewee.ModelSelect | None

    @property
    def condition(self) -> peewee.Expression:
        return self.reference if self.customers is None else self.reference | Order.customer.in_(self.customers)

    def parts(self) -> list[peewee.Expression]:
        """The same orders as ``condition``, in disjoint parts each one index can count: the matched customers'
        orders (from the (customer, status) index alone), then the other orders whose reference matches."""
        if self.customers is None:
            return [self.reference]
        return [Order.customer.in_(self.customers), self.reference & Order.customer.not_in(self.customers)]


def resolve_search(search: str) -> Search:
    """Orders whose reference holds ``search``, or whose customer's name or code does."""
    reference = _reference_holds(search)
    customers = Partner.select(Partner.id).where(Partner.name.contains(search) | Partner.code.contains(search))
    ids = [partner_id for (partner_id,) in customers.limit(MATCHED_CUSTOMERS + 1).tuples()]
    if not ids:
        return Search(reference, None)
    return Search(reference, ids if len(ids) <= MATCHED_CUSTOMERS else customers)


def _reference_holds(search: str) -> peewee.Expression:
    """Orders whose reference holds ``search`` anywhere (SQLite: a small embedded book is scanned; PostgreSQL:
    through the trigram index of ``order_reference``), or begins with it where pg_trgm could not be created."""
    if is_sqlite():
        return Order.external_ref.contains(search)
    if not _fragments_indexed():
        return Order.external_ref.startswith(search)
    return Order.id.in_(ORDER_REFERENCES.select(ORDER_REFERENCES.order_id)
                        .where(ORDER_REFERENCES.external_ref.contains(search)))


_trigram_by_database: dict[str, bool] = {}


def _fragments_indexed() -> bool:
    """Whether migration 0033 could index reference fragments in ``order_reference`` (PostgreSQL)."""
    name = database.obj.database
    if name not in _trigram_by_database:
        found = database.execute_sql("SELECT 1 FROM pg_indexes WHERE indexname = 'order_reference_trgm'")
        _trigram_by_database[name] = found.fetchone() is not None
    return _trigram_by_database[name]
