"""Customer feedback on delivered orders: the signed link in the delivered mail, recording one rating per
order, and the averages ops read per SKU and per warehouse."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee
from itsdangerous import BadSignature, URLSafeSerializer

from models.core.config import Settings
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.inventory.tables import Product, Warehouse
from models.orders.states import ORDER_DELIVERED
from models.orders.tables import Order, OrderLine
from models.partners.access import Customer
from models.returns.tables import OrderFeedback
from models.shipping.tables import Shipment

FEEDBACK_SALT = "order-feedback"
RATINGS = (1, 2, 3, 4, 5)
MAX_COMMENT = 2000


def feedback_token(order_id: int, secret: str) -> str:
    """A URL-safe token naming the order, signed with ``secret``; it does not expire (one rating per order)."""
    return URLSafeSerializer(secret, salt=FEEDBACK_SALT).dumps(order_id)


def order_for_token(token: str, secret: str) -> int | None:
    """The order id a token was made for; None for a tampered, foreign or malformed token."""
    try:
        order_id = URLSafeSerializer(secret, salt=FEEDBACK_SALT).loads(token)
    except BadSignature:
        return None
    return order_id if isinstance(order_id, int) and not isinstance(order_id, bool) else None


def feedback_url(order_id: int, settings: Settings) -> str:
    """The public page where the customer rates this order, for the delivered mail."""
    return f"{settings.portal_url}/feedback/{feedback_token(order_id, settings.secret_key)}"


def has_feedback(order_id: int) -> bool:
    return OrderFeedback.select().where(OrderFeedback.order == order_id).exists()


def record_feedback(order_id: int, rating: int, comment: str) -> bool:
    """Store the order's rating once; False when it was rated already.

    ValidationFailed names the field: ``rating`` outside 1..5, ``comment`` over 2000 characters, ``order_id``
    when the order is not delivered yet.
    """
    errors: dict[str, list[str]] = {}
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        errors["rating"] = ["choose a rating from 1 to 5"]
    if len(comment or "") > MAX_COMMENT:
        errors["comment"] = [f"at most {MAX_COMMENT} characters, not {len(comment)}"]
    status = Order.select(Order.status).where(Order.id == order_id).scalar()
    if status is None:
        raise NotFound(f"order {order_id} not found")
    if status != ORDER_DELIVERED:
        errors["order_id"] = ["only a delivered order can be rated"]
    if errors:
        raise ValidationFailed(errors)
    try:
        with database.atomic():
            OrderFeedback.create(order=order_id, rating=rating, comment=(comment or "").strip())
    except peewee.IntegrityError:  # rated already (the unique order), perhaps by a double submit
        return False
    return True


# --- what ops read ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedbackEntry:
    feedback_id: int
    order_id: int
    order_ref: str
    customer_code: str
    rating: int
    comment: str
    created_at: datetime  # naive UTC


@dataclass(frozen=True)
class RatingAverage:
    key: str  # the SKU or warehouse code
    name: str
    ratings: int
    average: Decimal  # to two decimals


def recent_feedback(*, limit: int = 100, before: int | None = None) -> list[FeedbackEntry]:
    """The newest ratings first, one keyset page (``before``: the last feedback id of the previous page)."""
    query = (OrderFeedback.select(OrderFeedback, Order.id, Order.external_ref, Customer.code)
             .join(Order).join(Customer, on=Order.customer)
             .order_by(OrderFeedback.id.desc()).limit(limit))
    if before is not None:
        query = query.where(OrderFeedback.id < before)
    return [FeedbackEntry(feedback_id=row.id, order_id=row.order_id, order_ref=row.order.external_ref,
                          customer_code=row.order.customer.code, rating=row.rating, comment=row.comment,
                          created_at=row.created_at) for row in query]


def average_by_sku() -> list[RatingAverage]:
    """The average rating of the orders holding each SKU, each order counted once per SKU, lowest first."""
    pairs = OrderLine.select(OrderLine.order, OrderLine.sku).distinct().alias("pairs")
    query = (OrderFeedback.select(pairs.c.sku, peewee.fn.MIN(Product.name).alias("name"),
                                  peewee.fn.COUNT(OrderFeedback.id).alias("ratings"),
                                  peewee.fn.AVG(OrderFeedback.rating).alias("average"))
             .join(pairs, on=(OrderFeedback.order == pairs.c.order_id))
             .join(Product, peewee.JOIN.LEFT_OUTER, on=(Product.sku == pairs.c.sku))
             .group_by(pairs.c.sku).dicts())
    return _ranked(RatingAverage(key=row["sku"], name=row["name"] or "", ratings=row["ratings"],
                                 average=_two_places(row["average"])) for row in query)


def average_by_warehouse() -> list[RatingAverage]:
    """The average rating of the orders each warehouse shipped, each order counted once per warehouse."""
    pairs = Shipment.select(Shipment.order, Shipment.warehouse).distinct().alias("pairs")
    query = (OrderFeedback.select(Warehouse.code, Warehouse.name,
                                  peewee.fn.COUNT(OrderFeedback.id).alias("ratings"),
                                  peewee.fn.AVG(OrderFeedback.rating).alias("average"))
             .join(pairs, on=(OrderFeedback.order == pairs.c.order_id))
             .join(Warehouse, on=(Warehouse.id == pairs.c.warehouse_id))
             .group_by(Warehouse.code, Warehouse.name).dicts())
    return _ranked(RatingAverage(key=row["code"], name=row["name"], ratings=row["ratings"],
                                 average=_two_places(row["average"])) for row in query)


def _ranked(averages) -> list[RatingAverage]:
    return sorted(averages, key=lambda a: (a.average, a.key))


def _two_places(value) -> Decimal:
    # SQLite's AVG is a float, PostgreSQL's a numeric
    return Decimal(str(value)).quantize(Decimal("0.01"))
