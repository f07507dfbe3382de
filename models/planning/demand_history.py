"""Weekly shipped units per SKU × warehouse, and per SKU over every warehouse and drop-ship, from the shipments
that left: the demand history the forecasts learn from.

A shipment counts in the week it was dispatched (its waybill's issue time, else its last status change); weeks
start on Monday, UTC. A series starts in its first week with a shipment and ends with the last whole week before
``as_of``; the weeks between without shipments are zeros. Drop-ship shipments have no warehouse: they count in
the SKU's all-warehouse series only.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable

import numpy as np
import peewee

from models.core.base import utc_now
from models.core.db import is_sqlite
from models.inventory.tables import Product, Warehouse
from models.orders.tables import OrderLine
from models.planning.tables import series_key
from models.shipping.states import SHIPMENT_LEFT_STATES
from models.shipping.tables import Shipment, ShipmentLine, Waybill

HISTORY_WEEKS = 156  # three seasons: older demand says little about the next quarter


@dataclass(frozen=True)
class DemandSeries:
    key: str  # series_key(sku, warehouse code)
    product_id: int
    sku: str
    warehouse_id: int | None  # None: the SKU over every warehouse and drop-ship
    warehouse_code: str | None
    start: date  # the Monday of the first week
    quantities: np.ndarray  # units shipped per week, oldest first


def week_start(moment: datetime | date) -> date:
    """The Monday of the week ``moment`` falls in."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weekly_demand(*, product_ids: Iterable[int] | None = None, as_of: datetime | None = None,
                  history_weeks: int = HISTORY_WEEKS) -> list[DemandSeries]:
    """Every series with a shipment in the ``history_weeks`` whole weeks before ``as_of`` (default now),
    of ``product_ids`` only when given; ordered by key."""
    end = week_start(as_of or utc_now())  # the week under way is not over: left out
    begin = end - timedelta(weeks=history_weeks)
    units: dict[tuple[int, int | None], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for product_id, warehouse_id, week, quantity in _shipped_by_week(product_ids, begin, end):
        week = week if isinstance(week, date) else date.fromisoformat(week)
        if warehouse_id is not None:
            units[(product_id, warehouse_id)][week] += int(quantity)
        units[(product_id, None)][week] += int(quantity)
    skus = dict(Product.select(Product.id, Product.sku)
                .where(Product.id.in_(list({product_id for product_id, _ in units}))).tuples()) if units else {}
    codes = dict(Warehouse.select(Warehouse.id, Warehouse.code).tuples())
    series = []
    for (product_id, warehouse_id), weeks in units.items():
        start = min(weeks)
        quantities = np.zeros((end - start).days // 7, dtype=float)
        for week, quantity in weeks.items():
            quantities[(week - start).days // 7] = quantity
        code = codes[warehouse_id] if warehouse_id is not None else None
        series.append(DemandSeries(key=series_key(skus[product_id], code), product_id=product_id,
                                   sku=skus[product_id], warehouse_id=warehouse_id, warehouse_code=code,
                                   start=start, quantities=quantities))
    return sorted(series, key=lambda s: s.key)


def _shipped_by_week(product_ids: Iterable[int] | None, begin: date, end: date) -> peewee.ModelSelect:
    """(product id, warehouse id or None, Monday, units) for the shipments dispatched in [begin, end)."""
    dispatched = peewee.fn.COALESCE(Waybill.issued_at, Shipment.status_changed_at)
    week = _monday_of(dispatched)
    query = (ShipmentLine
             .select(OrderLine.product, Shipment.warehouse, week, peewee.fn.SUM(ShipmentLine.quantity))
             .join(Shipment, on=(ShipmentLine.shipment == Shipment.id))
             .join_from(ShipmentLine, OrderLine, on=(ShipmentLine.order_line == OrderLine.id))
             .join_from(Shipment, Waybill, peewee.JOIN.LEFT_OUTER, on=(Waybill.shipment == Shipment.id))
             .where(Shipment.status.in_(SHIPMENT_LEFT_STATES), OrderLine.product.is_null(False),
                    dispatched >= datetime.combine(begin, datetime.min.time()),
                    dispatched < datetime.combine(end, datetime.min.time()))
             .group_by(OrderLine.product, Shipment.warehouse, week))
    if product_ids is not None:
        query = query.where(OrderLine.product.in_(list(product_ids)))
    return query.tuples()


def _monday_of(moment: peewee.Node) -> peewee.Node:
    """The Monday of a timestamp's week, in SQL: a date on PostgreSQL, 'YYYY-MM-DD' text on SQLite."""
    if is_sqlite():
        return peewee.fn.date(moment, "weekday 0", "-6 days")  # on to Sunday (itself if one), back to Monday
    return peewee.Cast(peewee.fn.date_trunc("week", moment), "date")  # ISO weeks start on Monday
