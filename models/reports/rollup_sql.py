"""The statements that fill the report rollups from orders and their audit trail, shared by the pipeline (a batch of
order ids, added or taken away) and the rebuild (every order, or the days of a range): one ``INSERT … SELECT …
GROUP BY … ON CONFLICT DO UPDATE SET x = x + EXCLUDED.x`` per table, on PostgreSQL and SQLite alike. Rows are
upserted in key order, so two batches shipping at once lock the rows they share in the same order: they queue,
they do not deadlock. Orders just shipped on PostgreSQL go in one statement built of the same upserts
(models.reports.shipped_now)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from models.core.bulk_arrays import id_parameter
from models.core.db import database, is_sqlite
from models.reports.cycle_rules import DELIVERY_STEPS, SHIP_STEPS, STEPS, bucket_bounds
from models.reports.tables import (
    CYCLE_KEY,
    SALES_KEY,
    SALES_SUMMARY_KEY,
    SKU_KEY,
    SKU_SUMMARY_KEY,
)

ROLLUP_TABLES = ("report_sales_day", "report_sku_day", "report_sales_summary_day", "report_sku_summary_day",
                 "report_cycle_time_day")


@dataclass(frozen=True)
class Selection:
    """Which orders a statement covers: ``ids`` (None: all) and the days of ``since``..``until`` (None: any);
    ``counted_only`` keeps orders now shipped or delivered (off when taking away an order just moved back);
    ``just_shipped`` says the ``ids`` moved to shipped in this transaction, so their shipped time is their status
    time and the audit trail need not be read for it."""

    ids: Sequence[int] | None = None
    since: date | None = None
    until: date | None = None
    counted_only: bool = True
    just_shipped: bool = False


def add_sales(selection: Selection, *, sign: int = 1) -> None:
    """Add (``sign`` 1) or take away (-1) the selected orders at order grain and at line grain, and in their
    summaries."""
    if selection.just_shipped and selection.ids is None:
        raise ValueError("just_shipped needs the ids that shipped")
    shipped = SHIPPED_NOW if selection.just_shipped else SHIPPED
    _run(_sales_sql(sign, shipped=shipped), selection, "s.shipped_at")
    _run(_sku_sql(sign, shipped=shipped), selection, "s.shipped_at")
    _run(_sales_sql(sign, "report_sales_summary_day", SALES_SUMMARY_KEY, shipped=shipped), selection, "s.shipped_at")
    _run(_sku_sql(sign, "report_sku_summary_day", SKU_SUMMARY_KEY, shipped=shipped), selection, "s.shipped_at")


def add_cycle_times(selection: Selection, steps: Sequence[str], *, sign: int = 1) -> None:
    """Add (or take away) the selected orders' durations of ``steps`` (all of SHIP_STEPS or DELIVERY_STEPS)."""
    end = "t.delivered_at" if tuple(steps) == DELIVERY_STEPS else "t.shipped_at"
    if tuple(steps) not in (SHIP_STEPS, DELIVERY_STEPS):
        raise ValueError(f"steps must be {SHIP_STEPS} or {DELIVERY_STEPS}")
    _run(_cycle_sql(steps, sign), selection, end)


def drop_empty_rows() -> None:
    """Rows a take-away brought to zero orders: gone, so a kept rollup equals a rebuilt one row for row."""
    for table in ROLLUP_TABLES:
        database.execute_sql(f'DELETE FROM "{table}" WHERE "orders" = 0')


def clear(table: str, since: date | None, until: date | None) -> None:
    where, params = _day_where('"day"', since, until)
    database.execute_sql(f'DELETE FROM "{table}" WHERE {where}', params)


def _run(template: str, selection: Selection, day_source: str) -> None:
    ids = list(selection.ids) if selection.ids is not None else None
    if ids == []:
        return
    counted = selection.counted_only and not selection.just_shipped
    status_filter = "o.status IN ('shipped', 'delivered')" if counted else "1 = 1"
    day_filter, day_params = _day_where(f"date({day_source})", selection.since, selection.until)
    shipped_only = "sc.to_status = 'shipped'" if ids is None else "1 = 1"
    for id_filter, id_params in _id_filters(ids):
        filters = {name: id_filter.format(column=column) for name, column in ID_COLUMNS.items()}
        sql = template.format(status=status_filter, days=day_filter, shipped_only=shipped_only, **filters)
        # each filter's parameters where it stands in the text
        params = [param for name in _PLACEHOLDER.findall(template)
                  for param in (day_params if name == "days" else id_params)]
        database.execute_sql(sql, params)


# The placeholders a template filters the batch's orders with, and the column each one tests. The orders' and
# lines' own filters let both planners look the batch's rows up by key: joined only to the audit rows' ids,
# PostgreSQL's planner (its statistics taken before the day's orders shipped) read the whole orders table for
# each batch.
ID_COLUMNS = {"ids": "sc.entity_id", "orders": "o.id", "line_orders": "ol.order_id", "shipped_orders": "sn.id"}
_PLACEHOLDER = re.compile(r"\{(ids|orders|line_orders|shipped_orders|days)\}")


def _id_filters(ids: list[int] | None) -> list[tuple[str, list]]:
    """A filter on the orders ``ids`` (its column left as ``{column}``) and its parameters, one per statement:
    none for every order; on PostgreSQL one array parameter, whatever the count; SQLite, which has no arrays, IN
    lists of 500."""
    if ids is None:
        return [("1 = 1", [])]
    if not is_sqlite():
        placeholder, value = id_parameter(ids)  # as ``among`` writes a batch's ids: one array literal
        return [(f"{{column}} = ANY({placeholder})", [value])]
    chunks = [ids[start:start + 500] for start in range(0, len(ids), 500)]
    return [(f"{{column}} IN ({', '.join([database.param] * len(chunk))})", chunk) for chunk in chunks]


def _day_where(expression: str, since: date | None, until: date | None) -> tuple[str, list]:
    clauses, params = [], []
    if since is not None:
        clauses.append(f"{expression} >= {database.param}")
        params.append(since.isoformat())
    if until is not None:
        clauses.append(f"{expression} <= {database.param}")
        params.append(until.isoformat())
    return " AND ".join(clauses) or "1 = 1", params


def upsert_clause(table: str, key: Sequence[str], sums: Sequence[str]) -> str:
    updates = ", ".join(f'"{column}" = "{table}"."{column}" + EXCLUDED."{column}"' for column in sums)
    return f'ON CONFLICT ({", ".join(chr(34) + c + chr(34) for c in key)}) DO UPDATE SET {updates}'


# When each order last shipped. For a batch's ids the status is tested in the aggregate, not the WHERE: given
# ``to_status = 'shipped'`` there, PostgreSQL's planner may take the index of every shipped order's milestone
# instead of the batch's own audit rows, and read it whole for each batch. The rebuild, over every order, keeps
# the filter (``{shipped_only}``) and reads only the shipped milestones.
SHIPPED_AT = "MAX(CASE WHEN sc.to_status = 'shipped' THEN sc.\"at\" END)"
SHIPPED = f"""WITH shipped AS (
  SELECT sc.entity_id AS order_id, {SHIPPED_AT} AS shipped_at FROM "status_change" sc
  WHERE sc.entity = 'order' AND {{ids}} AND {{shipped_only}} GROUP BY sc.entity_id HAVING {SHIPPED_AT} IS NOT NULL)
"""
# Orders moved to shipped in this very transaction: the guarded move set their status time and wrote their shipped
# milestone with one and the same timestamp, so the status time is the trail's latest shipped time (what SHIPPED
# finds, and what a rebuild counts), read from the batch's own order rows.
SHIPPED_NOW = """WITH shipped AS MATERIALIZED (
  SELECT sn.id AS order_id, sn.status_changed_at AS shipped_at FROM "order" sn WHERE {shipped_orders})
"""


# Each rollup column of the sales tables as computed from an order ``o`` (and a line ``ol``) shipped at ``s``.
ORDER_COLUMNS = {"day": "date(s.shipped_at)", "channel": "o.channel", "region": "o.ship_to_region",
                 "customer_id": "o.customer_id", "placed_by_id": "COALESCE(o.placed_by_id, 0)",
                 "currency": "o.currency", "sku": "ol.sku"}


# Revenue is net of tax: an order priced tax-inclusive (models.pricing) carries its tax inside subtotal and line
# totals, so it is taken out again here.
NET_SUBTOTAL = "o.subtotal - CASE WHEN o.prices_include_tax THEN o.tax_total ELSE 0 END"
NET_LINE_TOTAL = "ol.line_total - CASE WHEN o.prices_include_tax THEN ol.tax_amount ELSE 0 END"


def _sales_sql(sign: int, table: str = "report_sales_day", key: Sequence[str] = SALES_KEY, *,
               shipped: str = SHIPPED) -> str:
    """Orders at order grain into ``table`` keyed by ``key``: orders, units and subtotals."""
    return shipped + sales_insert(sign, table, key, ORDERS_WITH_UNITS, "COALESCE(u.units, 0)",
                                  "{orders} AND {status} AND {days}")


def _sku_sql(sign: int, table: str = "report_sku_day", key: Sequence[str] = SKU_KEY, *,
             shipped: str = SHIPPED) -> str:
    """Lines into ``table`` keyed by ``key`` (SKU among them): orders holding the SKU, units, line totals."""
    return shipped + sku_insert(sign, table, key, LINES_SHIPPED, "{orders} AND {line_orders} AND {status} AND {days}")


# Where the statements read the orders (``o``, shipped at ``s.shipped_at``) and their lines (``ol``) from.
ORDERS_SHIPPED = 'shipped s JOIN "order" o ON o.id = s.order_id'
LINES_SHIPPED = ORDERS_SHIPPED + ' JOIN "order_line" ol ON ol.order_id = o.id'
UNITS_SHIPPED = """SELECT ol.order_id, SUM(ol.quantity) AS units FROM "order_line" ol
           WHERE {line_orders} AND ol.order_id IN (SELECT order_id FROM shipped) GROUP BY ol.order_id"""
ORDERS_WITH_UNITS = ORDERS_SHIPPED + f"\nLEFT JOIN ({UNITS_SHIPPED}) u\n  ON u.order_id = o.id"


def sales_insert(sign: int, table: str, key: Sequence[str], orders: str, units: str, where: str) -> str:
    """The upsert of ``table`` from the shipped ``orders`` (a FROM clause) and their ``units`` (an expression),
    grouped by ``key``."""
    columns = ", ".join(f'"{c}"' for c in (*key, "orders", "units", "revenue"))
    keys = ", ".join(ORDER_COLUMNS[c] for c in key)
    return f"""INSERT INTO "{table}" ({columns})
SELECT {keys}, {sign} * COUNT(*), {sign} * SUM({units}), {sign} * SUM({NET_SUBTOTAL})
FROM {orders}
WHERE {where}
GROUP BY {keys}
ORDER BY {", ".join(str(n + 1) for n in range(len(key)))}
""" + upsert_clause(table, key, ("orders", "units", "revenue"))


def sku_insert(sign: int, table: str, key: Sequence[str], lines: str, where: str) -> str:
    """The upsert of ``table`` from the shipped orders' ``lines`` (a FROM clause), grouped by ``key``."""
    columns = ", ".join(f'"{c}"' for c in (*key, "orders", "units", "revenue"))
    keys = ", ".join(ORDER_COLUMNS[c] for c in key)
    return f"""INSERT INTO "{table}" ({columns})
SELECT {keys}, {sign} * COUNT(DISTINCT o.id), {sign} * SUM(ol.quantity), {sign} * SUM({NET_LINE_TOTAL})
FROM {lines}
WHERE {where}
GROUP BY {keys}
ORDER BY {", ".join(str(n + 1) for n in range(len(key)))}
""" + upsert_clause(table, key, ("orders", "units", "revenue"))


TRAIL = """WITH t AS (
  SELECT sc.entity_id AS order_id,
    MIN(CASE WHEN sc.to_status = 'approved' THEN sc."at" END) AS approved_at,
    MIN(CASE WHEN sc.to_status IN ('allocated', 'partially_allocated') THEN sc."at" END) AS allocated_at,
    MAX(CASE WHEN sc.to_status = 'shipped' THEN sc."at" END) AS shipped_at,
    MAX(CASE WHEN sc.to_status = 'delivered' THEN sc."at" END) AS delivered_at
  FROM "status_change" sc WHERE sc.entity = 'order' AND {ids} GROUP BY sc.entity_id)
"""
POINTS = {"received": "o.created_at", "approved": "t.approved_at", "allocated": "t.allocated_at",
          "shipped": "t.shipped_at", "delivered": "t.delivered_at"}


def _cycle_sql(steps: Sequence[str], sign: int) -> str:
    end_day = "date(t.delivered_at)" if tuple(steps) == DELIVERY_STEPS else "date(t.shipped_at)"
    delivered = " AND o.status = 'delivered'" if tuple(steps) == DELIVERY_STEPS else ""
    parts = []
    for step in steps:
        start, end = (POINTS[point] for point in STEPS[step])
        parts.append(f"SELECT {end_day} AS day, '{step}' AS step, {_seconds(end, start)} AS seconds "
                     f"FROM t JOIN \"order\" o ON o.id = t.order_id "
                     f"WHERE {{orders}} AND {{status}}{delivered} AND {{days}} AND {start} IS NOT NULL "
                     f"AND {end} IS NOT NULL")
    columns = ", ".join(f'"{c}"' for c in (*CYCLE_KEY, "orders"))
    return (TRAIL + f"""INSERT INTO "report_cycle_time_day" ({columns})
SELECT d.day, d.step, {bucket_case("d.seconds")}, {sign} * COUNT(*)
FROM ({" UNION ALL ".join(parts)}) d WHERE d.day IS NOT NULL
GROUP BY d.day, d.step, {bucket_case("d.seconds")}
ORDER BY 1, 2, 3
""" + upsert_clause("report_cycle_time_day", CYCLE_KEY, ("orders",)))


def _seconds(end: str, start: str) -> str:
    if is_sqlite():
        return f"((julianday({end}) - julianday({start})) * 86400.0)"
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def bucket_case(expression: str) -> str:
    """models.reports.cycle_rules.bucket_of as SQL: the same bounds, so both sides agree to the bucket. On
    PostgreSQL ``width_bucket`` over the sorted bounds (how many are ≤ the value: a binary search, where a CASE
    tried every bound in turn, for every step of every order shipped); SQLite has no such function."""
    bounds = bucket_bounds()
    if not is_sqlite():
        return f"width_bucket({expression}, ARRAY[{', '.join(repr(bound) for bound in bounds)}]::numeric[])"
    whens = " ".join(f"WHEN {expression} < {bound!r} THEN {index}" for index, bound in enumerate(bounds))
    return f"CASE {whens} ELSE {len(bounds)} END"
