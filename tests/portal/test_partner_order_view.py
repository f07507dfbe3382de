"""A distributor's order page and API resource show what concerns it, not the planner, review figures or names."""
from __future__ import annotations

import pytest

from models.intake.entry import place_order
from models.orders.cancellation import cancel_order
from models.orders.flow import review
from models.orders.tables import Order
from models.review.hold_decisions import reject_held_order
from models.shipping.tables import Shipment
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, order_body
from tests.portal.test_shipment_documents import ACTOR, shipped, token

# From the real plan of an EAST order to region R1: the WEST lane (9.00, 3 days) is the runner-up.
PLANNER_STRINGS = ("9.00", "WEST", "Runner-up", "runner_up", "lane", "cost")
OPS_USER = "credit@relay.test"


@pytest.fixture
def shipped_order(app) -> int:
    allow_repeat_orders()
    return Shipment.get_by_id(shipped("PO-PARTNER")).order_id


@pytest.fixture
def held_order(app) -> int:
    """An order of CUST1 above its 10,000.00 credit limit, held by the review."""
    body = order_body("PO-BIG", lines=[{"sku": "WIDGET", "quantity": 1001}])
    order, _ = place_order(order_schema.load(body), actor="dist1@relay.test")
    assert review(order.id, actor=ACTOR) == "hold"
    assert "10000.00" in Order.get_by_id(order.id).status_reason  # ops read the limit; a distributor must not
    return order.id


def page_of(client, auth, role: str, order_id: int) -> str:
    auth.login_as(role)
    response = client.get(f"/orders/{order_id}")
    assert response.status_code == 200
    return response.text


def test_distributor_page_has_no_plan_costs_runner_up_or_worker_names(client, auth, shipped_order):
    page = page_of(client, auth, "distributor", shipped_order)
    for internal in (*PLANNER_STRINGS, ACTOR, "rule set version", "Reservations", "Allocation", "Review"):
        assert internal not in page, internal
    # what concerns it is all there: status, lines, shipment with waybill and dispatch note, its history
    for shown in ("PO-PARTNER", "shipped", "WIDGET", "GADGET", "SBX0000000777", "dispatch-note.pdf", "Relay OMS",
                  "stock reserved, being prepared for shipping"):
        assert shown in page, shown


def test_ops_still_see_everything(client, auth, shipped_order):
    page = page_of(client, auth, "ops_agent", shipped_order)
    for internal in ("9.00", "WEST", "Runner-up", "lane", "cost", ACTOR, "rule set version", "Reservations"):
        assert internal in page, internal


def test_distributor_api_resource_has_no_plan_costs_runner_up_or_worker_names(client, shipped_order):
    response = client.get(f"/api/v1/orders/{shipped_order}", headers=token("distributor"))
    assert response.status_code == 200
    body = response.json
    assert "allocation" not in body and "review" not in body
    assert all("reservations" not in line for line in body["lines"])
    for internal in (*PLANNER_STRINGS, ACTOR):
        assert internal not in response.text, internal
    assert {change["actor"] for change in body["audit_trail"]} == {"Relay OMS"}
    assert body["status_reason"] == "shipped" and body["hold_reasons"] == []
    assert body["shipments"][0]["waybill_number"] == "SBX0000000777"


def test_ops_api_resource_keeps_the_plan_and_the_actors(client, shipped_order):
    response = client.get(f"/api/v1/orders/{shipped_order}", headers=token("ops_agent"))
    body = response.json
    assert body["allocation"]["plan"]["runner_up"]["sources"] == ["WEST"]
    assert body["allocation"]["plan"]["runner_up"]["cost"] == "9.00"
    assert ACTOR in {change["actor"] for change in body["audit_trail"]} and body["review"]
    assert body["lines"][0]["reservations"][0]["warehouse"] == "EAST"


def test_a_hold_says_what_is_checked_without_credit_figures(client, auth, held_order):
    page = page_of(client, auth, "distributor", held_order)
    assert "on hold for review: credit check" in page and "10000.00" not in page and "exposure" not in page
    api = client.get(f"/api/v1/orders/{held_order}", headers=token("distributor"))
    assert api.json["hold_reasons"] == ["credit check"] and "10000.00" not in api.text
    auth.logout()
    assert "10000.00" in page_of(client, auth, "credit_controller", held_order)


def test_the_ops_decision_is_by_relay_oms_and_the_partners_own_words_stay(client, auth, held_order):
    assert reject_held_order(held_order, actor=OPS_USER, role="credit_controller", comment="fraud suspicion")
    page = page_of(client, auth, "distributor", held_order)
    assert OPS_USER not in page and "fraud suspicion" not in page
    assert "not accepted after review: credit check" in page
    assert "dist1@relay.test" in page and "placed via api" in page  # it placed the order itself


def test_a_cancellation_by_the_distributor_keeps_its_reason(client, auth, held_order):
    assert cancel_order(held_order, actor="dist1@relay.test", reason="customer changed their mind")
    page = page_of(client, auth, "distributor", held_order)
    assert "Reason: customer changed their mind" in page


def test_the_shipment_page_shows_a_distributor_no_worker_names(client, auth, shipped_order):
    shipment_id = Shipment.get(Shipment.order == shipped_order).id
    auth.login_as("distributor")
    page = client.get(f"/ops/shipments/{shipment_id}").text
    assert ACTOR not in page and "Relay OMS" in page and "SBX0000000777" in page
    auth.logout()
    auth.login_as("ops_agent")
    assert ACTOR in client.get(f"/ops/shipments/{shipment_id}").text
