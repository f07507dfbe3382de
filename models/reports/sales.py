"""The sales trend report from the rollups: orders, units and revenue of shipped orders per period and key
(channel, region, SKU or customer), in each order's currency, for a range and the range before it.

Revenue is the order subtotal of goods (no shipping, no tax). Split by SKU or filtered on a SKU, the figures are
those of the lines of that SKU: orders holding it, its units and its line totals."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import peewee

from models.partners.tables import Partner
from models.reports.periods import DateRange, period_label
from models.reports.scope import (
    EVERYTHING,
    ReportScope,
    partner_names,
    period_of,
    scope_condition,
)
from models.reports.tables import SalesDay, SalesSummaryDay, SkuDay, SkuSummaryDay
from models.reports.values import as_date, as_money

BY = ("channel", "region", "sku", "customer")


@dataclass(frozen=True)
class SalesFilters:
    channel: str | None = None
    region: str | None = None
    customer_code: str | None = None
    sku: str | None = None


@dataclass(frozen=True)
class SalesRow:
    period: str
    key: str
    orders: int
    units: int
    revenue: Decimal
    currency: str
    period_start: date


def sales_trend(span: DateRange, group: str, *, by: str | None = None, filters: SalesFilters = SalesFilters(),
                scope: ReportScope = EVERYTHING) -> list[SalesRow]:
    """One row per period, key and currency with shipped orders in ``span`` (key "all" without ``by``), by
    period then key (customers by id); one query, and one per thousand customers for their codes."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {BY}")
    table = rollup_for(by, filters, scope)
    period = period_of(table.day, group)
    keys = [] if by is None else [table.customer_id if by == "customer" else getattr(table, by)]
    query = table.select(period.alias("period"), *keys, table.currency, peewee.fn.SUM(table.orders),
                         peewee.fn.SUM(table.units), peewee.fn.SUM(table.revenue))
    query = (query.where(table.day.between(span.start, span.end), *_filters(table, filters, scope))
             .group_by(period, *keys, table.currency)
             .order_by(period, *keys, table.currency))
    rows = [row if keys else (row[0], "all", *row[1:]) for row in query.tuples()]
    names = partner_names({row[1] for row in rows}) if by == "customer" else {}
    found = []
    for start, key_value, currency, orders, units, revenue in rows:
        start = as_date(start)
        key = names[key_value][0] if by == "customer" and key_value in names else str(key_value)
        found.append(SalesRow(period=period_label(start, group), key=key,
                              orders=int(orders), units=int(units), revenue=as_money(revenue), currency=currency,
                              period_start=start))
    return found


def rollup_for(by: str | None, filters: SalesFilters, scope: ReportScope) -> type[peewee.Model]:
    """The smallest rollup holding what is asked: the summaries (no customer) unless a customer, a distributor's
    book or, at line grain, a channel or region is asked for."""
    by_order = filters.channel or filters.region or filters.customer_code or scope.distributor_id is not None
    if by == "sku" or filters.sku or scope.supplier_id is not None:
        return SkuDay if by_order or by in ("channel", "region", "customer") else SkuSummaryDay
    return SalesDay if (by == "customer" or filters.customer_code or scope.is_partner) else SalesSummaryDay


def _filters(table, filters: SalesFilters, scope: ReportScope) -> list:
    conditions = []
    if filters.channel:
        conditions.append(table.channel == filters.channel)
    if filters.region:
        conditions.append(table.region == filters.region)
    if filters.sku:
        conditions.append(table.sku == filters.sku)
    if filters.customer_code:
        conditions.append(table.customer_id.in_(Partner.select(Partner.id).where(
            Partner.code == filters.customer_code)))
    scoped = scope_condition(table, scope)
    if scoped is not None:
        conditions.append(scoped)
    return conditions
