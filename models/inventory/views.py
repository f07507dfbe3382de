"""Read-only stock queries for the inventory pages and the stock API: positions, availability, movements, alerts."""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, timedelta

import peewee

from models.core.base import utc_now
from models.core.errors import ValidationFailed
from models.inventory.tables import Product, Stock, StockAlert, StockMovement, Warehouse
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine
from models.supply.incoming import IncomingStock, incoming_by_pair

# Purchase orders whose units are on their way (an ASN in transit belongs to a "shipped" one).
NOTHING = IncomingStock(units=0, next_on=None)
CLEARED_SHOWN_DAYS = 30


@dataclass(frozen=True)
class StockPosition:
    """One SKU in one warehouse; ``backordered`` is per SKU, over every warehouse."""

    stock_id: int
    sku: str
    name: str
    warehouse: str
    on_hand: int
    reserved: int
    incoming: int
    backordered: int
    reorder_point: int
    alert_open: bool
    incoming_on: date | None = None  # when the next of the incoming units is due (an ASN's date first)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def low(self) -> bool:
        return self.reorder_point > 0 and self.available < self.reorder_point


@dataclass(frozen=True)
class SkuAvailability:
    sku: str
    name: str
    available: int


def stock_positions(*, sku: str | None = None, warehouse: str | None = None, supplier_id: int | None = None,
                    low_only: bool = False, limit: int = 50,
                    after: tuple[str, str] | None = None) -> tuple[list[StockPosition], tuple[str, str] | None]:
    """Positions ordered by (SKU, warehouse code) after the ``after`` key; returns them and the key to
    continue from (None on the last page). Three queries whatever the page size."""
    point = peewee.fn.COALESCE(Stock.reorder_point, Product.reorder_point)
    open_alert = ((StockAlert.warehouse == Stock.warehouse) & (StockAlert.product == Stock.product)
                  & (StockAlert.status == "open"))
    query = (Stock.select(Stock.id, Stock.warehouse, Stock.product, Product.sku, Product.name, Warehouse.code,
                          Stock.on_hand, Stock.reserved, point.alias("point"), StockAlert.id.alias("alert_id"))
             .join(Product, on=(Stock.product == Product.id)).switch(Stock)
             .join(Warehouse, on=(Stock.warehouse == Warehouse.id)).switch(Stock)
             .join(StockAlert, peewee.JOIN.LEFT_OUTER, on=open_alert))
    if sku:
        query = query.where(Product.sku == sku)
    if warehouse:
        query = query.where(Warehouse.code == warehouse)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    if low_only:
        query = query.where(point > 0, Stock.on_hand - Stock.reserved < point)
    if after:
        query = query.where((Product.sku > after[0]) | ((Product.sku == after[0]) & (Warehouse.code > after[1])))
    rows = list(query.order_by(Product.sku, Warehouse.code).limit(limit + 1).tuples())
    page, more = rows[:limit], len(rows) > limit
    incoming = incoming_by_pair({(row[1], row[2]) for row in page})
    backordered = _backordered({row[2] for row in page})
    positions = [StockPosition(stock_id=stock_id, sku=code_sku, name=name, warehouse=code, on_hand=on_hand,
                               reserved=reserved, incoming=incoming.get((warehouse_id, product_id), NOTHING).units,
                               incoming_on=incoming.get((warehouse_id, product_id), NOTHING).next_on,
                               backordered=backordered.get(product_id, 0), reorder_point=max(point_value, 0),
                               alert_open=alert_id is not None)
                 for (stock_id, warehouse_id, product_id, code_sku, name, code, on_hand, reserved, point_value,
                      alert_id) in page]
    return positions, ((positions[-1].sku, positions[-1].warehouse) if more else None)


def _backordered(product_ids: set[int]) -> dict[int, int]:
    """Units on lines of backordered orders, per product id."""
    if not product_ids:
        return {}
    rows = (OrderLine.select(OrderLine.product, peewee.fn.SUM(OrderLine.quantity)).join(Order)
            .where(Order.status == ORDER_BACKORDERED, OrderLine.product.in_(sorted(product_ids)))
            .group_by(OrderLine.product).tuples())
    return {product_id: int(units) for product_id, units in rows}


def sku_availability(*, sku: str | None = None, limit: int = 50,
                     after: str | None = None) -> tuple[list[SkuAvailability], str | None]:
    """Available units per active SKU over every active warehouse, by SKU after ``after``; no warehouse detail."""
    in_active = peewee.Case(None, [(Warehouse.active == True, Stock.on_hand - Stock.reserved)], 0)  # noqa: E712
    available = peewee.fn.COALESCE(peewee.fn.SUM(in_active), 0)
    query = (Product.select(Product.sku, Product.name, available)
             .join(Stock, peewee.JOIN.LEFT_OUTER, on=(Stock.product == Product.id))
             .join(Warehouse, peewee.JOIN.LEFT_OUTER, on=(Stock.warehouse == Warehouse.id))
             .where(Product.active == True)  # noqa: E712
             .group_by(Product.id, Product.sku, Product.name))
    if sku:
        query = query.where(Product.sku == sku)
    if after:
        query = query.where(Product.sku > after)
    rows = list(query.order_by(Product.sku).limit(limit + 1).tuples())
    items = [SkuAvailability(sku=code, name=name, available=int(units)) for code, name, units in rows[:limit]]
    return items, (items[-1].sku if len(rows) > limit else None)


def sku_movements(product_id: int, *, warehouse: str | None = None, limit: int = 100,
                  before: int | None = None) -> tuple[list[StockMovement], int | None]:
    """Movements of one product, newest first, with their warehouse; and the id to continue before."""
    query = (StockMovement.select(StockMovement, Warehouse).join(Warehouse)
             .where(StockMovement.product == product_id))
    if warehouse:
        query = query.where(Warehouse.code == warehouse)
    if before:
        query = query.where(StockMovement.id < before)
    rows = list(query.order_by(StockMovement.id.desc()).limit(limit + 1))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def open_alerts(*, supplier_id: int | None = None, limit: int = 200) -> list[StockAlert]:
    """Open alerts, the oldest first, with warehouse and product."""
    query = _alerts(supplier_id).where(StockAlert.status == "open")
    return list(query.order_by(StockAlert.raised_at, StockAlert.id).limit(limit))


def recently_cleared_alerts(*, supplier_id: int | None = None, limit: int = 50) -> list[StockAlert]:
    """Alerts raised in the last CLEARED_SHOWN_DAYS days and cleared since, the latest cleared first."""
    since = utc_now() - timedelta(days=CLEARED_SHOWN_DAYS)  # bounds the (status, raised_at) index scan
    query = _alerts(supplier_id).where(StockAlert.status == "cleared", StockAlert.raised_at >= since)
    return list(query.order_by(StockAlert.cleared_at.desc(), StockAlert.id.desc()).limit(limit))


def _alerts(supplier_id: int | None) -> peewee.ModelSelect:
    query = (StockAlert.select(StockAlert, Warehouse, Product)
             .join(Warehouse, on=(StockAlert.warehouse == Warehouse.id)).switch(StockAlert)
             .join(Product, on=(StockAlert.product == Product.id)))
    return query if supplier_id is None else query.where(Product.supplier == supplier_id)


def encode_cursor(key) -> str | None:
    """An opaque, URL-safe cursor for a keyset key (None stays None)."""
    if key is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, parts: int) -> tuple | str | None:
    """The key of a cursor given by encode_cursor: a string (parts=1) or a tuple of ``parts`` strings."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        key = None
    if parts == 1 and isinstance(key, str):
        return key
    if parts > 1 and isinstance(key, list) and len(key) == parts and all(isinstance(k, str) for k in key):
        return tuple(key)
    raise ValidationFailed({"after": ["not a cursor this API gave; start again without it"]})
