"""Returns on the embedded default: SQLite, the in-process broker, the real sandbox carrier for reverse labels
and a real portal server receiving tracking events; the API as channels and ops use it."""
from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from models.invariants import run_checks
from models.inventory.tables import Stock
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.receivables.ledger import Invoice
from models.returns.tables import Refund, ReturnLabel
from models.shipping.tables import Shipment, Waybill
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.pipeline_support import (
    drain,
    running_portal,
    running_sandbox,
    sandbox_waybills,
    wait_until,
)


@pytest.fixture
def api(tmp_path, sqlite_url, db):
    world = make_world(on_hand=100)
    allow_repeat_orders()
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url), test_config={"TESTING": True})
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    client = app.test_client()
    client.headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client.app_under_test, client.world = app, world
    return client


def delivered_order(api, worker, carrier_url: str, ref: str) -> int:
    """An order placed through the API, shipped by the pipeline and delivered by the carrier's events."""
    order_id = api.post("/api/v1/orders", json=order_body(ref), headers=api.headers).get_json()["id"]
    drain(worker)
    for (number,) in Waybill.select(Waybill.waybill_number).join(Shipment).where(Shipment.order == order_id).tuples():
        answer = requests.post(f"{carrier_url}/waybills/{number}/events", json={"code": "delivered"}, timeout=10)
        assert answer.json()["delivered"] is True
    wait_until(lambda: Order.get_by_id(order_id).status == "delivered", timeout=10, what="order delivered")
    return order_id


def ask(api, order_id: int, **body) -> dict:
    body = {"order_id": order_id, "resolution": "refund", "reason": "damaged", "comment": "",
            "lines": [{"sku": "WIDGET", "quantity": 1}]} | body
    response = api.post("/api/v1/returns", json=body, headers=api.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(api, return_id: int, what: str, body: dict | None = None) -> dict:
    response = api.post(f"/api/v1/returns/{return_id}/{what}", json=body or {}, headers=api.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def on_hand(api, sku_product) -> int:
    return Stock.get(Stock.warehouse == api.world["east"], Stock.product == sku_product).on_hand


def test_auto_approved_refund_goes_label_receipt_inspection_refund_closed(api, worker):
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        order_id = delivered_order(api, worker, carrier_url, "RET-1")
        before = on_hand(api, api.world["widget"])
        created = ask(api, order_id)
        assert (created["status"], created["decision"], created["reasons"]) == ("approved", "auto_approved", [])
        drain(worker)
        label = ReturnLabel.get(ReturnLabel.return_request == created["id"])
        assert label.status == "issued"
        assert [w["waybill_number"] for w in sandbox_waybills(carrier_url)].count(label.waybill_number) == 1
        assert step(api, created["id"], "receive")["status"] == "received"
        line_id = created["lines"][0]["id"]
        inspected = step(api, created["id"], "inspection", {"lines": [{"line_id": line_id, "condition": "resellable"}]})
        assert inspected["status"] == "inspected"
        drain(worker)
    final = api.get(f"/api/v1/returns/{created['id']}", headers=api.headers).get_json()
    assert final["status"] == "closed"
    assert final["refund"]["amount"] == "10.00" and final["refund"]["method"] == "credit_note"
    assert on_hand(api, api.world["widget"]) == before + 1
    invoice = Invoice.get(Invoice.order == order_id)
    assert invoice.paid == Decimal("10.00")  # the credit note paid part of the order's invoice
    assert [h["to_status"] for h in final["history"]] == [
        "requested", "approved", "label_issued", "received", "inspected", "refunded", "closed"]
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_a_return_the_rules_do_not_approve_waits_for_ops_then_runs_on(api, worker):
    with running_sandbox(), running_portal(api.app_under_test):
        order_id = delivered_order(api, worker, api.app_under_test.config["OMS_SETTINGS"].carrier_url, "RET-2")
        created = ask(api, order_id, reason="no_longer_needed")
        assert (created["status"], created["decision"]) == ("requested", "manual")
        assert [r["code"] for r in created["reasons"]] == ["reason"]
        drain(worker)
        assert not ReturnLabel.select().exists()
        assert step(api, created["id"], "approve", {"note": "goodwill"})["status"] == "approved"
        drain(worker)
    assert ReturnLabel.get(ReturnLabel.return_request == created["id"]).status == "issued"


def test_an_exchange_places_a_free_replacement_order_that_reserves_stock(api, worker):
    with running_sandbox(), running_portal(api.app_under_test):
        order_id = delivered_order(api, worker, api.app_under_test.config["OMS_SETTINGS"].carrier_url, "RET-3")
        created = ask(api, order_id, resolution="exchange", reason="defective")
        drain(worker)
    request = api.get(f"/api/v1/returns/{created['id']}", headers=api.headers).get_json()
    replacement = Order.get_by_id(request["replacement_order_id"])
    assert (replacement.channel, replacement.total, replacement.status) == ("exchange", Decimal("0.00"), "shipped")
    assert Refund.select().count() == 0


def test_more_than_delivered_is_refused_naming_the_line(api, worker):
    with running_sandbox(), running_portal(api.app_under_test):
        order_id = delivered_order(api, worker, api.app_under_test.config["OMS_SETTINGS"].carrier_url, "RET-4")
    response = api.post("/api/v1/returns", json={
        "order_id": order_id, "resolution": "refund", "reason": "damaged",
        "lines": [{"sku": "WIDGET", "quantity": 3}]}, headers=api.headers)
    assert response.status_code == 422
    assert "lines[0].quantity" in response.get_json()["errors"]
