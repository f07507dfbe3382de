"""Orders just shipped, counted on PostgreSQL in one statement: the same rollup rows as the statement per table that
SQLite and the rebuild run, and as the figures computed from the raw rows."""
from __future__ import annotations

from datetime import timedelta

from models.intake.entry import place_order
from models.orders.tables import Order
from models.reports.cycle_rules import SHIP_STEPS
from models.reports.rollup_sql import (
    ROLLUP_TABLES,
    Selection,
    add_cycle_times,
    add_sales,
    clear,
)
from models.reports.sales_rollup import record_orders_shipped
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, book_waybills, make_world, order_body
from tests.models.reports.raw_figures import kept_rollups, raw_rollups

BODIES = [order_body("ONE-1"), order_body("ONE-2", channel="portal", region="R2"),
          order_body("ONE-3", lines=[{"sku": "WIDGET", "quantity": 5, "unit_price": "10.50"},
                                     {"sku": "GADGET", "quantity": 2}]),
          order_body("ONE-4", channel="email")]


def _shipped_ids() -> list[int]:
    make_world(on_hand=500)
    allow_repeat_orders()
    ids = []
    for body in BODIES:
        order, _ = place_order(order_schema.load(body), actor="test")
        book_waybills(order)
        ids.append(order.id)
    assert {order.status for order in Order.select().where(Order.id.in_(ids))} == {"shipped"}
    return ids


def _cleared() -> None:
    for table in ROLLUP_TABLES:
        clear(table, None, None)


def test_orders_just_shipped_are_counted_in_one_statement_as_the_statement_per_table_counts_them(
        pg_rolled_back, statements):
    ids = _shipped_ids()
    # placed earlier than they were: each step of theirs falls in a bucket of its own, not all under a second
    for hours, order_id in zip((3, 27, 0.5), ids):
        Order.update(created_at=Order.created_at - timedelta(hours=hours)).where(Order.id == order_id).execute()
    _cleared()
    statements.clear()
    record_orders_shipped(ids)
    assert len(statements) == 1
    kept = kept_rollups()
    assert kept == raw_rollups()
    assert len({bucket for (_, step, bucket) in kept[2] if step == "received_to_shipped"}) == 4
    _cleared()
    add_sales(Selection(ids=ids, just_shipped=True))
    add_cycle_times(Selection(ids=ids, just_shipped=True), SHIP_STEPS)
    assert kept_rollups() == kept
