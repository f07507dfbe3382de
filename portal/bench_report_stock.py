"""What the inventory and returns reports read, for a bench book with lines and trails (portal.bench_report_history):
products of the lines' SKUs with suppliers, stock in two warehouses, the reservations that shipped the lines,
backorders (open ones and orders refilled after one), returns with reasons, feedback ratings, and a stock snapshot
per stock row and day of the book; written by the database itself in a few statements."""
from __future__ import annotations

from models.core.db import database, is_sqlite
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.returns.rules import REASONS
from portal.bench_report_history import SKUS, TRAIL, after_created, execute

SUPPLIERS = 10
WAREHOUSES = 2
RETURN_EVERY = 50  # one delivered order in this many is returned
FEEDBACK_EVERY = 10  # one delivered order in this many is rated
REFILL_EVERY = 40  # one shipped order in this many waited on backorder first
SECONDS = dict((to_status, seconds) for to_status, _, seconds in TRAIL)


def seed_stock_book() -> None:
    """Everything above but the catalogue (``seed_catalogue``, before the lines), in the caller's transaction."""
    _seed_reservations()
    _seed_backorders()
    _seed_returns()
    _seed_snapshots()


def seed_catalogue() -> None:
    """Suppliers, the products of the lines' SKUs, two warehouses and a stock row of each product in each."""
    Partner.insert_many([{"code": f"S-{n:02d}", "name": f"Bench Supplier {n:02d}", "kind": "supplier",
                          "region": f"R{n % 5}"} for n in range(1, SUPPLIERS + 1)]).execute()
    suppliers = [pid for (pid,) in Partner.select(Partner.id).where(Partner.kind == "supplier")
                 .order_by(Partner.id).tuples()]
    Warehouse.insert_many([{"code": f"WH-{n}", "name": f"Bench warehouse {n}", "region": f"R{n}"}
                           for n in range(1, WAREHOUSES + 1)]).execute()
    Product.insert_many([{"sku": f"SKU-{n}", "name": f"Bench item {n}", "unit_price": 10 + n % 90,
                          "supplier": suppliers[n % len(suppliers)]} for n in range(SKUS)]).execute()
    execute("""
INSERT INTO "stock" (warehouse_id, product_id, on_hand, reserved, quarantined, updated_at)
SELECT w.id, p.id, 500 + (p.id * 37 + w.id * 11) % 400, 0, 0, CURRENT_TIMESTAMP FROM "warehouse" w, "product" p""")


def _seed_reservations() -> None:
    """Fulfilled reservations of the shipped lines (reserved when allocated, fulfilled when shipped), active ones of
    the orders allocated now; an order ships from the warehouse of its id."""
    execute(f"""
WITH w AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM "warehouse")
INSERT INTO "reservation" (order_line_id, warehouse_id, stock_id, quantity, status, created_at, updated_at)
SELECT ol.id, s.warehouse_id, s.id, ol.quantity,
       CASE WHEN o.status IN ('shipped', 'delivered') THEN 'fulfilled' ELSE 'active' END,
       {after_created(SECONDS["allocated"])},
       CASE WHEN o.status IN ('shipped', 'delivered') THEN {after_created(SECONDS["shipped"])} ELSE o.created_at END
FROM "order" o JOIN "order_line" ol ON ol.order_id = o.id
JOIN w ON w.k = o.id % {WAREHOUSES} JOIN "stock" s ON s.product_id = ol.product_id AND s.warehouse_id = w.id
WHERE o.status IN ('shipped', 'delivered', 'allocated')""")


def _seed_backorders() -> None:
    """The orders backordered now went there an hour after they arrived; one shipped order in REFILL_EVERY did too
    before its stock came (a refill)."""
    execute(f"""
INSERT INTO "status_change" (entity, entity_id, from_status, to_status, actor, reason, "at")
SELECT 'order', o.id, 'approved', 'backordered', 'bench', '', {after_created("3600")}
FROM "order" o WHERE o.status = 'backordered'
   OR (o.status IN ('shipped', 'delivered') AND o.id % {REFILL_EVERY} = 0)""")


def _seed_returns() -> None:
    """One delivered order in RETURN_EVERY returned (one unit of its line, a reason by id, one in ten rejected)
    three days after it was delivered; one in FEEDBACK_EVERY rated a day after."""
    reasons = " ".join(f"WHEN {n} THEN '{reason}'" for n, reason in enumerate(REASONS))
    delivered = SECONDS["delivered"]
    execute(f"""
INSERT INTO "return_request" (order_id, customer_id, status, resolution, reason, comment, decision, decision_reasons,
                              refund_amount, currency, requested_via, requested_by, decided_by, decision_note,
                              created_at, status_changed_at)
SELECT o.id, o.customer_id, CASE WHEN (o.id / {RETURN_EVERY}) % 10 = 0 THEN 'rejected' ELSE 'refunded' END, 'refund',
       CASE (o.id / {RETURN_EVERY}) % {len(REASONS)} {reasons} END, '', 'manual', '[]',
       CASE WHEN (o.id / {RETURN_EVERY}) % 10 = 0 THEN 0 ELSE o.subtotal / (1 + o.id % 5) END, o.currency, 'api',
       'bench', 'bench', '',
       {after_created(f"{delivered} + 259200")}, {after_created(f"{delivered} + 259200")}
FROM "order" o WHERE o.status = 'delivered' AND o.id % {RETURN_EVERY} = 0""")
    execute("""
INSERT INTO "return_line" (return_request_id, order_line_id, quantity, unit_price, condition, inspection_note)
SELECT r.id, ol.id, 1, ol.unit_price, 'resellable', ''
FROM "return_request" r JOIN "order_line" ol ON ol.order_id = r.order_id""")
    execute(f"""
INSERT INTO "order_feedback" (order_id, rating, comment, created_at)
SELECT o.id, 1 + (o.id * 7) % 5, '', {after_created(f"{delivered} + 86400")}
FROM "order" o WHERE o.status = 'delivered' AND o.id % {FEEDBACK_EVERY} = 0""")


def _seed_snapshots() -> None:
    """A snapshot of every stock row on every day of the book, with its running total and count of days."""
    first, last = database.execute_sql('SELECT MIN(date(created_at)), MAX(date(created_at)) FROM "order"').fetchone()
    if first is None:
        return
    days = (f"""WITH RECURSIVE d(day) AS (SELECT date('{first}') UNION ALL
              SELECT date(day, '+1 day') FROM d WHERE day < date('{last}'))"""
            if is_sqlite() else
            f"""WITH d(day) AS (SELECT CAST(g AS DATE) FROM generate_series(DATE '{first}', DATE '{last}',
              INTERVAL '1 day') AS g)""")
    execute(f"""{days},
h AS (SELECT d.day, s.id AS stock_id, s.product_id, s.warehouse_id,
             200 + (s.id * 37 + {_day_number("d.day")} * 13) % 600 AS on_hand
      FROM d, "stock" s)
INSERT INTO "stock_snapshot" (day, stock_id, product_id, warehouse_id, on_hand, on_hand_total, days)
SELECT day, stock_id, product_id, warehouse_id, on_hand,
       SUM(on_hand) OVER (PARTITION BY stock_id ORDER BY day), ROW_NUMBER() OVER (PARTITION BY stock_id ORDER BY day)
FROM h""")


def _day_number(day: str) -> str:
    return f"CAST(julianday({day}) AS INTEGER)" if is_sqlite() else f"({day} - DATE '2000-01-01')"
