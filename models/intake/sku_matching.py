"""Matching the lines of a held marketplace order whose SKU was not in the catalogue."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.audit_reasons import SKU_MATCHED, say
from models.core.base import CENT
from models.core.db import database
from models.core.errors import NotFound, SkuMatchRefused
from models.inventory.tables import Product
from models.orders.states import ORDER_ON_HOLD
from models.orders.tables import Order, OrderLine


def unmatched_lines(order_id: int) -> list[OrderLine]:
    """The order's lines still waiting for a catalogue product, in line order."""
    return list(OrderLine.select().where(OrderLine.order == order_id, OrderLine.product.is_null())
                .order_by(OrderLine.line_no))


def match_line_sku(order_id: int, line_id: int, sku: str, *, actor: str) -> None:
    """Point an unmatched line of an on-hold order at catalogue ``sku``, keeping the price the buyer paid.

    The order total is recomputed and the trail gets an on_hold → on_hold row saying what was matched;
    the order stays on hold until someone releases it.
    """
    sku = (sku or "").strip()
    with database.atomic():
        order = Order.locked(order_id)
        line = OrderLine.get_or_none(OrderLine.id == line_id, OrderLine.order == order_id)
        if order is None or line is None:
            raise NotFound(f"order {order_id} has no line {line_id}")
        _check_matchable(order, line)
        product = Product.get_or_none(Product.sku == sku, Product.active == True)  # noqa: E712
        if product is None:
            raise SkuMatchRefused({"sku": [f"unknown SKU {sku!r}: not an active catalogue product"]})
        if OrderLine.select().where(OrderLine.order == order_id, OrderLine.product == product.id).exists():
            raise SkuMatchRefused({"sku": [f"another line of order {order_id} already has {product.sku}"]})
        OrderLine.update(product=product.id, sku=product.sku,
                         line_total=(line.unit_price * line.quantity).quantize(CENT)
                         ).where(OrderLine.id == line.id).execute()
        subtotal = (OrderLine.select(peewee.fn.COALESCE(peewee.fn.SUM(OrderLine.line_total), 0))
                    .where(OrderLine.order == order_id).scalar())
        subtotal = Decimal(str(subtotal)).quantize(CENT)  # SQLite sums NUMERIC as float
        Order.update(subtotal=subtotal, total=subtotal + order.shipping_total).where(Order.id == order_id).execute()
        StatusChange.create(entity="order", entity_id=order_id, from_status=ORDER_ON_HOLD, to_status=ORDER_ON_HOLD,
                            actor=actor, reason=say(SKU_MATCHED, line=line.line_no, sku=product.sku, was=line.sku))


def _check_matchable(order: Order, line: OrderLine) -> None:
    if order.status != ORDER_ON_HOLD:
        raise SkuMatchRefused({"order": [f"order {order.id} is {order.status}; lines are matched while on hold"]})
    if line.product_id is not None:
        raise SkuMatchRefused({"line": [f"line {line.line_no} is already matched to {line.sku}"]})
