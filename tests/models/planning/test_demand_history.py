from datetime import date, datetime, timedelta

import pytest

from models.core.base import utc_now
from models.planning.demand_history import week_start, weekly_demand
from models.shipping.tables import Shipment, Waybill
from tests.factories import allow_repeat_orders, delivered_order, make_world
from tests.forecast_support import W0, at, ship


@pytest.fixture
def world(any_db):
    return make_world()


def series_by_key(**kwargs) -> dict:
    return {s.key: s for s in weekly_demand(**kwargs)}


def test_week_start_is_the_monday():
    assert week_start(datetime(2026, 1, 11, 23, 59)) == W0  # a Sunday night belongs to its Monday's week
    assert week_start(date(2026, 1, 12)) == W0 + timedelta(weeks=1)


def test_weekly_buckets_from_the_first_shipment_with_zeros_up_to_the_last_whole_week(world):
    ship(world, at(0), 3, ref="A")
    ship(world, at(0, day=6, hour=23, minute=59), 2, ref="B")  # Sunday night: still week 0
    ship(world, at(2, day=1), 5, ref="C")
    ship(world, at(4, day=1), 9, ref="D")  # the week under way: not over, left out
    found = series_by_key(as_of=at(4, day=2))
    east = found["WIDGET@EAST"]
    assert (east.start, list(east.quantities)) == (W0, [5, 0, 5, 0])
    assert (east.warehouse_code, east.sku, east.product_id) == ("EAST", "WIDGET", world["widget"].id)
    assert list(found["WIDGET@*"].quantities) == [5, 0, 5, 0]
    assert set(found) == {"WIDGET@EAST", "WIDGET@*"}


def test_the_all_warehouse_series_adds_every_warehouse_and_drop_ship(world):
    ship(world, at(0), 4, ref="A")
    ship(world, at(1), 6, warehouse="west", ref="B")
    ship(world, at(1, day=3), 7, warehouse=None, ref="C")  # drop-ship: no warehouse
    ship(world, at(2), 1, sku="gadget", ref="D")
    found = series_by_key(as_of=at(3))
    assert list(found["WIDGET@EAST"].quantities) == [4, 0, 0]
    assert (found["WIDGET@WEST"].start, list(found["WIDGET@WEST"].quantities)) == (W0 + timedelta(weeks=1), [6, 0])
    overall = found["WIDGET@*"]
    assert (overall.warehouse_id, overall.warehouse_code, list(overall.quantities)) == (None, None, [4, 13, 0])
    assert list(found["GADGET@EAST"].quantities) == [1] and list(found["GADGET@*"].quantities) == [1]
    assert sorted(found) == ["GADGET@*", "GADGET@EAST", "WIDGET@*", "WIDGET@EAST", "WIDGET@WEST"]


def test_only_shipments_that_left_count_dated_by_dispatch(world):
    ship(world, at(0), 2, ref="A")
    waiting = ship(world, at(0), 50, ref="B")
    Shipment.update(status="ready").where(Shipment.id == waiting).execute()
    cancelled = ship(world, at(0), 60, ref="C")
    Shipment.update(status="cancelled").where(Shipment.id == cancelled).execute()
    undated = ship(world, at(0), 3, ref="D")  # no waybill time: its last status change dates it
    Waybill.update(issued_at=None).where(Waybill.shipment == undated).execute()
    Shipment.update(status_changed_at=at(1, day=2)).where(Shipment.id == undated).execute()
    assert list(series_by_key(as_of=at(2))["WIDGET@EAST"].quantities) == [2, 3]


def test_products_filter_and_the_history_window(world):
    ship(world, at(0), 2, ref="A")
    ship(world, at(0), 5, sku="gadget", ref="B")
    ship(world, at(10), 1, ref="C")
    assert set(series_by_key(as_of=at(12), product_ids=[world["gadget"].id])) == {"GADGET@EAST", "GADGET@*"}
    recent = series_by_key(as_of=at(12), history_weeks=5)  # week 0 fell out of the window
    assert set(recent) == {"WIDGET@EAST", "WIDGET@*"}
    assert (recent["WIDGET@EAST"].start, list(recent["WIDGET@EAST"].quantities)) == (
        W0 + timedelta(weeks=10), [1, 0])


def test_no_shipments_no_series(world):
    assert weekly_demand() == []


def test_an_order_through_the_pipeline_counts_in_its_dispatch_week(db):
    make_world()
    allow_repeat_orders()
    delivered_order("PO-1", lines=[{"sku": "WIDGET", "quantity": 3}])
    now = utc_now()
    assert weekly_demand(as_of=now) == []  # its week is under way
    found = series_by_key(as_of=now + timedelta(weeks=1))
    assert list(found["WIDGET@EAST"].quantities) == [3]
    assert found["WIDGET@EAST"].start == week_start(now)
