"""The inventory report read from its rollups: per SKU and warehouse the units shipped, average on hand, turnover
and days of supply; per SKU the fill and backorder rates and the open backorders by age; the rates per week.
A fixed number of queries whatever the range. Definitions: models.reports.inventory_rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import peewee

from models.inventory.tables import Product, Warehouse
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine
from models.reports.inventory_rules import (
    AGE_BUCKETS,
    ServiceFigures,
    StockFigures,
    bucket_units,
    first_fills,
    rate,
    service_figures,
    snapshot_span,
    stock_figures,
)
from models.reports.inventory_tables import InventoryDay, StockSnapshot
from models.reports.periods import DateRange, period_label, period_start, periods
from models.reports.values import as_date


@dataclass(frozen=True)
class ServicePeriod:
    """Fill and backorder rate of every SKU shown, in one week."""

    label: str
    units_demanded: int
    fill_rate: Decimal | None
    backorder_rate: Decimal | None


@dataclass(frozen=True)
class InventoryReport:
    span: DateRange
    stock: list[StockFigures]
    service: list[ServiceFigures]
    weeks: list[ServicePeriod]
    age_buckets: tuple[str, ...] = tuple(label for label, _, _ in AGE_BUCKETS)


@dataclass(frozen=True)
class InventoryFilter:
    """Which rows: one warehouse (its code), one SKU, one supplier's SKUs (its partner id); None for all."""

    warehouse: str | None = None
    sku: str | None = None
    supplier_id: int | None = None


def inventory_report(span: DateRange, scope: InventoryFilter, *, today: date) -> InventoryReport:
    """The report over ``span`` for the rows of ``scope``; backorder ages counted up to ``today``.
    The warehouse filter applies to the stock figures: backordered units belong to no warehouse yet.
    Eight queries, grouped by ids (SKUs and codes are looked up once at the end)."""
    products = _product_ids(scope)
    warehouses = dict(Warehouse.select(Warehouse.id, Warehouse.code).tuples())
    only_warehouse = next((wid for wid, code in warehouses.items() if code == scope.warehouse), -1) \
        if scope.warehouse else None
    moved = _moved(span, products)
    snapshots = _snapshots(span, products, only_warehouse)
    waiting = _waiting(products, today)
    ids = {product for product, _ in moved} | {product for product, _ in snapshots[0]} | set(waiting)
    names = {pid: (sku, name) for pid, sku, name in
             Product.select(Product.id, Product.sku, Product.name).where(Product.id.in_(sorted(ids))).tuples()} \
        if ids else {}
    return InventoryReport(span=span, stock=_stock(span, moved, snapshots, names, warehouses, only_warehouse),
                           service=_service(moved, waiting, names), weeks=_weeks(span, products))


Units = dict[tuple[int, int | None], tuple[int, int, int, int]]  # (product, warehouse) -> shipped, reserved, ...
Snapshots = tuple[dict[tuple[int, int], tuple[int, int, int]], dict[tuple[int, int], tuple[int, int, int]]]


def _moved(span: DateRange, products: peewee.SelectQuery | None) -> Units:
    """shipped, reserved, refilled and backordered units per product and warehouse over the range: one scan."""
    query = (InventoryDay.select(InventoryDay.product, InventoryDay.warehouse,
                                 *(peewee.fn.SUM(getattr(InventoryDay, name)) for name in
                                   ("units_shipped", "units_reserved", "units_refilled", "units_backordered")))
             .where(InventoryDay.day.between(span.start, span.end)))
    if products is not None:
        query = query.where(InventoryDay.product.in_(products))
    return {(product, warehouse): tuple(int(value or 0) for value in sums)
            for product, warehouse, *sums in query.group_by(InventoryDay.product, InventoryDay.warehouse).tuples()}


def _snapshots(span: DateRange, products: peewee.SelectQuery | None, only_warehouse: int | None) -> Snapshots:
    """(on_hand, running total, running days) per (product, warehouse) on the range's last snapshot day, and on the
    last snapshot day before the range."""
    end_day = StockSnapshot.select(peewee.fn.MAX(StockSnapshot.day)).where(StockSnapshot.day <= span.end).scalar()
    before_day = StockSnapshot.select(peewee.fn.MAX(StockSnapshot.day)).where(StockSnapshot.day < span.start).scalar()
    at_end: dict[tuple[int, int], tuple[int, int, int]] = {}
    before: dict[tuple[int, int], tuple[int, int, int]] = {}
    days = [day for day in (end_day, before_day) if day is not None]
    if not days:
        return at_end, before
    query = StockSnapshot.select(StockSnapshot.day, StockSnapshot.product, StockSnapshot.warehouse,
                                 StockSnapshot.on_hand, StockSnapshot.on_hand_total, StockSnapshot.days
                                 ).where(StockSnapshot.day.in_(days))
    if products is not None:
        query = query.where(StockSnapshot.product.in_(products))
    if only_warehouse is not None:
        query = query.where(StockSnapshot.warehouse == only_warehouse)
    for day, product, warehouse, on_hand, total, count in query.tuples():
        found = at_end if end_day is not None and as_date(day) == as_date(end_day) else before
        found[(product, warehouse)] = (on_hand, int(total), count)
    return at_end, before


def _waiting(products: peewee.SelectQuery | None, today: date) -> dict[int, tuple[int, ...]]:
    """Units of the orders waiting on backorder now per product, by AGE_BUCKETS of the day they went there."""
    since = peewee.fn.DATE(Order.status_changed_at)
    query = (OrderLine.select(OrderLine.product, since, peewee.fn.SUM(OrderLine.quantity)).join(Order)
             .where(Order.status == ORDER_BACKORDERED, OrderLine.product.is_null(False)))
    if products is not None:
        query = query.where(OrderLine.product.in_(products))
    open_since: dict[int, dict[date, int]] = {}
    for product, day, units in query.group_by(OrderLine.product, since).tuples():
        per_day = open_since.setdefault(product, {})
        per_day[as_date(day)] = per_day.get(as_date(day), 0) + int(units)
    return {product: bucket_units(per_day, today) for product, per_day in open_since.items()}


def _stock(span: DateRange, moved: Units, snapshots: Snapshots, names: dict[int, tuple[str, str]],
           warehouses: dict[int, str], only_warehouse: int | None) -> list[StockFigures]:
    at_end, before = snapshots
    shipped = {key: units[0] for key, units in moved.items() if key[1] is not None
               and (only_warehouse is None or key[1] == only_warehouse)}
    rows = []
    for product, warehouse in shipped.keys() | at_end.keys():
        total, count = snapshot_span(at_end.get((product, warehouse)), before.get((product, warehouse)))
        sku, name = names.get(product, ("", ""))
        end = at_end.get((product, warehouse))
        rows.append(stock_figures(sku=sku, name=name, warehouse=warehouses.get(warehouse, ""),
                                  units_shipped=shipped.get((product, warehouse), 0), snapshot_total=total,
                                  snapshot_days=count, on_hand_end=end[0] if end else None, days=span.days))
    return sorted(rows, key=lambda row: (row.sku, row.warehouse))


def _service(moved: Units, waiting: dict[int, tuple[int, ...]],
             names: dict[int, tuple[str, str]]) -> list[ServiceFigures]:
    totals: dict[int, list[int]] = {}
    for (product, _), (_, reserved, refilled, backordered) in moved.items():
        total = totals.setdefault(product, [0, 0, 0])
        total[0] += reserved
        total[1] += refilled
        total[2] += backordered
    rows = []
    for product in totals.keys() | waiting.keys():
        reserved, refilled, backordered = totals.get(product, (0, 0, 0))
        sku, name = names.get(product, ("", ""))
        rows.append(service_figures(sku=sku, name=name, units_reserved=reserved, units_refilled=refilled,
                                    units_backordered=backordered,
                                    open_backorders=waiting.get(product, (0,) * len(AGE_BUCKETS))))
    return sorted(rows, key=lambda row: row.sku)


def _weeks(span: DateRange, products: peewee.SelectQuery | None) -> list[ServicePeriod]:
    query = (InventoryDay.select(InventoryDay.day, peewee.fn.SUM(InventoryDay.units_reserved),
                                 peewee.fn.SUM(InventoryDay.units_refilled),
                                 peewee.fn.SUM(InventoryDay.units_backordered))
             .where(InventoryDay.day.between(span.start, span.end)))
    if products is not None:
        query = query.where(InventoryDay.product.in_(products))
    weeks: dict[date, list[int]] = {start: [0, 0] for start in periods(span, "week")}
    for day, reserved, refilled, backordered in query.group_by(InventoryDay.day).tuples():
        week = weeks[period_start(as_date(day), "week")]
        week[0] += first_fills(int(reserved or 0), int(refilled or 0))
        week[1] += int(backordered or 0)
    return [ServicePeriod(label=period_label(start, "week"), units_demanded=filled + backordered,
                          fill_rate=rate(filled, filled + backordered),
                          backorder_rate=rate(backordered, filled + backordered))
            for start, (filled, backordered) in weeks.items()]


def _product_ids(scope: InventoryFilter) -> peewee.SelectQuery | None:
    """The ids of the products ``scope`` narrows to, as a subquery; None for every product."""
    if not scope.sku and scope.supplier_id is None:
        return None
    query = Product.select(Product.id)
    if scope.sku:
        query = query.where(Product.sku == scope.sku)
    if scope.supplier_id is not None:
        query = query.where(Product.supplier == scope.supplier_id)
    return query
