"""What the report rollups are built from, for a bench book seeded by portal.cli_bench_portal_book (orders only):
lines for every order and the audit trail of every shipped or delivered one, written by the database itself in
a few statements, with durations that vary from order to order."""
from __future__ import annotations

from models.core.db import database, is_sqlite

SKUS = 200
# (to_status, from_status, seconds after the order was created: a constant plus a spread by order id)
TRAIL = (("received", None, "0"), ("approved", "reviewing", "600 + (o.id * 37) % 7200"),
         ("allocated", "approved", "8400 + (o.id * 53) % 14400"),
         ("shipped", "allocated", "30000 + (o.id * 71) % 86400"),
         ("delivered", "shipped", "130000 + (o.id * 89) % 172800"))


def after_created(seconds: str) -> str:
    """The time ``seconds`` (an SQL expression) after the order ``o`` was created."""
    if is_sqlite():
        return f"datetime(o.created_at, '+' || ({seconds}) || ' seconds')"
    return f"o.created_at + ({seconds}) * INTERVAL '1 second'"


def execute(sql: str) -> None:
    database.execute_sql(sql if is_sqlite() else sql.replace("%", "%%"))  # psycopg2 reads % as a placeholder


def seed_lines() -> None:
    """One line per order: a SKU of SKUS (its product when the catalogue has it), 1–5 units, its total the order's
    subtotal."""
    execute(f"""
INSERT INTO "order_line" (order_id, line_no, product_id, sku, quantity, unit_price, line_total)
SELECT o.id, 1, p.id, 'SKU-' || CAST(o.id % {SKUS} AS VARCHAR(8)), 1 + o.id % 5, o.subtotal / (1 + o.id % 5),
       o.subtotal
FROM "order" o LEFT JOIN "product" p ON p.sku = 'SKU-' || CAST(o.id % {SKUS} AS VARCHAR(8))""")


def seed_trails() -> None:
    """The audit trail of every shipped or delivered order, one statement per step."""
    for to_status, from_status, seconds in TRAIL:
        statuses = "('delivered')" if to_status == "delivered" else "('shipped', 'delivered')"
        before = "NULL" if from_status is None else f"'{from_status}'"
        execute(f"""
INSERT INTO "status_change" (entity, entity_id, from_status, to_status, actor, reason, "at")
SELECT 'order', o.id, {before}, '{to_status}', 'bench', '', {after_created(seconds)}
FROM "order" o WHERE o.status IN {statuses}""")
