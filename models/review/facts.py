"""Loading what the review rules need to know about one order, in a handful of queries."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import peewee

from models.core.base import CENT, utc_now
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_CANCELLED,
    ORDER_PARTIALLY_ALLOCATED,
    ORDER_REJECTED,
)
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.receivables.ledger import overdue_position
from models.returns.exchanges import EXCHANGE_CHANNEL
from models.review.rules import LineFacts, RecentOrder, ReviewFacts, RuleSettings
from models.supply.states import PO_OPEN_STATES
from models.supply.tables import PurchaseOrder, PurchaseOrderLine

# Approved but not yet invoiced (shipping issues the invoice): these count against credit.
OPEN_EXPOSURE_STATES = (ORDER_APPROVED, ORDER_PARTIALLY_ALLOCATED, ORDER_BACKORDERED, ORDER_ALLOCATED)
# Purchase orders whose goods are still to come into a warehouse.
INCOMING_PO_STATES = PO_OPEN_STATES
REQUIRED_SHIP_TO = ("ship_to_name", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_country")
DEAD_STATES = (ORDER_REJECTED, ORDER_CANCELLED)
RECENT_ORDERS_LIMIT = 50


def load_review_facts(order: Order, customer: Partner, settings: RuleSettings) -> ReviewFacts:
    """The facts about ``order`` (its customer row already locked by the caller)."""
    lines = list(OrderLine.select(OrderLine, Product).join(Product, peewee.JOIN.LEFT_OUTER)
                 .where(OrderLine.order == order.id).order_by(OrderLine.line_no))
    now = utc_now()
    overdue_amount, overdue_days = overdue_position(customer.id, now.date())
    return ReviewFacts(
        order_id=order.id, external_ref=order.external_ref, placed_at=order.created_at,
        order_total=order.total, currency=order.currency, customer_code=customer.code,
        customer_blocked=customer.blocked, credit_limit=customer.credit_limit,
        outstanding_balance=customer.outstanding_balance, open_orders_value=_open_orders_value(order),
        oldest_overdue_days=overdue_days, overdue_amount=overdue_amount,
        customer_allows_backorders=customer.allow_backorders,
        lines=_line_facts(lines),
        ship_to_missing=tuple(name for name in REQUIRED_SHIP_TO if not (getattr(order, name) or "").strip()),
        ship_to_region=order.ship_to_region,
        region_served=_region_served(order.ship_to_region),
        recent_orders=_recent_orders(order, settings.duplicate_window_minutes),
        now=now,
        intake_scope=order.intake_scope,
    )


def _open_orders_value(order: Order) -> Decimal:
    value = (Order.select(peewee.fn.COALESCE(peewee.fn.SUM(Order.total), 0))
             .where(Order.customer == order.customer_id, Order.status.in_(OPEN_EXPOSURE_STATES),
                    Order.id != order.id).scalar())
    return Decimal(str(value)).quantize(CENT)


def _line_facts(lines: list[OrderLine]) -> tuple[LineFacts, ...]:
    product_ids = [line.product_id for line in lines if line.product_id is not None]
    supply = _supply(product_ids)
    facts = []
    for line in lines:
        product = line.product if line.product_id is not None else None
        if product is None:
            facts.append(LineFacts(line.line_no, line.sku, line.quantity, matched=False, fillable=0,
                                   backorder_allowed=True))
            continue
        unlimited = product.dropship and product.supplier_id is not None
        facts.append(LineFacts(line.line_no, line.sku, line.quantity, matched=True,
                               fillable=None if unlimited else supply.get(product.id, 0),
                               backorder_allowed=product.allow_backorders))
    return tuple(facts)


def _supply(product_ids: list[int]) -> dict[int, int]:
    """Units available now in active warehouses plus units still to arrive on open purchase orders."""
    if not product_ids:
        return {}
    supply: dict[int, int] = {}
    available = (Stock.select(Stock.product, peewee.fn.SUM(Stock.on_hand - Stock.reserved))
                 .join(Warehouse).where(Stock.product.in_(product_ids), Warehouse.active == True)  # noqa: E712
                 .group_by(Stock.product).tuples())
    incoming = (PurchaseOrderLine.select(PurchaseOrderLine.product, peewee.fn.SUM(
        PurchaseOrderLine.quantity - PurchaseOrderLine.received_quantity))
        .join(PurchaseOrder).where(PurchaseOrderLine.product.in_(product_ids),
                                   PurchaseOrder.status.in_(INCOMING_PO_STATES), PurchaseOrder.dropship == False)  # noqa: E712
        .group_by(PurchaseOrderLine.product).tuples())
    for product_id, units in [*available, *incoming]:
        supply[product_id] = supply.get(product_id, 0) + max(int(units or 0), 0)
    return supply


def _region_served(region: str) -> bool:
    return (Lane.select().join(Warehouse)
            .where(Lane.region == region, Warehouse.active == True).exists())  # noqa: E712


def _recent_orders(order: Order, window_minutes: int) -> tuple[RecentOrder, ...]:
    """The customer's live orders placed within the window either side of this one, with their lines.

    None for an exchange order, and never an exchange order: the replacement of a return repeats the
    lines of the order it replaces without being a second order the customer sent.
    """
    if order.channel == EXCHANGE_CHANNEL:
        return ()
    window = timedelta(minutes=window_minutes)
    others = list(Order.select(Order.id, Order.external_ref, Order.created_at, Order.intake_scope)
                  .where(Order.customer == order.customer_id, Order.id != order.id,
                         Order.status.not_in(DEAD_STATES), Order.channel != EXCHANGE_CHANNEL,
                         Order.created_at.between(order.created_at - window, order.created_at + window))
                  .order_by(Order.created_at.desc()).limit(RECENT_ORDERS_LIMIT))
    if not others:
        return ()
    lines: dict[int, set] = {other.id: set() for other in others}
    for order_id, sku, quantity in (OrderLine.select(OrderLine.order, OrderLine.sku, OrderLine.quantity)
                                    .where(OrderLine.order.in_(list(lines))).tuples()):
        lines[order_id].add((sku, quantity))
    return tuple(RecentOrder(other.id, other.external_ref, other.created_at, frozenset(lines[other.id]),
                             other.intake_scope) for other in others)
