"""Who may see which orders and order for which customers: ops roles everything; a distributor its
own book (orders it placed, its own, its customers'); other roles nothing."""
from __future__ import annotations

import peewee

from models.orders.tables import Order
from models.partners.tables import Partner

Customer = Partner.alias()


def visible_orders(user, *columns) -> peewee.ModelSelect:
    """Orders ``user`` may see, joined to their customer as ``Customer``, to filter further."""
    query = Order.select(*columns).join(Customer, on=Order.customer)
    if user.is_ops:
        return query
    if user.role == "distributor" and user.partner_id:
        partner = user.partner_id
        return query.where((Order.placed_by == partner) | (Order.customer == partner)
                           | (Customer.distributor == partner))
    return query.where(peewee.SQL("1 = 0"))


def can_see_order(user, order_id: int) -> bool:
    return visible_orders(user, Order.id).where(Order.id == order_id).exists()


def orderable_customers(user) -> peewee.ModelSelect:
    """Buyers ``user`` may order for: every buyer for ops, a distributor's customers plus itself."""
    query = Partner.select().where(Partner.kind.in_(("customer", "distributor")))
    if user.is_ops:
        return query
    if user.role == "distributor" and user.partner_id:
        return query.where((Partner.distributor == user.partner_id) | (Partner.id == user.partner_id))
    return query.where(peewee.SQL("1 = 0"))
