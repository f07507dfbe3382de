"""An order's allocation plan is kept whole, and on PostgreSQL stored as written: a plan of some 2.3 KB is not
compressed on every insert (migration 0038)."""
from __future__ import annotations

import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.orders.allocation_plans import keep_plans, plan_of
from models.orders.tables import Order
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def place() -> Order:
    return place_order(order_schema.load(order_body()), actor="test")[0]


def a_plan(sources: int) -> dict:
    """A document the size of a real plan with ``sources`` sources weighed (~2.3 KB for three)."""
    considered = [{"source": f"WH-{n}", "lane": "4.50", "days": n, "fills": "3/3 lines", "note": "x" * 700}
                  for n in range(sources)]
    return {"rule_set_version": 1, "plan": {"complete": True, "considered": considered}}


@pytest.mark.postgres
def test_a_plan_is_stored_inline_and_uncompressed_on_postgresql(pg_db):
    make_world()
    order = place()
    keep_plans({order.id: a_plan(3)})
    stored, written = database.execute_sql(
        "SELECT pg_column_size(document_json), octet_length(document_json) FROM order_allocation_plan "
        "WHERE order_id = %s", (order.id,)).fetchone()
    assert written > 2100  # over PostgreSQL's default TOAST threshold: compressed without the table's setting
    assert stored >= written
    assert plan_of(order.id)["plan"]["considered"] == a_plan(3)["plan"]["considered"]


def test_a_plan_is_replaced_whole_on_sqlite(db):
    make_world()
    order = place()
    keep_plans({order.id: a_plan(1)})
    keep_plans({order.id: a_plan(2)})
    assert len(plan_of(order.id)["plan"]["considered"]) == 2
    assert Order.get_by_id(order.id).allocation_plan.get().order_id == order.id
