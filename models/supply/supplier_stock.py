"""What a supplier sees of its own SKUs: stock per warehouse with the units on their way and the next arrival,
how fast that stock sells through, and the demand forecast per SKU. Read only; a fixed number of queries a page.

Sell-through over a window is units shipped in it ÷ (units shipped in it + units on hand now): the share of the
stock that was there to sell which did sell. Weeks of cover is available units ÷ average weekly units shipped
over the last 13 weeks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import peewee

from models.core.base import utc_now
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.tables import OrderLine
from models.planning.tables import DemandForecast, ForecastPeriod
from models.shipping.states import (
    SHIPMENT_LEFT_STATES,
)
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.incoming import incoming_by_pair

SHORT_WEEKS, LONG_WEEKS = 4, 13
FORECAST_WEEKS_SHOWN = 8
RATE = Decimal("0.001")
COVER = Decimal("0.1")


@dataclass(frozen=True)
class SupplierStockRow:
    """One of the supplier's SKUs in one warehouse."""

    sku: str
    name: str
    warehouse: str
    on_hand: int
    reserved: int
    incoming: int
    next_arrival: date | None
    shipped_short: int  # units shipped from this warehouse in the last SHORT_WEEKS weeks
    shipped_long: int  # ... in the last LONG_WEEKS weeks
    forecast_short: Decimal | None  # forecast units for this warehouse over the next SHORT_WEEKS weeks

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def sell_through_short(self) -> Decimal | None:
        return _sell_through(self.shipped_short, self.on_hand)

    @property
    def sell_through_long(self) -> Decimal | None:
        return _sell_through(self.shipped_long, self.on_hand)

    @property
    def weeks_of_cover(self) -> Decimal | None:
        """Available units ÷ average weekly units shipped over the long window; None without shipments."""
        if not self.shipped_long:
            return None
        weekly = Decimal(self.shipped_long) / LONG_WEEKS
        return (Decimal(max(self.available, 0)) / weekly).quantize(COVER, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ForecastWeek:
    week_start: date
    quantity: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class SkuForecast:
    """The forecast of one SKU over every warehouse: the method the back-test chose and the coming weeks."""

    sku: str
    method: str
    mase: Decimal | None
    computed_at: datetime
    weeks: tuple[ForecastWeek, ...]


def _sell_through(shipped: int, on_hand: int) -> Decimal | None:
    if shipped + on_hand <= 0:
        return None
    return (Decimal(shipped) / Decimal(shipped + on_hand)).quantize(RATE, rounding=ROUND_HALF_UP)


def supplier_stock(supplier_id: int, *, limit: int = 50, after: tuple[str, str] | None = None,
                   today: date | None = None) -> tuple[list[SupplierStockRow], tuple[str, str] | None]:
    """The supplier's SKUs per warehouse ordered by (SKU, warehouse code) after ``after``; the page and the key
    to continue from (None on the last page)."""
    today = today or utc_now().date()
    query = (Stock.select(Stock.warehouse, Stock.product, Product.sku, Product.name, Warehouse.code, Stock.on_hand,
                          Stock.reserved)
             .join(Product, on=(Stock.product == Product.id)).switch(Stock)
             .join(Warehouse, on=(Stock.warehouse == Warehouse.id))
             .where(Product.supplier == supplier_id))
    if after:
        query = query.where((Product.sku > after[0]) | ((Product.sku == after[0]) & (Warehouse.code > after[1])))
    rows = list(query.order_by(Product.sku, Warehouse.code).limit(limit + 1).tuples())
    page, more = rows[:limit], len(rows) > limit
    pairs = {(warehouse_id, product_id) for warehouse_id, product_id, *_ in page}
    incoming = incoming_by_pair(pairs)
    shipped = _shipped(pairs, today)
    forecast = _forecast_ahead(pairs, today, SHORT_WEEKS)
    result = []
    for warehouse_id, product_id, sku, name, code, on_hand, reserved in page:
        pair = (warehouse_id, product_id)
        coming = incoming.get(pair)
        short, long = shipped.get(pair, (0, 0))
        result.append(SupplierStockRow(sku=sku, name=name, warehouse=code, on_hand=on_hand, reserved=reserved,
                                       incoming=coming.units if coming else 0,
                                       next_arrival=coming.next_on if coming else None,
                                       shipped_short=short, shipped_long=long, forecast_short=forecast.get(pair)))
    return result, ((result[-1].sku, result[-1].warehouse) if more else None)


def _shipped(pairs: set[tuple[int, int]], today: date) -> dict[tuple[int, int], tuple[int, int]]:
    """Units shipped per (warehouse id, product id) over the short and the long window."""
    if not pairs:
        return {}
    midnight = datetime.combine(today, time())
    short_since = midnight - timedelta(weeks=SHORT_WEEKS)
    long_since = midnight - timedelta(weeks=LONG_WEEKS)
    short = peewee.fn.SUM(peewee.Case(None, [(Shipment.created_at >= short_since, ShipmentLine.quantity)], 0))
    rows = (ShipmentLine.select(Shipment.warehouse, OrderLine.product, short, peewee.fn.SUM(ShipmentLine.quantity))
            .join(Shipment, on=(ShipmentLine.shipment == Shipment.id)).switch(ShipmentLine)
            .join(OrderLine, on=(ShipmentLine.order_line == OrderLine.id))
            .where(Shipment.status.in_(SHIPMENT_LEFT_STATES), Shipment.created_at >= long_since,
                   Shipment.warehouse.in_(sorted({w for w, _ in pairs})),
                   OrderLine.product.in_(sorted({p for _, p in pairs})))
            .group_by(Shipment.warehouse, OrderLine.product).tuples())
    return {(warehouse_id, product_id): (int(short_units or 0), int(long_units or 0))
            for warehouse_id, product_id, short_units, long_units in rows if (warehouse_id, product_id) in pairs}


def _forecast_ahead(pairs: set[tuple[int, int]], today: date, weeks: int) -> dict[tuple[int, int], Decimal]:
    """Forecast units per (warehouse id, product id) over the ``weeks`` weeks from this week's Monday."""
    if not pairs:
        return {}
    monday = today - timedelta(days=today.weekday())
    rows = (ForecastPeriod.select(DemandForecast.warehouse, DemandForecast.product,
                                  peewee.fn.SUM(ForecastPeriod.quantity))
            .join(DemandForecast)
            .where(DemandForecast.warehouse.in_(sorted({w for w, _ in pairs})),
                   DemandForecast.product.in_(sorted({p for _, p in pairs})),
                   ForecastPeriod.week_start >= monday, ForecastPeriod.week_start < monday + timedelta(weeks=weeks))
            .group_by(DemandForecast.warehouse, DemandForecast.product).tuples())
    return {(warehouse_id, product_id): Decimal(str(units)).quantize(Decimal("0.1"))
            for warehouse_id, product_id, units in rows if (warehouse_id, product_id) in pairs}


def supplier_forecasts(supplier_id: int, skus: list[str], *, today: date | None = None,
                       weeks: int = FORECAST_WEEKS_SHOWN) -> dict[str, SkuForecast]:
    """The all-warehouse forecast of each of ``skus`` the supplier supplies, with its next ``weeks`` weeks;
    SKUs without a forecast are absent."""
    if not skus:
        return {}
    today = today or utc_now().date()
    monday = today - timedelta(days=today.weekday())
    forecasts = list(DemandForecast.select(DemandForecast, Product.sku)
                     .join(Product)
                     .where(Product.supplier == supplier_id, Product.sku.in_(sorted(set(skus))),
                            DemandForecast.warehouse.is_null(True)))
    periods: dict[int, list[ForecastWeek]] = {forecast.id: [] for forecast in forecasts}
    if forecasts:
        for period in (ForecastPeriod.select()
                       .where(ForecastPeriod.forecast.in_(sorted(periods)), ForecastPeriod.week_start >= monday,
                              ForecastPeriod.week_start < monday + timedelta(weeks=weeks))
                       .order_by(ForecastPeriod.week_start)):
            periods[period.forecast_id].append(ForecastWeek(week_start=period.week_start,
                                                            quantity=Decimal(str(period.quantity)),
                                                            low=Decimal(str(period.low)),
                                                            high=Decimal(str(period.high))))
    return {forecast.product.sku: SkuForecast(sku=forecast.product.sku, method=forecast.method,
                                              mase=forecast.mase, computed_at=forecast.computed_at,
                                              weeks=tuple(periods[forecast.id]))
            for forecast in forecasts}
