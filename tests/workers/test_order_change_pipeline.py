"""Changing orders after placement on the production stack: PostgreSQL, RabbitMQ, `oms worker` and `oms relay` as
real processes. An allocated order's lines and region change, and a phone order keyed with a region no warehouse
serves (held, released, backordered) gets its region corrected: both are reviewed, allocated and shipped again
with the stock right."""
from __future__ import annotations

import pytest

from models.invariants import run_checks
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.change_tables import OrderChange
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.shipping.tables import Shipment
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.pipeline_support import running_sandbox, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def api(tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    make_world(on_hand=1000)
    allow_repeat_orders()
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client = app.test_client()
    client.call = lambda method, url, body=None: client.open(url, method=method, json=body, headers=headers)
    return client


def status(order_id: int) -> str:
    return Order.select(Order.status).where(Order.id == order_id).scalar()


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select(Stock.on_hand, Stock.reserved).join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


def test_changed_orders_are_reviewed_allocated_and_shipped_again(stack, api):
    stack.start("worker", "worker")
    stack.start("relay", "relay")
    # No carrier yet: the first shipment waits for its waybill, so nothing leaves before the change.
    placed = api.call("POST", "/api/v1/orders", order_body("API-1")).get_json()["id"]
    keyed = api.call("POST", "/api/v1/orders", order_body("PHONE-1", region="R9", channel="phone")).get_json()["id"]
    wait_until(lambda: status(placed) == "allocated" and status(keyed) == "on_hold", timeout=60,
               what="one order allocated, the other held for its region")
    assert stock("EAST", "WIDGET") == (1000, 2) and stock("EAST", "GADGET") == (1000, 1)
    released = api.call("POST", f"/api/v1/orders/{keyed}/release", {"comment": "the customer confirms"})
    assert released.status_code == 200, released.get_json()
    wait_until(lambda: status(keyed) == "backordered", timeout=60, what="the R9 order backordered")

    changed = api.call("PATCH", f"/api/v1/orders/{placed}", {
        "ship_to": {"region": "R2"}, "lines": [{"sku": "WIDGET", "quantity": 5}, {"sku": "GADGET", "quantity": 3}],
        "note": "customer moved"})
    assert changed.status_code == 200, changed.get_json()
    # reviewed again before the answer; the workers may already have allocated or shipped it since
    assert changed.get_json()["status"] in {"approved", "allocated", "shipped"}
    # given back in the change's own transaction; read before the R1 correction, which the workers may allocate
    # from EAST the moment it commits
    assert stock("EAST", "WIDGET") == (1000, 0)
    assert api.call("PATCH", f"/api/v1/orders/{keyed}", {"ship_to": {"region": "R1"}}).status_code == 200

    with running_sandbox():
        wait_until(lambda: status(placed) == "shipped" and status(keyed) == "shipped", timeout=120,
                   what="both changed orders shipped")
    assert stock("WEST", "WIDGET") == (995, 0) and stock("WEST", "GADGET") == (997, 0)  # R2 ships from WEST
    assert stock("EAST", "WIDGET") == (998, 0) and stock("EAST", "GADGET") == (999, 0)  # the corrected R1 order
    assert [(line.sku, line.quantity) for line in OrderLine.select().where(OrderLine.order == placed)
            .order_by(OrderLine.line_no)] == [("WIDGET", 5), ("GADGET", 3)]
    assert {r.status for r in Reservation.select().join(OrderLine).where(OrderLine.order.in_([placed, keyed]))} == {
        "fulfilled"}
    assert sorted(s.status for s in Shipment.select().where(Shipment.order == placed)) == ["cancelled", "dispatched"]
    history = api.call("GET", f"/api/v1/orders/{placed}/changes").get_json()
    assert [change["outcome"] for change in history["changes"]] == ["approved"]
    assert OrderChange.select().count() == 2
    assert all(not problems for problems in run_checks().values()), run_checks()
