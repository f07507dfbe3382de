"""Loading what the review rules need to know about a batch of orders under review, in a fixed number of grouped
queries whatever the batch size."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.bulk_values import among
from models.core.model_rows import value_rows
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.states import (
    ORDER_CANCELLED,
    ORDER_REJECTED,
)
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.receivables.ledger import overdue_positions
from models.returns.exchanges import EXCHANGE_CHANNEL
from models.review.exposure import OPEN_EXPOSURE_STATES, CreditExposures  # noqa: F401 - re-exported
from models.review.rules import (
    APPROVE,
    REJECT,
    LineFacts,
    RecentOrder,
    ReviewFacts,
    RuleSettings,
    needs_own_exposure,
)
from models.supply.states import PO_OPEN_STATES
from models.supply.tables import PurchaseOrder, PurchaseOrderLine

# Purchase orders whose goods are still to come into a warehouse.
INCOMING_PO_STATES = PO_OPEN_STATES
REQUIRED_SHIP_TO = ("ship_to_name", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_country")
DEAD_STATES = (ORDER_REJECTED, ORDER_CANCELLED)
RECENT_ORDERS_LIMIT = 50
ZERO = Decimal("0.00")

# (line_no, sku, quantity, product_id, dropship, supplier_id, allow_backorders); the product columns are None
# for a line whose SKU is not in the catalogue.
Line = tuple[int, str, int, int | None, bool | None, int | None, bool | None]


@dataclass
class ReviewBatch:
    """The facts of a batch of orders under review, loaded together. ``facts_for`` hands them out per order and
    ``decided`` updates them as reviewing the orders one after the other in id order would: an approved order
    adds to its customer's open orders, a rejected one is no longer a recent order of the next."""

    customers: dict[int, Partner]
    lines: dict[int, list[Line]]  # order id -> its lines, by line number
    supply: dict[int, int]  # product id -> units available now plus units still to arrive
    served_regions: set[str]
    exposures: CreditExposures  # each customer's and distributor group's, by currency, and the day's rates
    overdue: dict[int, tuple[Decimal, int]]  # customer id -> (amount overdue, days the oldest is late)
    # order id -> its candidate recent orders, newest first, as (placed_at, id, external_ref, intake_scope); made
    # into RecentOrder facts only as each order is reviewed (a batch of one customer's orders shares them)
    recent: dict[int, list[tuple]]
    line_sets: dict[int, frozenset[tuple[str, int]]]  # order id -> its (sku, quantity) pairs, for the above
    now: datetime
    rejected: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, orders: list[Order], customers: dict[int, Partner], settings: RuleSettings) -> ReviewBatch:
        """Load the facts of ``orders`` (their rows and their customers' already locked by the caller)."""
        now = utc_now()
        customer_ids = sorted(customers)
        candidates: dict[int, list[tuple]] = {}
        if "duplicate" in settings.enabled:  # the only rule that looks at other orders: no look-up when it is off
            window = timedelta(minutes=settings.duplicate_window_minutes)
            candidates = _recent_candidates(orders, _placed_near(orders, window), window)
        lines = _lines_of(sorted({order.id for order in orders}
                                 | {row[1] for rows in candidates.values() for row in rows}))
        line_sets: dict[int, frozenset[tuple[str, int]]] = {}
        if candidates:
            line_sets = {order_id: frozenset((line[1], line[2]) for line in rows) for order_id, rows in lines.items()}
        product_ids = sorted({line[3] for order in orders for line in lines.get(order.id, ()) if line[3] is not None})
        return cls(customers=customers, lines={order.id: lines.get(order.id, []) for order in orders},
                   supply=_supply(product_ids), served_regions=_served_regions({o.ship_to_region for o in orders}),
                   exposures=CreditExposures.load(customers, now.date(), weighed=[
                       customer.id for customer in customers.values()
                       if needs_own_exposure(settings, customer_code=customer.code,
                                             credit_limit=customer.credit_limit)]),
                   overdue=overdue_positions(customer_ids, now.date()), recent=candidates, line_sets=line_sets,
                   now=now)

    def facts_for(self, order: Order, **also) -> ReviewFacts:
        """The facts the review rules judge ``order`` by; ``also`` sets more of them (the lines' prices)."""
        customer = self.customers[order.customer_id]
        overdue_amount, overdue_days = self.overdue[customer.id]
        recent = [RecentOrder(other_id, external_ref, placed_at, self.line_sets.get(other_id, frozenset()), scope)
                  for placed_at, other_id, external_ref, scope in self.recent.get(order.id, ())
                  if other_id not in self.rejected][:RECENT_ORDERS_LIMIT]
        return ReviewFacts(
            order_id=order.id, external_ref=order.external_ref, placed_at=order.created_at,
            order_total=order.total, currency=order.currency, customer_code=customer.code,
            customer_blocked=customer.blocked, credit_limit=customer.credit_limit,
            **self.exposures.credit_facts(order, customer),
            oldest_overdue_days=overdue_days, overdue_amount=overdue_amount,
            customer_allows_backorders=customer.allow_backorders,
            lines=self._line_facts(order.id),
            ship_to_missing=tuple(name for name in REQUIRED_SHIP_TO if not (getattr(order, name) or "").strip()),
            ship_to_region=order.ship_to_region,
            region_served=order.ship_to_region in self.served_regions,
            recent_orders=tuple(recent),
            now=self.now,
            intake_scope=order.intake_scope,
            **also,
        )

    def decided(self, order: Order, outcome: str) -> None:
        """Count the decision on ``order`` in the facts of the orders after it."""
        if outcome == APPROVE:
            self.exposures.approved(order)
        elif outcome == REJECT:
            self.rejected.add(order.id)

    def _line_facts(self, order_id: int) -> tuple[LineFacts, ...]:
        facts = []
        for line_no, sku, quantity, product_id, dropship, supplier_id, allow_backorders in self.lines[order_id]:
            if product_id is None:
                facts.append(LineFacts(line_no, sku, quantity, matched=False, fillable=0, backorder_allowed=True))
                continue
            unlimited = dropship and supplier_id is not None
            facts.append(LineFacts(line_no, sku, quantity, matched=True,
                                   fillable=None if unlimited else self.supply.get(product_id, 0),
                                   backorder_allowed=allow_backorders))
        return tuple(facts)


def _lines_of(order_ids: list[int]) -> dict[int, list[Line]]:
    lines: dict[int, list[Line]] = {}
    if not order_ids:
        return lines
    for order_id, *line in value_rows(OrderLine.select(OrderLine.order, OrderLine.line_no, OrderLine.sku,
                                                       OrderLine.quantity, OrderLine.product, Product.dropship,
                                                       Product.supplier, Product.allow_backorders)
                                      .join(Product, peewee.JOIN.LEFT_OUTER).where(among(OrderLine.order, order_ids))
                                      .order_by(OrderLine.order, OrderLine.line_no)):
        lines.setdefault(order_id, []).append(tuple(line))
    return lines


def _supply(product_ids: list[int]) -> dict[int, int]:
    """Units available now in active warehouses plus units still to arrive on open purchase orders."""
    if not product_ids:
        return {}
    available = (Stock.select(Stock.product, peewee.fn.SUM(Stock.on_hand - Stock.reserved))
                 .join(Warehouse).where(among(Stock.product, product_ids), Warehouse.active == True)  # noqa: E712
                 .group_by(Stock.product))
    incoming = (PurchaseOrderLine.select(PurchaseOrderLine.product, peewee.fn.SUM(
        PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity))
        .join(PurchaseOrder).where(PurchaseOrderLine.product.in_(product_ids),
                                   PurchaseOrder.status.in_(INCOMING_PO_STATES), PurchaseOrder.dropship == False)  # noqa: E712
        .group_by(PurchaseOrderLine.product))
    supply: dict[int, int] = {}
    for product_id, units in (available + incoming).tuples():  # UNION ALL: one row per product and source
        supply[product_id] = supply.get(product_id, 0) + max(int(units or 0), 0)
    return supply


def _served_regions(regions: set[str]) -> set[str]:
    """Those of ``regions`` a lane of an active warehouse serves."""
    if not regions:
        return set()
    return {region for (region,) in Lane.select(Lane.region).join(Warehouse)
            .where(Lane.region.in_(sorted(regions)), Warehouse.active == True).distinct().tuples()}  # noqa: E712


def _placed_near(orders: list[Order], window: timedelta) -> dict[int, list[tuple]]:
    """Per customer, its live orders (never an exchange order) placed within ``window`` of one of ``orders``, as
    (created_at, id, external_ref, intake_scope) oldest first.

    An exchange order has no recent orders: the replacement of a return repeats the lines of the order it
    replaces without being a second order the customer sent.
    """
    spans = _windows(orders, window)
    if not spans:
        return {}
    near = peewee.NodeList([(Order.customer == customer_id) & Order.created_at.between(start, end)
                            for customer_id, start, end in spans], glue=" OR ", parens=True)
    placed: dict[int, list[tuple]] = {}
    for customer_id, *row in (Order.select(Order.customer, Order.created_at, Order.id, Order.external_ref,
                                           Order.intake_scope)
                              .where(near, Order.status.not_in(DEAD_STATES), Order.channel != EXCHANGE_CHANNEL)
                              .tuples()):
        placed.setdefault(customer_id, []).append(tuple(row))
    for rows in placed.values():
        rows.sort()
    return placed


def _windows(orders: list[Order], window: timedelta) -> list[tuple[int, datetime, datetime]]:
    """(customer id, start, end): the time windows around the orders (not exchanges) of each customer, merged
    where they overlap."""
    placed: dict[int, list[datetime]] = {}
    for order in orders:
        if order.channel != EXCHANGE_CHANNEL:
            placed.setdefault(order.customer_id, []).append(order.created_at)
    spans: list[tuple[int, datetime, datetime]] = []
    for customer_id, times in sorted(placed.items()):
        times.sort()
        start, end = times[0] - window, times[0] + window
        for at in times[1:]:
            if at - window > end:
                spans.append((customer_id, start, end))
                start = at - window
            end = at + window
        spans.append((customer_id, start, end))
    return spans


def _recent_candidates(orders: list[Order], placed: dict[int, list[tuple]],
                       window: timedelta) -> dict[int, list[tuple]]:
    """For each order, the other orders of its customer placed within ``window`` either side of it, newest first:
    the RECENT_ORDERS_LIMIT a review of it alone would see, plus one for each other order of the batch of the same
    customer (one rejected before it in the batch is no longer live, and the next one takes its place)."""
    in_batch = Counter(order.customer_id for order in orders)
    keys = {customer_id: [row[0] for row in rows] for customer_id, rows in placed.items()}
    candidates: dict[int, list[tuple]] = {}
    for order in orders:
        rows = placed.get(order.customer_id, []) if order.channel != EXCHANGE_CHANNEL else []
        if not rows:
            candidates[order.id] = []
            continue
        times = keys[order.customer_id]
        first = bisect_left(times, order.created_at - window)
        last = bisect_right(times, order.created_at + window)
        limit = RECENT_ORDERS_LIMIT + in_batch[order.customer_id] - 1
        picked: list[tuple] = []
        for row in reversed(rows[first:last]):
            if row[1] != order.id:
                picked.append(row)
                if len(picked) == limit:
                    break
        candidates[order.id] = picked
    return candidates
