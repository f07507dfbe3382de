"""Drop-ship on the production stack: PostgreSQL, RabbitMQ, `oms worker` and `oms relay` as real processes, the
sandbox carrier for the warehouse part, and the supplier working through the API: a drop-ship order and a mixed
order reach delivered with the supplier's tracking number."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from models.invariants import run_checks
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.supply.tables import PurchaseOrder
from portal.app import create_app
from tests.conftest import settings_for
from tests.dropship_support import DROP_ONLY, MIXED, add_dropship
from tests.factories import make_world, order_body
from tests.pipeline_support import running_portal, running_sandbox, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def api(tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    make_world(on_hand=1000)
    add_dropship()
    ops, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    supplier, _ = create_user("sup1@example.com", "supplier", partner_code="SUP1", password="secret-pass-1")
    client = app.test_client()
    client.ops = {"Authorization": f"Bearer {ApiToken.issue(ops)}"}
    client.supplier = {"Authorization": f"Bearer {ApiToken.issue(supplier)}"}
    client.flask_app = app
    return client


def _status(order_id: int) -> str:
    return Order.select(Order.status).where(Order.id == order_id).scalar()


def _sent_purchase(order_id: int) -> bool:
    return PurchaseOrder.select().where(PurchaseOrder.sales_order == order_id, PurchaseOrder.status == "sent").exists()


def _waybills(api, order_id: int) -> list:
    return [s["waybill_status"] for s in api.get(f"/api/v1/orders/{order_id}", headers=api.ops).get_json()["shipments"]]


def _supplier_ships(api, order_id: int, tracking_number: str) -> tuple[str, int]:
    """SUP1 finds its drop-ship order for the sales order, confirms it and announces the parcel; (number, ASN id)."""
    listed = api.get(f"/api/v1/purchase-orders?kind=drop_ship&order_id={order_id}", headers=api.supplier).get_json()
    [purchase] = listed["items"]
    lines = [{"sku": line["sku"], "quantity": line["quantity"], "promised_date": str(date.today())}
             for line in purchase["lines"]]
    confirmed = api.post(f"/api/v1/purchase-orders/{purchase['number']}/confirmation", json={"lines": lines},
                         headers=api.supplier)
    assert confirmed.status_code == 200, confirmed.text
    asn = api.post(f"/api/v1/purchase-orders/{purchase['number']}/asns", headers=api.supplier, json={
        "lines": [{"sku": line["sku"], "quantity": line["quantity"]} for line in lines], "carrier": "DHL Express",
        "tracking_number": tracking_number, "expected_on": str(date.today() + timedelta(days=2))})
    assert asn.status_code == 201, asn.text
    return purchase["number"], asn.get_json()["id"]


def _delivered_by_supplier(api, number: str, asn_id: int) -> None:
    now = datetime.now(timezone.utc)
    body = {"events": [{"code": "in_transit", "occurred_at": (now - timedelta(hours=2)).isoformat()},
                       {"code": "delivered", "occurred_at": now.isoformat(), "location": "Springfield"}]}
    answer = api.post(f"/api/v1/purchase-orders/{number}/asns/{asn_id}/events", json=body, headers=api.supplier)
    assert answer.status_code == 200 and answer.get_json()["stored"] == 2, answer.text


def test_drop_ship_and_mixed_orders_reach_delivered_with_the_suppliers_tracking_number(stack, api):
    with running_sandbox(delivery_seconds=1.0), running_portal(api.flask_app):
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        drop = api.post("/api/v1/orders", json=order_body("DROP-1", lines=DROP_ONLY), headers=api.ops).get_json()["id"]
        mixed = api.post("/api/v1/orders", json=order_body("MIX-1", lines=MIXED), headers=api.ops).get_json()["id"]
        wait_until(lambda: _sent_purchase(drop) and _sent_purchase(mixed), timeout=60, what="drop-ship POs sent")
        # The warehouse part of the mixed order ships; both orders then wait for the supplier, left alone by the
        # sweeper (stuck after 3 s in this stack).
        wait_until(lambda: _waybills(api, mixed) == ["issued"], timeout=60, what="the mixed order's waybill")
        # (re-driven earlier only if a stage was slow before allocation)
        redriven = {order_id: Order.get_by_id(order_id).redriven_at for order_id in (drop, mixed)}
        time.sleep(4)
        assert (_status(drop), _status(mixed)) == ("allocated", "allocated")
        assert {order_id: Order.get_by_id(order_id).redriven_at for order_id in (drop, mixed)} == redriven
        assert api.get(f"/api/v1/orders/{drop}", headers=api.ops).get_json()["awaiting_supplier"] is True

        shipped = {order_id: _supplier_ships(api, order_id, f"JD-{order_id}") for order_id in (drop, mixed)}
        assert (_status(drop), _status(mixed)) == ("shipped", "shipped")
        for order_id, (number, asn_id) in shipped.items():
            _delivered_by_supplier(api, number, asn_id)
        wait_until(lambda: _status(drop) == _status(mixed) == "delivered", timeout=60, what="both delivered")

        for order_id in (drop, mixed):
            resource = api.get(f"/api/v1/orders/{order_id}", headers=api.ops).get_json()
            by_supplier = [s for s in resource["shipments"] if s["supplier"] == "SUP1"]
            assert [(s["carrier"], s["tracking_number"], s["status"]) for s in by_supplier] == \
                [("DHL Express", f"JD-{order_id}", "delivered")]
            assert [part["status"] for part in resource["drop_ship"]] == ["closed"]
        assert all(not problems for problems in run_checks().values()), run_checks()
