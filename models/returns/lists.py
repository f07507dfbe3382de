"""Lists of returns the portal shows: the ops review queue, returns by status, and a distributor's own."""
from __future__ import annotations

import peewee

from models.inventory.tables import Product
from models.orders.tables import Order
from models.partners.access import Customer, visible_orders
from models.returns.states import RETURN_REQUESTED, RETURN_TRANSITIONS
from models.returns.tables import ReturnPhoto, ReturnRequest

REVIEW = "review"  # requested and waiting for a person
ALL = "all"
RETURN_STATUSES = tuple(RETURN_TRANSITIONS)
VIEWS = (REVIEW, ALL, *RETURN_STATUSES)


def returns_for_ops(view: str, *, cursor: int | None = None) -> peewee.ModelSelect:
    """Returns with their order and customer (as ``Customer``), one keyset page from ``cursor``: the review
    queue oldest first (a return enters ``requested`` only when it is made, so id order is age order),
    every other view newest first."""
    query = (ReturnRequest.select(ReturnRequest, Order, Customer)
             .join(Order, on=(ReturnRequest.order == Order.id), attr="order").switch(ReturnRequest)
             .join(Customer, on=(ReturnRequest.customer == Customer.id), attr="customer"))
    if view == REVIEW:
        query = query.where(ReturnRequest.status == RETURN_REQUESTED, ReturnRequest.decision == "manual")
        if cursor:
            query = query.where(ReturnRequest.id > cursor)
        return query.order_by(ReturnRequest.id)
    if view in RETURN_STATUSES:
        query = query.where(ReturnRequest.status == view)
    if cursor:
        query = query.where(ReturnRequest.id < cursor)
    return query.order_by(ReturnRequest.id.desc())


def returns_visible_to(user, status: str = "", *, before: int | None = None) -> peewee.ModelSelect:
    """Returns of the orders ``user`` may see, newest first, optionally of one status, from ``before``."""
    query = (ReturnRequest.select(ReturnRequest, Order).join(Order, on=(ReturnRequest.order == Order.id))
             .where(ReturnRequest.order.in_(visible_orders(user, Order.id))).order_by(ReturnRequest.id.desc()))
    if status in RETURN_STATUSES:
        query = query.where(ReturnRequest.status == status)
    if before:
        query = query.where(ReturnRequest.id < before)
    return query


def status_counts() -> dict[str, int]:
    """How many returns are in each status, and how many wait for review."""
    counts = dict(ReturnRequest.select(ReturnRequest.status, peewee.fn.COUNT(ReturnRequest.id))
                  .group_by(ReturnRequest.status).tuples())
    counts[REVIEW] = returns_for_ops(REVIEW).count()
    return counts


def exchange_skus(product_ids) -> dict[int, str]:
    """Product id -> SKU for the exchange products of a return's lines."""
    ids = sorted({pid for pid in product_ids if pid})
    return dict(Product.select(Product.id, Product.sku).where(Product.id.in_(ids)).tuples()) if ids else {}


def photos_of(return_id: int) -> list[ReturnPhoto]:
    return list(ReturnPhoto.select().where(ReturnPhoto.return_request == return_id).order_by(ReturnPhoto.id))


def photo_of(return_id: int, photo_id: int) -> ReturnPhoto | None:
    return ReturnPhoto.get_or_none(ReturnPhoto.id == photo_id, ReturnPhoto.return_request == return_id)
