"""The inventory rollup the sweep keeps equals the figures computed here from the raw rows and a rebuild, on SQLite
and PostgreSQL; the daily snapshot is taken once a day and carries the days the scheduler missed."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.core.base import utc_now
from models.intake.entry import place_order
from models.inventory.moves import adjust_stock
from models.inventory.tables import Stock
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order, Reservation
from models.reports.inventory_rollup import (
    keep_inventory_figures,
    rebuild_inventory_rollup,
    refresh_inventory_rollup,
    take_snapshot,
)
from models.reports.inventory_tables import (
    InventoryDay,
    InventoryRollupMark,
    StockSnapshot,
)
from models.shipping.dispatch import prepare_waybill, record_waybill
from schemas.orders import order_schema
from tests.factories import (
    ACTOR,
    allow_repeat_orders,
    book_waybills,
    make_world,
    order_body,
    sandbox_choice,
)
from tests.models.reports.inventory_raw import kept_days, raw_days


def placed(ref: str, lines: list[dict]) -> Order:
    order, created = place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")
    assert created
    return order


def ship(order: Order) -> None:
    for shipment_id in create_shipments(order.id, actor=ACTOR):
        assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
        assert record_waybill(shipment_id, waybill_number=f"SBX-{shipment_id}", tracking_url="", actor=ACTOR)


@pytest.fixture
def moved(any_db):
    """Orders shipped from stock, one backordered then filled and shipped, one left waiting on backorder."""
    world = make_world(on_hand=5)
    allow_repeat_orders()
    book_waybills(placed("PO-1", [{"sku": "WIDGET", "quantity": 2}, {"sku": "GADGET", "quantity": 1}]))
    big = placed("PO-BIG", [{"sku": "WIDGET", "quantity": 20}])
    assert review(big.id, actor=ACTOR) == "approve"
    assert allocate(big.id, actor=ACTOR) == "backordered"
    waiting = placed("PO-WAIT", [{"sku": "GADGET", "quantity": 50}])
    assert review(waiting.id, actor=ACTOR) == "approve"
    assert allocate(waiting.id, actor=ACTOR) == "backordered"
    return world, big


def filled_later(big: Order) -> None:
    adjust_stock("EAST", "WIDGET", 30, reason_code="found", actor="test")
    assert allocate(big.id, actor=ACTOR) == "allocated"
    ship(big)


def test_the_refreshed_rollup_equals_the_raw_figures_and_a_rebuild(moved):
    world, big = moved
    refresh_inventory_rollup()
    assert kept_days() == raw_days()
    filled_later(big)
    refresh_inventory_rollup()  # a second refresh picks up what moved since the first
    kept = kept_days()
    assert kept == raw_days()
    today = utc_now().date()
    widget, gadget, east = world["widget"].id, world["gadget"].id, world["east"].id
    assert kept[(today, widget, east)] == (22, 20, 22, 0)  # PO-1's 2 and PO-BIG's 20, refilled after backorder
    assert kept[(today, widget, None)] == (0, 0, 0, 20)
    assert kept[(today, gadget, None)] == (0, 0, 0, 50)
    rebuild_inventory_rollup()
    assert kept_days() == kept


def test_days_before_the_refresh_window_are_kept_and_a_rebuild_recomputes_them(moved):
    world, _ = moved
    long_ago = utc_now().date() - timedelta(days=40)
    InventoryDay.create(day=long_ago, product=world["widget"].id, warehouse=world["east"].id, units_shipped=99)
    InventoryRollupMark.create(name="inventory", started_at=utc_now() - timedelta(minutes=5))
    refresh_inventory_rollup()
    kept = kept_days()
    assert kept.pop((long_ago, world["widget"].id, world["east"].id)) == (0, 0, 99, 0)
    assert kept == raw_days()
    rebuild_inventory_rollup()
    assert kept_days() == raw_days()


def test_rows_dated_on_other_days_land_on_their_days(moved):
    world, big = moved
    filled_later(big)
    three_days_ago = utc_now() - timedelta(days=3)
    Reservation.update(created_at=three_days_ago).where(Reservation.quantity == 20).execute()
    rebuild_inventory_rollup()
    kept = kept_days()
    assert kept == raw_days()
    # dated before the order went to backorder, the reservation now counts as a first fill
    assert kept[(three_days_ago.date(), world["widget"].id, world["east"].id)] == (20, 0, 0, 0)


def test_the_snapshot_is_taken_once_a_day_and_carries_missed_days(any_db):
    make_world(on_hand=7)
    first = date(2026, 3, 1)
    assert take_snapshot(first) == 4
    assert take_snapshot(first) == 0  # idempotent within the day
    Stock.update(on_hand=Stock.on_hand + 3).execute()
    assert take_snapshot(first + timedelta(days=3)) == 12  # two carried days and the day itself
    by_day = {}
    for row in StockSnapshot.select():
        by_day.setdefault(row.day, set()).add(row.on_hand)
    assert by_day == {first: {7}, first + timedelta(days=1): {7}, first + timedelta(days=2): {7},
                      first + timedelta(days=3): {10}}
    running = {(row.day, row.on_hand_total, row.days) for row in StockSnapshot.select()}
    assert running == {(first, 7, 1), (first + timedelta(days=1), 14, 2), (first + timedelta(days=2), 21, 3),
                       (first + timedelta(days=3), 31, 4)}


def test_the_sweep_keeps_both(moved):
    keep_inventory_figures()
    assert StockSnapshot.select().where(StockSnapshot.day == utc_now().date()).count() == 4
    assert kept_days() == raw_days()
    assert keep_inventory_figures() == len(raw_days())  # a second pass recomputes today, the same rows
    assert StockSnapshot.select().count() == 4


def test_a_refresh_is_nudged_once_per_period_whether_or_not_a_worker_took_it_up(db):
    from models.core.outbox import OutboxMessage
    from models.reports.inventory_rollup import (
        REFRESH_EVERY,
        schedule_inventory_refresh,
    )

    start = utc_now()
    assert schedule_inventory_refresh(now=start) is True
    assert schedule_inventory_refresh(now=start + REFRESH_EVERY / 2) is False  # the nudge waits: no second one
    OutboxMessage.update(sent_at=start).execute()
    assert schedule_inventory_refresh(now=start + REFRESH_EVERY / 2) is False  # sent, not yet run: still none
    keep_inventory_figures(start + REFRESH_EVERY / 2)
    assert schedule_inventory_refresh(now=start + REFRESH_EVERY) is False  # refreshed since
    assert schedule_inventory_refresh(now=start + REFRESH_EVERY * 2) is True
    assert [row.args for row in OutboxMessage.select().order_by(OutboxMessage.id)] == [["inventory"], ["inventory"]]
