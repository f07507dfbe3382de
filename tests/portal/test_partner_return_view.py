"""A distributor's return pages and return API resource show the return, not the rules' figures and thresholds, the
rule-set version, the carrier's error text or the names of the people and workers inside; ops still see them all.
The shipment pages and the events feed were audited too: the shipment page keeps its quote, carrier choice and
carrier error for ops (tested here), the shipments list and the feed carry none of them."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models.returns.flow import receive_return
from models.returns.labels import fail_label, prepare_label
from models.returns.requesting import approve_return
from models.shipping.tables import Shipment, Waybill
from tests.factories import ACTOR, allow_repeat_orders, ask, delivered_order
from tests.portal.test_shipment_documents import shipped, token

OPS_USER = "agent@relay.test"
OPS_NOTE = "goodwill, keep an eye on this buyer"
CARRIER_ERROR = "sandbox refused the return label: account 4711 over quota"
# the reason rule's message lists the reasons approved automatically: an internal setting
THRESHOLD = "automatic: damaged, defective, wrong_item"
INTERNAL = (OPS_USER, OPS_NOTE, CARRIER_ERROR, "account 4711", THRESHOLD, ACTOR, "Rule set")


@pytest.fixture
def handled_return(app) -> int:
    """A return the rules sent to a person, approved by an ops user with a note, its label failed at the carrier,
    then received by a worker."""
    allow_repeat_orders()
    request = ask(delivered_order(), "no_longer_needed", sku="GADGET", quantity=1)
    assert request.decision == "manual" and THRESHOLD in request.decision_reasons
    assert approve_return(request.id, actor=OPS_USER, note=OPS_NOTE)
    assert prepare_label(request.id, carrier="sandbox") is not None
    fail_label(request.id, CARRIER_ERROR)
    assert receive_return(request.id, actor=ACTOR)
    return request.id


def test_distributor_return_page_has_no_figures_errors_or_names(client, auth, handled_return):
    auth.login_as("distributor")
    page = client.get(f"/returns/{handled_return}").text
    for internal in INTERNAL:
        assert internal not in page, internal
    for shown in ("no longer needed", "this return reason is checked by our team", "Relay OMS", "customer",
                  "received at the warehouse", "GADGET", "failed"):
        assert shown in page, shown


def test_ops_return_page_keeps_them(client, auth, handled_return):
    auth.login_as("ops_agent")
    page = client.get(f"/ops/returns/{handled_return}").text
    for internal in (OPS_USER, OPS_NOTE, CARRIER_ERROR, THRESHOLD, ACTOR, "Rule set"):
        assert internal in page, internal


def test_distributor_return_api_has_no_figures_errors_or_names(client, handled_return):
    response = client.get(f"/api/v1/returns/{handled_return}", headers=token("distributor"))
    assert response.status_code == 200
    body = response.json
    for internal in INTERNAL:
        assert internal not in response.text, internal
    assert body["reasons"] == [{"code": "reason", "message": "this return reason is checked by our team"}]
    assert body["decided_by"] == "Relay OMS" and body["decision_note"] == "" and body["rule_set_version"] is None
    assert body["label"]["status"] == "failed" and body["label"]["last_error"] == ""
    assert {change["actor"] for change in body["history"]} == {"customer", "Relay OMS"}


def test_ops_return_api_keeps_them(client, handled_return):
    body = client.get(f"/api/v1/returns/{handled_return}", headers=token("ops_agent")).json
    assert body["decided_by"] == OPS_USER and body["decision_note"] == OPS_NOTE and body["rule_set_version"]
    assert body["label"]["last_error"] == CARRIER_ERROR and THRESHOLD in body["reasons"][0]["message"]
    assert "numbers" in body["reasons"][0] and {OPS_USER, ACTOR} <= {c["actor"] for c in body["history"]}


def test_a_return_the_distributor_asks_for_answers_in_its_words(client, app):
    allow_repeat_orders()
    order = delivered_order()
    body = {"order_id": order.id, "resolution": "refund", "reason": "no_longer_needed", "comment": "",
            "lines": [{"sku": "GADGET", "quantity": 1}]}
    response = client.post("/api/v1/returns", json=body, headers=token("distributor"))
    assert response.status_code == 201, response.json
    assert THRESHOLD not in response.text and "numbers" not in response.text
    assert response.json["history"][0]["actor"] == "api:dist1@relay.test"  # its own user, as written
    assert response.json["history"][0]["reason"] == "no_longer_needed: refund"


def test_the_shipment_page_keeps_the_quote_choice_and_carrier_error_for_ops(client, auth, app):
    allow_repeat_orders()
    shipment_id = shipped("PO-QUOTE")
    Waybill.update(quoted_price=Decimal("7.35"), quoted_currency="EUR", choice_reason="cheapest quote of 2",
                   last_error="carrier 500: upstream timeout").where(Waybill.shipment == shipment_id).execute()
    internal = ("7.35", "cheapest quote", "upstream timeout", ACTOR)
    auth.login_as("distributor")
    for page in (client.get(f"/ops/shipments/{shipment_id}").text, client.get("/shipments").text):
        assert "PO-QUOTE" in page
        for text in internal:
            assert text not in page, text
    auth.logout()
    auth.login_as("ops_agent")
    page = client.get(f"/ops/shipments/{shipment_id}").text
    for text in internal:
        assert text in page, text
    assert Shipment.get_by_id(shipment_id).order.external_ref == "PO-QUOTE"
