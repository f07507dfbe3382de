"""The partial indexes of migrations 0034 and 0035 serve the reads they were kept for (PostgreSQL; with sequential scans
off, as on a table big enough for the planner to prefer the index)."""
from datetime import datetime

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.operations import stuck_work
from models.orders.states import ORDER_ON_HOLD
from models.orders.tables import Order, Reservation
from models.reports import inventory_rollup


def _plan(query) -> str:
    sql, params = query.sql()
    with database.atomic():
        database.execute_sql("SET LOCAL enable_seqscan = off")
        return "\n".join(row[0] for row in database.execute_sql(f"EXPLAIN {sql}", params).fetchall())


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_reads_by_one_status_use_the_indexes_that_keep_only_that_status(any_db):
    cutoff = datetime(2026, 1, 1)
    assert "order_status_status_changed_at" in _plan(stuck_work._orders(cutoff))
    held = Order.select(Order.id).where(Order.status == ORDER_ON_HOLD).order_by(Order.status_changed_at)
    assert "order_status_status_changed_at" in _plan(held)
    active = Reservation.select(Reservation.id).where(Reservation.stock == 7, Reservation.status == "active")
    assert "reservation_active_stock" in _plan(active)
    assert "reservation_fulfilled_at" in _plan(inventory_rollup._shipped(cutoff))
    for status in ("received", "shipped", "backordered", "delivered"):
        reached = StatusChange.select(StatusChange.entity_id).where(
            StatusChange.entity == "order", StatusChange.to_status == status, StatusChange.at >= cutoff)
        assert "statuschange_entity_to_status_at" in _plan(reached)
    assert "statuschange_entity_to_status_at" in _plan(inventory_rollup._backordered(cutoff))


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_a_shipped_order_and_an_active_reservation_stay_out_of_the_indexes_not_kept_for_them(any_db):
    definitions = dict(database.execute_sql("SELECT indexname, indexdef FROM pg_indexes").fetchall())
    assert "WHERE" in definitions["order_status_status_changed_at"]
    assert "'shipped'" in definitions["order_status_status_changed_at"]
    assert "'active'" in definitions["reservation_active_stock"]
    assert "'fulfilled'" in definitions["reservation_fulfilled_at"]
    assert "'approved'" not in definitions["statuschange_entity_to_status_at"]
    assert "'shipped'" in definitions["statuschange_entity_to_status_at"]
    assert not {"reservation_warehouse_id", "stockmovement_warehouse_id", "reservation_stock_id_status",
                "reservation_status_updated_at", "shipmentevent_shipment_id", "orderreview_rule_set_id"} \
        & set(definitions)
    assert "shipmentevent_shipment_id_kind_booking" in definitions  # what reads events by shipment
