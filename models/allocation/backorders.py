"""Backorders: orders waiting for stock are allocated again, by priority then age, when stock arrives."""
from __future__ import annotations

from models.core.stages import ALLOCATION
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine

WAITING_STATES = (ORDER_BACKORDERED,)
NUDGE_LIMIT = 500  # orders nudged per arrival; the rest follow as stock keeps arriving or the sweeper passes


def stock_arrived(product_ids: list[int]) -> list[int]:
    """Nudge allocation for the orders waiting on any of these products, highest priority then oldest
    first, in one message so that one worker takes them in that order. Call inside the transaction
    that added the stock. Returns the order ids nudged."""
    if not product_ids:
        return []
    waiting = (Order.select(Order.id).where(
        Order.status.in_(WAITING_STATES),
        Order.id.in_(OrderLine.select(OrderLine.order).where(OrderLine.product.in_(list(product_ids)))))
        .order_by(Order.priority.desc(), Order.created_at, Order.id).limit(NUDGE_LIMIT))
    ids = [order.id for order in waiting]
    if ids:
        ALLOCATION.nudge(ids)
    return ids
