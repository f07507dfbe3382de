"""The rollups of a batch of orders just moved to shipped, on PostgreSQL in one statement: the batch's orders joined
to their lines once, into a CTE that the four sales upserts aggregate (the orders' own grain by a GROUP BY of it),
and the cycle-time upsert beside them, where the statement per table (models.reports.rollup_sql, which SQLite
runs) read the orders and lines again for each table. The same upserts in the same key order, so a kept rollup
still equals a rebuild. No two CTEs are joined: a join of CTE scans has no index to go by, and a row estimate
taken before the day's orders shipped could make it a nested loop over both."""
from __future__ import annotations

from collections.abc import Sequence

from models.core.bulk_arrays import id_parameter
from models.core.db import database
from models.reports.cycle_rules import SHIP_STEPS, STEPS
from models.reports.rollup_sql import (
    bucket_case,
    sales_insert,
    sku_insert,
    upsert_clause,
)
from models.reports.tables import (
    CYCLE_KEY,
    SALES_KEY,
    SALES_SUMMARY_KEY,
    SKU_KEY,
    SKU_SUMMARY_KEY,
)

ORDER_FIELDS = ("created_at", "channel", "ship_to_region", "customer_id", "placed_by_id", "currency", "subtotal",
                "tax_total", "prices_include_tax")
# The batch's lines, each with its order's fields: ``shipped_at`` is the status time, which the guarded move to
# shipped wrote with the milestone's own timestamp (rollup_sql.SHIPPED_NOW).
SOLD_LINES = f"""sold_lines AS MATERIALIZED (
  SELECT o.id, o.status_changed_at AS shipped_at, {", ".join(f"o.{name}" for name in ORDER_FIELDS)},
         ol.sku, ol.quantity, ol.line_total, ol.tax_amount
  FROM "order" o JOIN "order_line" ol ON ol.order_id = o.id
  WHERE o.id = ANY({{ids}}) AND ol.order_id = ANY({{ids}}))"""
# ... and the orders at their own grain, with their units
SOLD = f"""sold AS MATERIALIZED (
  SELECT id, shipped_at, {", ".join(ORDER_FIELDS)}, SUM(quantity) AS units
  FROM sold_lines GROUP BY id, shipped_at, {", ".join(ORDER_FIELDS)})"""
# When each order reached each point, as rollup_sql.TRAIL finds it, with the order's creation (the cycles'
# "received") read from ``sold`` as one more row of the trail rather than by a join of the two.
CREATED = "(created)"  # no status is named so
TRAIL = f"""t AS (
  SELECT e.order_id,
    MIN(CASE WHEN e.point = '{CREATED}' THEN e."at" END) AS received_at,
    MIN(CASE WHEN e.point = 'approved' THEN e."at" END) AS approved_at,
    MIN(CASE WHEN e.point IN ('allocated', 'partially_allocated') THEN e."at" END) AS allocated_at,
    MAX(CASE WHEN e.point = 'shipped' THEN e."at" END) AS shipped_at
  FROM (SELECT sc.entity_id AS order_id, sc.to_status AS point, sc."at" FROM "status_change" sc
        WHERE sc.entity = 'order' AND sc.entity_id = ANY({{ids}})
        UNION ALL SELECT id, '{CREATED}', created_at FROM sold) e
  GROUP BY e.order_id)"""
# ``o`` (and ``ol``) a row of the CTE: its own shipped time stands where the per-table statements join ``shipped s``
FROM_SOLD = "sold o CROSS JOIN LATERAL (SELECT o.shipped_at) s"
FROM_SOLD_LINES = "sold_lines o CROSS JOIN LATERAL (SELECT o.shipped_at) s CROSS JOIN LATERAL (SELECT o.sku, " \
                  "o.quantity, o.line_total, o.tax_amount) ol"


def shipped_now_sql(ids_param: str) -> str:
    """The one statement; ``ids_param`` the batch's ids (an array), wherever the statement filters by them."""
    upserts = {
        "sales_day": sales_insert(1, "report_sales_day", SALES_KEY, FROM_SOLD, "o.units", "1 = 1"),
        "sku_day": sku_insert(1, "report_sku_day", SKU_KEY, FROM_SOLD_LINES, "1 = 1"),
        "sales_summary": sales_insert(1, "report_sales_summary_day", SALES_SUMMARY_KEY, FROM_SOLD, "o.units",
                                      "1 = 1"),
        "sku_summary": sku_insert(1, "report_sku_summary_day", SKU_SUMMARY_KEY, FROM_SOLD_LINES, "1 = 1"),
        "cycle_times": _cycle_times(),
    }
    ctes = [SOLD_LINES, SOLD, TRAIL] + [f"{name} AS (\n{sql})" for name, sql in upserts.items()]
    return "WITH " + ",\n".join(ctes).replace("{ids}", ids_param) + "\nSELECT 1"


def _cycle_times() -> str:
    """Each order's time for each step to shipping, one row per step from the trail ``t`` alone."""
    steps = ", ".join(f"('{step}', t.{STEPS[step][0]}_at, t.{STEPS[step][1]}_at)" for step in SHIP_STEPS)
    columns = ", ".join(f'"{c}"' for c in (*CYCLE_KEY, "orders"))
    bucket = bucket_case('EXTRACT(EPOCH FROM (v.end_at - v.start_at))')
    return f"""INSERT INTO "report_cycle_time_day" ({columns})
SELECT date(t.shipped_at), v.step, {bucket}, COUNT(*)
FROM t CROSS JOIN LATERAL (VALUES {steps}) AS v(step, start_at, end_at)
WHERE t.shipped_at IS NOT NULL AND v.start_at IS NOT NULL AND v.end_at IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY 1, 2, 3
""" + upsert_clause("report_cycle_time_day", CYCLE_KEY, ("orders",))


def add_shipped_now(ids: Sequence[int]) -> None:
    """Count the orders ``ids``, just moved to shipped in this transaction, in every rollup (PostgreSQL)."""
    if not ids:
        return
    sql = shipped_now_sql("{ids}")
    placeholder, value = id_parameter(ids)
    database.execute_sql(sql.replace("{ids}", placeholder), [value] * sql.count("{ids}"))
