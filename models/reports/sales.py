"""The sales trend report from the rollups: orders, units and revenue of shipped orders per period and key
(channel, region, SKU or customer), in each order's currency, for a range and the range before it.

Split by a key, a report may keep its top keys only (``top_keys``: most revenue over the range, all currencies
summed) and sum every other key into one row per period and currency (key OTHER, ``other`` True): the same totals,
in a few hundred rows rather than one per customer and day.

Revenue is the order subtotal of goods (no shipping, no tax). Split by SKU or filtered on a SKU, the figures are
those of the lines of that SKU: orders holding it, its units and its line totals. Each row also carries its revenue
in the base currency (``revenue_base``), every rollup day converted at that day's rate (models.reports.base_currency);
None when a day's currency had no rate."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import peewee

from models.core.db import database
from models.partners.tables import Partner
from models.reports.base_currency import BaseRevenue
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
OTHER = "other"


@dataclass(frozen=True)
class SalesFilters:
    channel: str | None = None
    region: str | None = None
    customer_code: str | None = None
    sku: str | None = None


class SalesRow(NamedTuple):
    """A tuple rather than a frozen dataclass: a report by day and SKU builds tens of thousands, four times
    faster."""

    period: str
    key: str
    orders: int
    units: int
    revenue: Decimal
    currency: str
    period_start: date
    other: bool = False  # the keys outside the kept ones, summed
    revenue_base: Decimal | None = None  # in the base currency at each day's rate; None: a rate was missing


def sales_trend(span: DateRange, group: str, *, by: str | None = None, filters: SalesFilters = SalesFilters(),
                scope: ReportScope = EVERYTHING, keep: Sequence | None = None) -> list[SalesRow]:
    """One row per period, key and currency with shipped orders in ``span`` (key "all" without ``by``), by
    period then key (customers by id); with ``keep`` (key values from ``top_keys``) the other keys are summed
    into one OTHER row per period and currency, after the kept keys. One query, and one per thousand customers
    for their codes."""
    if by is not None and by not in BY:
        raise ValueError(f"by must be one of {BY}")
    if by == "customer" and keep is not None:
        return _kept_customers(span, group, keep, filters, scope)
    table = rollup_for(by, filters, scope)
    period = period_of(table.day, group)
    keys = [] if by is None else [_key_column(table, by)]
    order = keys
    if keys and keep is not None:
        # NULL stands for "any other key": no kept key is NULL (the rollups' keys are NOT NULL); it sorts last
        kept = keys[0].in_(list(keep))  # peewee writes IN () as 0 = 1
        keys = [peewee.Case(None, [(kept, keys[0])], None)]
        order = [peewee.Case(None, [(keys[0].is_null(), 1)], 0), keys[0]]
    base = BaseRevenue(table, span)
    query = table.select(period.alias("period"), *keys, table.currency, peewee.fn.SUM(table.orders),
                         peewee.fn.SUM(table.units), peewee.fn.SUM(table.revenue), base.revenue, base.unconverted)
    query = base.join(query.where(table.day.between(span.start, span.end), *_filters(table, filters, scope))
                      .group_by(period, *keys, table.currency)
                      .order_by(period, *order, table.currency))
    # the cursor's own tuples: peewee's per-row conversion costs more than the rest of a 20,000-row report
    rows = [row if keys else (row[0], "all", *row[1:]) for row in database.execute(query).fetchall()]
    return _sales_rows(rows, by, group)


def _kept_customers(span: DateRange, group: str, keep: Sequence, filters: SalesFilters,
                    scope: ReportScope) -> list[SalesRow]:
    """Customers of ``keep`` read by the (customer, day) index, and OTHER as every customer's total (from the
    smallest rollup holding it) less theirs: an order has one customer, so the difference is exact. Cheaper than
    a scan of every customer's day rows: a few hundred thousand per half year at a million orders."""
    table = rollup_for("customer", filters, scope)
    period = period_of(table.day, group)
    base = BaseRevenue(table, span)
    query = base.join(table.select(period.alias("period"), table.customer_id, table.currency,
                                   peewee.fn.SUM(table.orders), peewee.fn.SUM(table.units),
                                   peewee.fn.SUM(table.revenue), base.revenue, base.unconverted)
                      .where(table.day.between(span.start, span.end), table.customer_id.in_(list(keep)),
                             *_filters(table, filters, scope))
                      .group_by(period, table.customer_id, table.currency)
                      .order_by(period, table.customer_id, table.currency))
    kept = [(as_date(start), key, currency, int(orders), int(units), as_money(revenue), _base(in_base, unconverted))
            for start, key, currency, orders, units, revenue, in_base, unconverted
            in database.execute(query).fetchall()]
    other = {(row.period_start, row.currency): [row.orders, row.units, row.revenue, row.revenue_base]
             for row in sales_trend(span, group, filters=filters, scope=scope)}
    for start, _, currency, orders, units, revenue, in_base in kept:
        figures = other[(start, currency)]
        figures[0], figures[1], figures[2] = figures[0] - orders, figures[1] - units, figures[2] - revenue
        figures[3] = None if figures[3] is None or in_base is None else figures[3] - in_base
    rows = kept + [(start, None, currency, *figures) for (start, currency), figures in other.items() if figures[0]]
    return _sales_rows(sorted(rows, key=lambda row: (row[0], row[1] is None, row[1] or 0, row[2])), "customer",
                       group)


def top_trend(span: DateRange, group: str, by: str, limit: int, *, filters: SalesFilters = SalesFilters(),
              scope: ReportScope = EVERYTHING) -> tuple[list[SalesRow], list | None]:
    """``sales_trend`` with ``keep`` the keys ``top_keys`` picks; by SKU, channel or region in one query, the keys
    ranked in the same scan of the rollup; by customer (thousands of keys) the ranking scan groups by customer
    only, and the rows are read as ``_kept_customers`` reads them. With the rows, the kept key values (None: no
    more than ``limit`` keys sold, all kept)."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if by == "customer":
        keep = top_keys(span, by, limit, filters=filters, scope=scope)
        keep = None if keep is None else sorted(keep)
        return sales_trend(span, group, by=by, filters=filters, scope=scope, keep=keep), keep
    table = rollup_for(by, filters, scope)
    period, key = period_of(table.day, group), _key_column(table, by)
    sums = (peewee.fn.SUM(getattr(table, name)).alias(name) for name in ("orders", "units", "revenue"))
    base = BaseRevenue(table, span)
    inner, params = base.join(table.select(period.alias("period"), key.alias("key"), table.currency.alias("currency"),
                                           *sums, base.revenue.alias("revenue_base"),
                                           base.unconverted.alias("unconverted"))
                              .where(table.day.between(span.start, span.end), *_filters(table, filters, scope))
                              .group_by(period, key, table.currency)).sql()
    kept = f'CASE WHEN k.place <= {int(limit)} THEN g."key" END'  # NULL: every other key, sorted last
    rows = database.execute_sql(f"""WITH g AS ({inner}),
k AS (SELECT "key", ROW_NUMBER() OVER (ORDER BY SUM("revenue") DESC, "key") AS place FROM g GROUP BY "key")
SELECT g."period", {kept}, g."currency", SUM(g."orders"), SUM(g."units"), SUM(g."revenue"),
 SUM(g."revenue_base"), SUM(g."unconverted")
FROM g JOIN k ON k."key" = g."key"
GROUP BY g."period", {kept}, g."currency"
ORDER BY g."period", MAX(CASE WHEN k.place <= {int(limit)} THEN 0 ELSE 1 END), {kept}, g."currency" """,
                                params).fetchall()
    found = _sales_rows(rows, by, group)
    if not any(row.other for row in found):
        return found, None
    return found, sorted({row[1] for row in rows if row[1] is not None})


def _sales_rows(rows: list[tuple], by: str | None, group: str) -> list[SalesRow]:
    """(period start, key value or None for OTHER, currency, orders, units, revenue, and the revenue in the base
    currency with the count of rows left unconverted, or that revenue already settled) as report rows."""
    names = partner_names({row[1] for row in rows if row[1] is not None}) if by == "customer" else {}
    found = []
    labels: dict[date, str] = {}
    for start, key_value, currency, orders, units, revenue, *in_base in rows:
        start = as_date(start)
        if start not in labels:
            labels[start] = period_label(start, group)
        if key_value is None:
            key = OTHER
        else:
            key = names[key_value][0] if by == "customer" and key_value in names else str(key_value)
        found.append(SalesRow(period=labels[start], key=key,
                              orders=int(orders), units=int(units), revenue=as_money(revenue), currency=currency,
                              period_start=start, other=key_value is None,
                              revenue_base=in_base[0] if len(in_base) == 1 else _base(*in_base)))
    return found


def _base(revenue, unconverted) -> Decimal | None:
    """A summed base-currency revenue, or None when some of it had no rate."""
    return None if unconverted else as_money(revenue)


def top_keys(span: DateRange, by: str, limit: int, *, filters: SalesFilters = SalesFilters(),
             scope: ReportScope = EVERYTHING) -> list | None:
    """The key values (customer ids for customers) of the ``limit`` keys with most revenue in ``span``, all
    currencies summed, ties by key; None when no more than ``limit`` keys sold (keep them all). One query."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    if limit < 1:
        raise ValueError("limit must be at least 1")
    table = rollup_for(by, filters, scope)
    key = _key_column(table, by)
    query = (table.select(key).where(table.day.between(span.start, span.end), *_filters(table, filters, scope))
             .group_by(key).order_by(peewee.fn.SUM(table.revenue).desc(), key).limit(limit + 1))
    found = [value for (value,) in query.tuples()]
    return None if len(found) <= limit else found[:limit]


def _key_column(table, by: str) -> peewee.Field:
    return table.customer_id if by == "customer" else getattr(table, by)


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
