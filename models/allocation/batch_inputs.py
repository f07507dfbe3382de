"""What a batch of orders is allocated from, loaded in a fixed number of queries whatever the batch's size: the
orders (locked), their lines with products, customer codes, the rules in force, the lanes to their regions, the
stock rows they may draw on (locked only when asked: the allocation step plans from an unlocked read and locks the
rows it reserves from just before its conditional reserve), their drop-ship suppliers, and today's orders per warehouse when a routing
rule caps them."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from datetime import time as clock
from functools import lru_cache

import peewee

from models.allocation.config import AllocationRuleSet, AllocationSettings
from models.core.base import utc_now
from models.core.bulk_values import among
from models.core.db import lock_for_update
from models.core.model_rows import model_rows
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.states import ORDER_APPROVED, ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner

ALLOCATABLE = (ORDER_APPROVED, ORDER_BACKORDERED)
# What allocation reads of an order: what routes and plans it, and its status to move it (the rarer paths, a
# drop-ship purchase order or a backorder split, read the whole order again).
PLANNED_ORDER_FIELDS = (Order.id, Order.status, Order.channel, Order.priority, Order.ship_to_region, Order.customer)
# What allocation reads of a line's product (its other columns are not converted for every line of a batch).
PLANNED_PRODUCT_FIELDS = (Product.id, Product.sku, Product.weight_kg, Product.dropship, Product.supplier,
                          Product.allow_backorders)
# What allocation reads of a line: what it plans (product, units), and the price a backorder split moves; not the
# price notes, list price and tax review wrote (two texts, three amounts a line).
PLANNED_LINE_FIELDS = (OrderLine.id, OrderLine.order, OrderLine.line_no, OrderLine.product, OrderLine.sku,
                       OrderLine.quantity, OrderLine.unit_price, OrderLine.line_total)


@dataclass(frozen=True)
class BatchInputs:
    orders: list[Order]  # the allocatable ones (PLANNED_ORDER_FIELDS), by id, locked
    lines: dict[int, list[OrderLine]]  # order -> lines by line number (PLANNED_LINE_FIELDS), each with its product
    customer_codes: dict[int, str]  # customer id -> code
    rules_version: int
    settings: AllocationSettings
    lanes: dict[str, list[Lane]]  # region -> lanes of active warehouses, each with its warehouse
    stock: dict[tuple[int, int], Stock]  # (warehouse, product) -> row, locked when load_batch was asked to
    suppliers: dict[int, Partner]  # the drop-ship suppliers of the batch's products
    orders_today: dict[str, int]  # warehouse code -> orders reserved today; empty unless a routing rule caps


def load_batch(order_ids: list[int], *, lock_stock: bool = False,
               statuses: tuple[str, ...] = ALLOCATABLE) -> BatchInputs | None:
    """Lock and load the orders among ``order_ids`` in one of ``statuses`` (the allocatable ones; review's
    straight path asks for those it approves in its own transaction) and all they are planned from; None when
    there are none. Locks are taken orders first, then (with ``lock_stock``) stock rows, each in id order. Call
    inside the transaction."""
    orders = model_rows(lock_for_update(Order.select(*PLANNED_ORDER_FIELDS).where(
        among(Order.id, sorted(set(order_ids))), Order.status.in_(statuses)).order_by(Order.id)))
    if not orders:
        return None
    ids = [order.id for order in orders]
    lines: dict[int, list[OrderLine]] = {order_id: [] for order_id in ids}
    for line in model_rows(OrderLine.select(*PLANNED_LINE_FIELDS, *PLANNED_PRODUCT_FIELDS).join(Product)
                           .where(among(OrderLine.order, ids)).order_by(OrderLine.order, OrderLine.line_no)):
        lines[line.order_id].append(line)
    customer_codes = dict(Partner.select(Partner.id, Partner.code)
                          .where(among(Partner.id, sorted({order.customer_id for order in orders}))).tuples())
    version, settings = rules_in_force()
    lanes: dict[str, list[Lane]] = {}
    for lane in (Lane.select(Lane, Warehouse).join(Warehouse)
                 .where(Lane.region.in_(sorted({order.ship_to_region for order in orders})),
                        Warehouse.active == True).order_by(Lane.id)):  # noqa: E712
        lanes.setdefault(lane.region, []).append(lane)
    products = [line.product for order_lines in lines.values() for line in order_lines]
    return BatchInputs(orders, lines, customer_codes, version, settings, lanes,
                       _stock(lanes, sorted({product.id for product in products}), locked=lock_stock),
                       _dropship_suppliers(products),
                       orders_today() if uses_caps(settings) else {})


def rules_in_force() -> tuple[int, AllocationSettings]:
    """The version in force and its settings, parsed once per process for each document."""
    rule_set = AllocationRuleSet.in_force(AllocationSettings())
    return rule_set.version, _parsed(rule_set.document_json)


@lru_cache(maxsize=16)
def _parsed(document_json: str) -> AllocationSettings:
    # keyed by the document itself, not the version id: a rebuilt database may reuse an id for other settings
    return AllocationSettings.from_document(json.loads(document_json))


def uses_caps(settings: AllocationSettings) -> bool:
    return any(rule.enabled and rule.action.daily_order_cap for rule in settings.routing)


def orders_today() -> dict[str, int]:
    """Orders that got a reservation today (UTC), per warehouse code."""
    midnight = datetime.combine(utc_now().date(), clock.min)
    rows = (Reservation.select(Warehouse.code, peewee.fn.COUNT(peewee.fn.DISTINCT(OrderLine.order)))
            .join(OrderLine).switch(Reservation).join(Warehouse)
            .where(Reservation.created_at >= midnight).group_by(Warehouse.code).tuples())
    return dict(rows)


def _stock(lanes: dict[str, list[Lane]], product_ids: list[int], *,
           locked: bool) -> dict[tuple[int, int], Stock]:
    """The stock rows of every lane's warehouse for these products (``locked``: in stock-id order)."""
    warehouse_ids = sorted({lane.warehouse_id for region in lanes.values() for lane in region})
    if not warehouse_ids or not product_ids:
        return {}
    rows = (Stock.select().where(among(Stock.warehouse, warehouse_ids), among(Stock.product, product_ids))
            .order_by(Stock.id))
    if locked:
        rows = lock_for_update(rows)
    return {(row.warehouse_id, row.product_id): row for row in model_rows(rows)}


def _dropship_suppliers(products: list[Product]) -> dict[int, Partner]:
    supplier_ids = sorted({p.supplier_id for p in products if p.dropship and p.supplier_id is not None})
    if not supplier_ids:
        return {}
    return {supplier.id: supplier for supplier in Partner.select().where(among(Partner.id, supplier_ids))}
