"""Returns on the production stack: `oms worker` and `oms relay` processes on PostgreSQL and RabbitMQ, the
sandbox carrier issuing reverse labels and posting its signed tracking events to a real portal server, and the
API as channels and ops use it. Each test ends with every `oms check` invariant holding."""
from __future__ import annotations

import signal
import time
from decimal import Decimal

import dramatiq
import pytest
import requests
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from models.core.outbox import OutboxMessage
from models.core.stages import RETURNS
from models.invariants import run_checks
from models.inventory.tables import Product, Stock
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken, Partner
from models.receivables.ledger import Invoice
from models.returns.tables import Refund, ReturnLabel, ReturnLine, ReturnRequest
from models.review.reviews import latest_review
from models.shipping.tables import Shipment, Waybill
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import (
    running_portal,
    running_sandbox,
    sandbox_waybills,
    wait_until,
)
from tests.workers.conftest import queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def api(tmp_path, postgres_url, pg_db):
    """The portal's API on the test database, with a token per ops role; also served for the carrier's events."""
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    world = make_world(on_hand=100)
    tokens = {}
    for role in ("ops_admin", "ops_agent"):
        user, _ = create_user(f"{role}@example.com", role, password="secret-pass-1")
        tokens[role] = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client = app.test_client()
    client.tokens, client.app_under_test, client.world = tokens, app, world
    return client


def start_pipeline(stack) -> None:
    stack.start("worker", "worker")
    stack.start("relay", "relay")


def status_of(order_id: int) -> str:
    return Order.select(Order.status).where(Order.id == order_id).scalar()


def return_status(return_id: int) -> str:
    return ReturnRequest.select(ReturnRequest.status).where(ReturnRequest.id == return_id).scalar()


def delivered_order(api, carrier_url: str, ref: str, *, lines: list[dict] | None = None,
                    customer_code: str = "CUST1") -> int:
    """An order placed through the API, shipped by the workers and delivered by the carrier's signed events."""
    answer = api.post("/api/v1/orders", json=order_body(ref, lines=lines, customer_code=customer_code),
                      headers=api.tokens["ops_admin"])
    assert answer.status_code == 202, answer.get_json()
    order_id = answer.get_json()["id"]
    wait_until(lambda: status_of(order_id) == "shipped", timeout=60, what=f"order {ref} shipped")
    for (number,) in Waybill.select(Waybill.waybill_number).join(Shipment).where(
            Shipment.order == order_id, Waybill.status == "issued").tuples():
        posted = requests.post(f"{carrier_url}/waybills/{number}/events", json={"code": "delivered"}, timeout=10)
        assert posted.json()["delivered"] is True, posted.json()
    wait_until(lambda: status_of(order_id) == "delivered", timeout=20, what=f"order {ref} delivered")
    return order_id


def ask(api, order_id: int, **body) -> dict:
    body = {"order_id": order_id, "resolution": "refund", "reason": "damaged", "comment": "",
            "lines": [{"sku": "WIDGET", "quantity": 1}]} | body
    response = api.post("/api/v1/returns", json=body, headers=api.tokens["ops_admin"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def step(api, return_id: int, what: str, body: dict | None = None, *, role: str = "ops_admin") -> dict:
    response = api.post(f"/api/v1/returns/{return_id}/{what}", json=body or {}, headers=api.tokens[role])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def fetch(api, return_id: int) -> dict:
    return api.get(f"/api/v1/returns/{return_id}", headers=api.tokens["ops_admin"]).get_json()


def issued_label(return_id: int) -> ReturnLabel:
    wait_until(lambda: ReturnLabel.select().where(ReturnLabel.return_request == return_id,
                                                  ReturnLabel.status == "issued").exists(),
               timeout=60, what=f"the label of return {return_id} issued")
    return ReturnLabel.get(ReturnLabel.return_request == return_id)


def live_labels_at_carrier(carrier_url: str, return_id: int) -> list[dict]:
    """The carrier's live waybills booked for this return, whatever idempotency key was used."""
    order_ref = Order.select(Order.external_ref).join(ReturnRequest, on=(ReturnRequest.order == Order.id)).where(
        ReturnRequest.id == return_id).scalar()
    return [w for w in sandbox_waybills(carrier_url)
            if w["reference"].startswith(f"{order_ref}/R{return_id}-") and w["status"] != "cancelled"]


def receive_and_inspect(api, created: dict, condition: str | dict[str, str] = "resellable") -> dict:
    """Receive the parcel and inspect each line (one condition for all, or one per SKU)."""
    assert step(api, created["id"], "receive")["status"] == "received"
    conditions = condition if isinstance(condition, dict) else {line["sku"]: condition for line in created["lines"]}
    lines = [{"line_id": line["id"], "condition": conditions[line["sku"]]} for line in created["lines"]]
    inspected = step(api, created["id"], "inspection", {"lines": lines})
    assert inspected["status"] == "inspected"
    return inspected


def closed(api, return_id: int) -> dict:
    wait_until(lambda: return_status(return_id) == "closed", timeout=60, what=f"return {return_id} closed")
    return fetch(api, return_id)


def stock_row(warehouse_id: int, product: Product) -> Stock:
    return Stock.get(Stock.warehouse == warehouse_id, Stock.product == product)


def balance_of(code: str) -> Decimal:
    return Partner.get(Partner.code == code).outstanding_balance


def quiet(rabbitmq_url: str, *, linger: float = 2.0) -> None:
    """Wait until the outbox is sent and every queue is empty, then give in-flight messages time to end."""
    wait_until(lambda: not OutboxMessage.unsent().exists() and queue_depth(rabbitmq_url) == 0,
               timeout=60, interval=0.3, what="the pipeline quiet")
    time.sleep(linger)


def assert_invariants() -> None:
    problems = run_checks()
    assert all(not found for found in problems.values()), problems


def test_auto_approved_refund_goes_label_pickup_receipt_inspection_refund_closed(stack, api):
    widget = api.world["widget"]
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        start_pipeline(stack)
        order_id = delivered_order(api, carrier_url, "RET-REFUND")
        balance_before = balance_of("CUST1")
        created = ask(api, order_id, lines=[{"sku": "WIDGET", "quantity": 2}])
        assert (created["status"], created["decision"], created["reasons"]) == ("approved", "auto_approved", [])
        warehouse_id = ReturnRequest.get_by_id(created["id"]).warehouse_id
        on_hand_before = stock_row(warehouse_id, widget).on_hand

        label = issued_label(created["id"])
        assert label.waybill_number and label.carrier == "sandbox"
        at_carrier = live_labels_at_carrier(carrier_url, created["id"])
        assert [w["waybill_number"] for w in at_carrier] == [label.waybill_number], at_carrier
        assert return_status(created["id"]) == "label_issued"
        # the carrier's pickup scan reaches the portal as a signed webhook and moves the return on
        posted = requests.post(f"{carrier_url}/waybills/{label.waybill_number}/events", json={"code": "picked_up"},
                               timeout=10)
        assert posted.json()["delivered"] is True
        wait_until(lambda: return_status(created["id"]) == "in_transit", timeout=20, what="return in transit")

        receive_and_inspect(api, created, "resellable")
        final = closed(api, created["id"])

    assert final["refund"] == {"id": Refund.get().id, "amount": "20.00", "currency": "USD", "method": "credit_note",
                               "reference": f"REFUND-{created['id']}", "status": "applied"}
    assert [h["to_status"] for h in final["history"]] == [
        "requested", "approved", "label_issued", "in_transit", "received", "inspected", "refunded", "closed"]
    assert [line["condition"] for line in final["lines"]] == ["resellable"]
    assert stock_row(warehouse_id, widget).on_hand == on_hand_before + 2
    assert balance_of("CUST1") == balance_before - Decimal("20.00")
    assert Invoice.get(Invoice.order == order_id).paid == Decimal("20.00")
    assert_invariants()


def test_a_return_for_review_waits_for_ops_then_runs_on_and_a_rejected_one_stops(stack, api, rabbitmq_url):
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        start_pipeline(stack)
        order_id = delivered_order(api, carrier_url, "RET-REVIEW")
        kept = ask(api, order_id, reason="no_longer_needed", lines=[{"sku": "WIDGET", "quantity": 1}])
        refused = ask(api, order_id, reason="no_longer_needed", lines=[{"sku": "GADGET", "quantity": 1}])
        for created in (kept, refused):
            assert (created["status"], created["decision"]) == ("requested", "manual")
            assert [r["code"] for r in created["reasons"]] == ["reason"]
        quiet(rabbitmq_url)
        assert not ReturnLabel.select().exists(), "a return waiting for ops got a label"
        assert all(return_status(r["id"]) == "requested" for r in (kept, refused))

        approved = step(api, kept["id"], "approve", {"note": "goodwill, long-standing customer"}, role="ops_agent")
        assert (approved["status"], approved["decision"], approved["decided_by"]) == (
            "approved", "approved", "api:ops_agent@example.com")
        rejected = step(api, refused["id"], "reject", {"note": "opened and used: not returnable"}, role="ops_agent")
        assert (rejected["status"], rejected["decision"], rejected["decision_note"]) == (
            "rejected", "rejected", "opened and used: not returnable")
        again = api.post(f"/api/v1/returns/{refused['id']}/approve", json={}, headers=api.tokens["ops_agent"])
        assert again.status_code == 409

        label = issued_label(kept["id"])
        assert len(live_labels_at_carrier(carrier_url, kept["id"])) == 1
        receive_and_inspect(api, kept, "resellable")
        final = closed(api, kept["id"])
        quiet(rabbitmq_url)
        assert live_labels_at_carrier(carrier_url, refused["id"]) == []

    assert final["refund"]["amount"] == "10.00" and label.status == "issued"
    assert [h["to_status"] for h in final["history"]] == [
        "requested", "approved", "label_issued", "received", "inspected", "refunded", "closed"]
    still = fetch(api, refused["id"])
    assert (still["status"], still["label"], still["refund"]) == ("rejected", None, None)
    assert [h["to_status"] for h in still["history"]] == ["requested", "rejected"]
    assert Refund.select().count() == 1 and ReturnLabel.select().count() == 1
    assert_invariants()


def test_an_exchange_ships_a_free_replacement_reviewed_as_no_duplicate_and_closes_as_exchanged(stack, api):
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        start_pipeline(stack)
        # one widget, exchanged for one widget: the replacement has exactly the lines of the original
        order_id = delivered_order(api, carrier_url, "RET-EXCH",
                                   lines=[{"sku": "WIDGET", "quantity": 1, "unit_price": "10.00"}])
        balance_before = balance_of("CUST1")
        created = ask(api, order_id, resolution="exchange", reason="defective")
        assert (created["status"], created["decision"]) == ("approved", "auto_approved")
        wait_until(lambda: ReturnRequest.get_by_id(created["id"]).replacement_order_id is not None, timeout=30,
                   what="the replacement order placed")
        replacement_id = ReturnRequest.get_by_id(created["id"]).replacement_order_id
        wait_until(lambda: status_of(replacement_id) == "shipped", timeout=60, what="the replacement shipped")
        issued_label(created["id"])
        receive_and_inspect(api, created, "resellable")
        final = closed(api, created["id"])

    replacement = Order.get_by_id(replacement_id)
    assert (replacement.channel, replacement.total, replacement.customer_id) == (
        "exchange", Decimal("0.00"), api.world["customer"].id)
    review = latest_review(replacement_id)
    assert (review.outcome, review.code_list) == ("approve", [])
    assert Order.select().where(Order.channel == "exchange").count() == 1
    assert final["replacement_order_id"] == replacement_id and final["refund"] is None
    assert [h["to_status"] for h in final["history"]] == [
        "requested", "approved", "label_issued", "received", "inspected", "exchanged", "closed"]
    assert not Refund.select().exists()
    assert balance_of("CUST1") == balance_before  # the replacement is invoiced at 0.00
    assert_invariants()


def test_defective_units_are_charged_to_the_supplier_and_quarantined(stack, api):
    widget, gadget = api.world["widget"], api.world["gadget"]
    assert widget.supplier_id == gadget.supplier_id == api.world["supplier"].id
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        start_pipeline(stack)
        order_id = delivered_order(api, carrier_url, "RET-DEFECT")
        created = ask(api, order_id, reason="defective",
                      lines=[{"sku": "WIDGET", "quantity": 2}, {"sku": "GADGET", "quantity": 1}])
        assert created["status"] == "approved"
        warehouse_id = ReturnRequest.get_by_id(created["id"]).warehouse_id
        before = {p.sku: (stock_row(warehouse_id, p).on_hand, stock_row(warehouse_id, p).quarantined)
                  for p in (widget, gadget)}
        issued_label(created["id"])
        receive_and_inspect(api, created, {"WIDGET": "defective", "GADGET": "damaged"})
        final = closed(api, created["id"])

    suppliers = {line.order_line.sku: line.supplier_id
                 for line in ReturnLine.select().where(ReturnLine.return_request == created["id"])}
    assert suppliers == {"WIDGET": api.world["supplier"].id, "GADGET": None}  # only defects are the supplier's
    after = {p.sku: (stock_row(warehouse_id, p).on_hand, stock_row(warehouse_id, p).quarantined)
             for p in (widget, gadget)}
    assert after == {"WIDGET": (before["WIDGET"][0], before["WIDGET"][1] + 2),
                     "GADGET": (before["GADGET"][0], before["GADGET"][1] + 1)}
    assert final["refund"]["amount"] == "45.50"
    assert_invariants()


def test_resellable_units_back_on_hand_fill_another_customers_backorder(stack, api):
    widget = api.world["widget"]
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", credit_limit=None,
                   distributor=api.world["distributor"], email="second@example.com")
    Product.update(allow_backorders=True).where(Product.id == widget.id).execute()
    with running_sandbox() as carrier_url, running_portal(api.app_under_test):
        start_pipeline(stack)
        order_id = delivered_order(api, carrier_url, "RET-RESTOCK")
        assert Stock.select().where(Stock.product == widget, Stock.reserved != 0).count() == 0
        Stock.update(on_hand=0).where(Stock.product == widget).execute()  # the warehouses run out of widgets
        waiting = api.post("/api/v1/orders", json=order_body(
            "WAIT-2", customer_code="CUST2", lines=[{"sku": "WIDGET", "quantity": 2, "unit_price": "10.00"}]),
            headers=api.tokens["ops_admin"]).get_json()["id"]
        wait_until(lambda: status_of(waiting) == "backordered", timeout=30, what="the second order backordered")

        created = ask(api, order_id, lines=[{"sku": "WIDGET", "quantity": 2}])
        warehouse_id = ReturnRequest.get_by_id(created["id"]).warehouse_id
        issued_label(created["id"])
        time.sleep(1)
        assert status_of(waiting) == "backordered"  # nothing came back yet
        receive_and_inspect(api, created, "resellable")
        wait_until(lambda: status_of(waiting) == "shipped", timeout=60, what="the backorder shipped")
        closed(api, created["id"])

    shipment = Shipment.get(Shipment.order == waiting)
    assert shipment.warehouse_id == warehouse_id  # the returned units themselves
    row = stock_row(warehouse_id, widget)
    assert (row.on_hand, row.reserved) == (0, 0)
    assert Stock.select().where(Stock.product == widget, Stock.on_hand != 0).count() == 0
    assert_invariants()


def test_returns_messages_delivered_again_change_nothing(stack, api, rabbitmq_url):
    publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)

    def redeliver(*return_ids: int, times: int = 2) -> None:
        for _ in range(times):
            for return_id in return_ids:
                publisher.enqueue(dramatiq.Message(queue_name=RETURNS.queue_name, actor_name=RETURNS.actor_name,
                                                   args=([return_id],), kwargs={}, options={}))

    try:
        with running_sandbox() as carrier_url, running_portal(api.app_under_test):
            start_pipeline(stack)
            order_id = delivered_order(api, carrier_url, "RET-AGAIN")
            stack.kill("relay", signal.SIGTERM)  # the returns' own messages wait in the outbox for now
            refund = ask(api, order_id, lines=[{"sku": "WIDGET", "quantity": 2}])
            exchange = ask(api, order_id, resolution="exchange", reason="defective",
                           lines=[{"sku": "GADGET", "quantity": 1}])
            ids = (refund["id"], exchange["id"])
            redeliver(*ids, times=3)  # three copies at once on 2 processes x 4 threads, both returns approved
            for return_id in ids:
                issued_label(return_id)
            stack.start("relay", "relay")  # and the outbox's copy after them
            redeliver(*ids)  # after the labels were issued
            quiet(rabbitmq_url)
            for created in (refund, exchange):
                receive_and_inspect(api, created, "resellable")
                redeliver(created["id"], times=3)  # racing the outbox's settling message
            finals = [closed(api, return_id) for return_id in ids]
            redeliver(*ids)  # after settlement
            quiet(rabbitmq_url)
            at_carrier = {return_id: live_labels_at_carrier(carrier_url, return_id) for return_id in ids}
    finally:
        publisher.close()

    labels = {label.return_request_id: label for label in ReturnLabel.select()}
    print(f"\nlabel attempts per return under redelivery: {({r: lb.attempts for r, lb in labels.items()})}")
    assert set(labels) == set(ids) and all(label.status == "issued" for label in labels.values())
    assert {r: [w["waybill_number"] for w in found] for r, found in at_carrier.items()} == {
        r: [labels[r].waybill_number] for r in ids}
    assert [(r.return_request_id, r.amount) for r in Refund.select()] == [(refund["id"], Decimal("20.00"))]
    exchanges = list(Order.select().where(Order.channel == "exchange"))
    assert [o.id for o in exchanges] == [finals[1]["replacement_order_id"]]
    assert [h["to_status"] for h in finals[0]["history"]].count("refunded") == 1
    assert [h["to_status"] for h in finals[1]["history"]].count("exchanged") == 1
    assert all(final["status"] == "closed" for final in finals)
    assert_invariants()
