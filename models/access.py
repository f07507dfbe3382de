"""Who may see which orders: ops roles see all; a distributor its own and its customers'; suppliers none yet."""
from __future__ import annotations

import peewee

from models.orders import Order
from models.partners import Partner, User


def visible_orders(user: User) -> peewee.ModelSelect:
    """Orders ``user`` may see, as a query to filter further."""
    query = Order.select()
    if user.is_ops:
        return query
    if user.role == "distributor" and user.partner_id:
        served = Partner.select(Partner.id).where(Partner.distributor == user.partner_id)
        return query.where((Order.placed_by == user.partner_id) | (Order.customer == user.partner_id)
                           | Order.customer.in_(served))
    return query.where(peewee.SQL("1 = 0"))


def can_see_order(user: User, order_id: int) -> bool:
    return visible_orders(user).where(Order.id == order_id).exists()
