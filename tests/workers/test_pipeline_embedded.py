"""The whole pipeline on the embedded default: SQLite, the in-process broker, real sandbox carrier and
a real portal server receiving the carrier's signed tracking events."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.inventory.tables import Stock
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.shipping.tables import Shipment, Waybill
from models.sweeper import redrive_stuck_orders
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.pipeline_support import (
    Lost,
    Twice,
    drain,
    running_portal,
    running_sandbox,
    sandbox_waybills,
    wait_until,
)
from workers.relay import relay_once


@pytest.fixture
def world(db):
    world = make_world()
    allow_repeat_orders()  # pipeline mechanics: identical orders on purpose
    return world


@pytest.fixture
def app(tmp_path, sqlite_url, db):
    return create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url), test_config={"TESTING": True})


@pytest.fixture
def api(app, world):
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    token = ApiToken.issue(user)
    client = app.test_client()

    def post(body):
        return client.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})

    def get(order_id):
        return client.get(f"/api/v1/orders/{order_id}", headers={"Authorization": f"Bearer {token}"})

    return post, get


def test_api_orders_reach_shipped_with_a_sandbox_waybill(api, worker):
    post, get = api
    with running_sandbox() as carrier_url:
        ids = [post(order_body(f"PO-{n}")).get_json()["id"] for n in range(3)]
        drain(worker)
        waybills = sandbox_waybills(carrier_url)
    for order_id in ids:
        resource = get(order_id).get_json()
        assert resource["status"] == "shipped", resource["audit_trail"]
        [shipment] = resource["shipments"]
        assert shipment["warehouse"] == "EAST"  # cheapest lane to R1 that can fill the order
        assert resource["allocation"]["plan"]["chosen"]["sources"] == ["EAST"]
        assert "Runner-up: WEST" in resource["allocation"]["plan"]["explanation"]
        assert shipment["waybill_number"].startswith("SBX")
        assert [a["to_status"] for a in resource["audit_trail"]] == [
            "received", "reviewing", "approved", "allocated", "shipped"]
    assert len(waybills) == 3
    assert all(not v for v in run_checks().values()), run_checks()


def test_every_stage_message_delivered_twice_has_one_effect(api, worker):
    post, _ = api
    with running_sandbox() as carrier_url:
        ids = [post(order_body(f"DUP-{n}")).get_json()["id"] for n in range(4)]
        drain(worker, via=Twice())
        waybills = sandbox_waybills(carrier_url)
    assert Order.select().where(Order.id.in_(ids), Order.status == "shipped").count() == 4
    lines = OrderLine.select().join(Order).where(Order.id.in_(ids)).count()
    assert Reservation.select().count() == lines  # one reservation per line
    assert Shipment.select().count() == 4
    assert Waybill.select().where(Waybill.status == "issued").count() == 4
    assert len(waybills) == 4  # the carrier issued one per shipment, not one per delivery
    assert all(not v for v in run_checks().values()), run_checks()


def test_crash_between_commit_and_publish_is_recovered_by_the_relay(api, worker):
    post, get = api
    order_id = post(order_body("CRASH-1")).get_json()["id"]
    # The process "crashed" right after the commit: nothing was published, the row waits.
    assert OutboxMessage.unsent().count() == 1
    assert Order.get_by_id(order_id).status == "reviewing"
    with running_sandbox():
        drain(worker)  # a relay started after the crash publishes the committed row
    assert get(order_id).get_json()["status"] == "shipped"


def test_lost_message_is_redriven_by_the_sweeper(api, worker):
    post, get = api
    order_id = post(order_body("LOST-1")).get_json()["id"]
    relay_once(Lost())  # published and marked sent, then lost by the broker
    assert Order.get_by_id(order_id).status == "reviewing"
    assert not OutboxMessage.unsent().exists()
    with running_sandbox():
        assert redrive_stuck_orders(timedelta(seconds=-1)) == {"reviewing": 1}
        drain(worker)
    assert get(order_id).get_json()["status"] == "shipped"


def test_lost_carrier_reply_still_gives_exactly_one_waybill(api, worker):
    post, get = api
    with running_sandbox(fault_lost_reply_rate=1.0, seed=1) as carrier_url:
        order_id = post(order_body("LOSTREPLY-1")).get_json()["id"]
        drain(worker)
        resource = get(order_id).get_json()
        waybills = sandbox_waybills(carrier_url)
    # The carrier created the waybill but the answer never came; the worker found it by reference.
    assert len(waybills) == 1
    assert resource["status"] == "shipped"
    assert resource["shipments"][0]["waybill_number"] == waybills[0]["waybill_number"]


def test_over_limit_order_is_held_and_blocked_customer_rejected(api, worker, world):
    post, get = api
    world["customer"].credit_limit = 30
    world["customer"].save()
    held = post(order_body("BIG-1")).get_json()["id"]
    world["distributor"].blocked = True
    world["distributor"].save()
    rejected = post(order_body("BLK-1", customer_code="DIST1")).get_json()["id"]
    drain(worker)
    assert get(held).get_json()["status"] == "on_hold"
    assert "credit_limit" in get(held).get_json()["status_reason"]
    assert get(rejected).get_json()["status"] == "rejected"
    assert Reservation.select().count() == 0


def test_order_no_warehouse_can_fill_is_backordered(api, worker):
    post, get = api
    # 100 widgets in each warehouse: 250 cannot be filled even split, and the default waits for complete
    order_id = post(order_body("HUGE-1", lines=[{"sku": "WIDGET", "quantity": 250}])).get_json()["id"]
    drain(worker)
    resource = get(order_id).get_json()
    assert resource["status"] == "backordered"
    assert "Ship complete: no plan fills every line" in resource["status_reason"]


def test_tracking_events_from_the_sandbox_deliver_the_order(app, api, worker):
    post, get = api
    with running_portal(app), running_sandbox(delivery_seconds=0.6):
        order_id = post(order_body("TRACK-1")).get_json()["id"]
        drain(worker)
        wait_until(lambda: get(order_id).get_json()["status"] == "delivered", timeout=15, what="delivery")
    resource = get(order_id).get_json()
    codes = [e["code"] for e in resource["shipments"][0]["tracking_events"]]
    assert codes == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert resource["shipments"][0]["status"] == "delivered"


def test_cancelling_an_allocated_order_releases_its_stock(api, app, world):
    post, get = api
    order_id = post(order_body("CANCEL-1")).get_json()["id"]
    for step in (review, allocate):  # the stages, without the shipping that would follow
        step(order_id, actor="test")
    assert get(order_id).get_json()["status"] == "allocated"
    assert sum(s.reserved for s in Stock.select()) == 3
    client = app.test_client()
    token = ApiToken.issue(create_user("agent@example.com", "ops_agent", password="secret-pass-2")[0])
    answer = client.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "customer called"},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert sum(s.reserved for s in Stock.select()) == 0
    assert Reservation.select().where(Reservation.status == "released").count() == 2
    again = client.post(f"/api/v1/orders/{order_id}/cancel", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 409
    assert create_shipments(order_id, actor="test") == []  # a late shipping message finds nothing to ship
    assert all(not v for v in run_checks().values()), run_checks()
