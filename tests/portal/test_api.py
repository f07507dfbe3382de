import hashlib
import json
import time
from types import SimpleNamespace

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.core.migrate import migration_runner
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order, OrderLine
from models.partners.tables import ApiToken, Partner, User
from models.shipping.dispatch import prepare_waybill, record_waybill
from models.shipping.tables import Shipment, TrackingEvent
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_body,
)
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import make_world, order_body, sandbox_choice
from tests.portal.conftest import build_app

WAYBILL = "SBX0000000001"
EVENTS_URL = "/api/v1/carriers/sandbox/events"
# role -> (email, partner code); users are made without a password: the API only sees tokens
API_USERS = {
    "ops_agent": ("agent@relay.test", None),
    "credit_controller": ("credit@relay.test", None),
    "distributor": ("dist1@relay.test", "DIST1"),
    "other_distributor": ("dist2@relay.test", "DIST2"),
    "supplier": ("sup1@relay.test", "SUP1"),
}


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal on a migrated SQLite file with make_world(), DIST2 serving CUST2 and a token per user."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world()
    dist2 = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R2", distributor=dist2)
    tokens = {}
    for name, (email, code) in API_USERS.items():
        partner = Partner.get(Partner.code == code) if code else None
        role = "distributor" if name == "other_distributor" else name
        user = User.create(email=email, role=role, partner=partner, password_hash="!")
        tokens[name] = ApiToken.issue(user)
    yield SimpleNamespace(app=app, client=app.test_client(), tokens=tokens, world=world,
                          secret=app.config["OMS_SETTINGS"].carrier_webhook_secret)
    if not database.is_closed():
        database.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def post_order(api, body=None, *, as_user="ops_agent"):
    return api.client.post("/api/v1/orders", json=order_body() if body is None else body,
                           headers=bearer(api.tokens[as_user]))


# --- POST /api/v1/orders -------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer oms_not-a-real-token"},
    {"Authorization": "Token {ops}"},
    {"Authorization": "{ops}"},
], ids=["none", "empty", "unknown", "wrong-scheme", "no-scheme"])
def test_order_intake_needs_a_valid_bearer_token(api, headers):
    headers = {name: value.format(ops=api.tokens["ops_agent"]) for name, value in headers.items()}
    response = api.client.post("/api/v1/orders", json=order_body(), headers=headers)
    assert response.status_code == 401
    assert response.json == {"error": "missing or invalid bearer token"}
    assert Order.select().count() == 0


def test_revoked_token_and_inactive_user_are_refused(api):
    ApiToken.update(revoked_at=utc_now()).where(ApiToken.token_hash == hashlib.sha256(
        api.tokens["ops_agent"].encode()).hexdigest()).execute()
    User.update(active=False).where(User.email == "credit@relay.test").execute()
    assert post_order(api).status_code == 401
    assert post_order(api, as_user="credit_controller").status_code == 401


def test_ops_token_places_order_then_repeat_returns_it(api):
    first = post_order(api)
    assert first.status_code == 202
    assert first.json == {"id": first.json["id"], "status": "reviewing", "created": True,
                          "external_ref": "PO-1", "channel": "api"}
    again = post_order(api)
    assert again.status_code == 200
    assert again.json == {**first.json, "created": False}
    assert Order.select().count() == 1
    order = Order.get_by_id(first.json["id"])
    assert (order.customer.code, order.placed_by_id) == ("CUST1", None)


def body_with(**changes) -> dict:
    body = order_body()
    for path, value in changes.items():
        target, *keys, last = [body, *path.split("__")]
        for key in keys:
            target = target[int(key) if key.isdigit() else key]
        if value is None:
            del target[last]
        else:
            target[last] = value
    return body


@pytest.mark.parametrize("body, errors", [
    (body_with(lines__0__quantity=0), {"lines": {"0": {"quantity": ["Must be greater than or equal to 1 and "
                                                                     "less than or equal to 1000000."]}}}),
    (body_with(lines__1__quantity="2"), {"lines": {"1": {"quantity": ["Not a valid integer."]}}}),
    (body_with(lines__0__unit_price="10.001"), {"lines": {"0": {"unit_price": ["at most 2 decimal places"]}}}),
    (body_with(ship_to__region=None), {"ship_to": {"region": ["Missing data for required field."]}}),
    (body_with(lines__0__sku="NOPE"), {"lines": {"0": {"sku": ["unknown SKU 'NOPE'"]}}}),
    (body_with(customer_code="NOBODY"), {"customer_code": ["unknown customer 'NOBODY'"]}),
    (body_with(lines=[]), {"lines": ["Length must be between 1 and 500."]}),
], ids=["zero-quantity", "quantity-as-text", "three-decimal-price", "missing-region", "unknown-sku",
        "unknown-customer", "no-lines"])
def test_invalid_order_is_422_with_field_messages(api, body, errors):
    response = post_order(api, body)
    assert response.status_code == 422
    assert response.json["errors"] == errors
    assert Order.select().count() == 0


@pytest.mark.parametrize("data, content_type", [
    ("not json", "application/json"),
    (json.dumps(order_body()), "text/plain"),
    ("[1, 2]", "application/json"),
])
def test_body_that_is_not_a_json_object_is_400(api, data, content_type):
    response = api.client.post("/api/v1/orders", data=data, content_type=content_type,
                               headers=bearer(api.tokens["ops_agent"]))
    assert response.status_code == 400
    assert "JSON object" in response.json["error"]


def test_distributor_places_only_for_its_customers(api):
    refused = post_order(api, order_body("D-1", customer_code="CUST2", region="R2"), as_user="distributor")
    assert refused.status_code == 422
    assert refused.json["errors"] == {"customer_code": ["customer 'CUST2' is not served by DIST1"]}
    placed = post_order(api, order_body("D-2"), as_user="distributor")
    assert placed.status_code == 202
    assert Order.get_by_id(placed.json["id"]).placed_by.code == "DIST1"


def test_another_distributors_reference_gets_its_own_order_not_the_first(api):
    first = post_order(api, order_body("PO-NE-9001"), as_user="distributor")
    theirs = order_body("PO-NE-9001", customer_code="CUST2", region="R2")
    second = post_order(api, theirs, as_user="other_distributor")
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.json["created"] is True and second.json["id"] != first.json["id"]
    assert Order.get_by_id(second.json["id"]).placed_by.code == "DIST2"
    again = post_order(api, order_body("PO-NE-9001"), as_user="distributor")
    assert (again.status_code, again.json) == (200, {**first.json, "created": False})
    their_again = post_order(api, theirs, as_user="other_distributor")
    assert (their_again.status_code, their_again.json) == (200, {**second.json, "created": False})
    url = f"/api/v1/orders/{first.json['id']}"
    assert api.client.get(url, headers=bearer(api.tokens["other_distributor"])).status_code == 404


def test_an_impostors_reference_posted_first_does_not_block_the_real_order(api):
    impostor = post_order(api, order_body("PO-NE-9001", customer_code="CUST2", region="R2"),
                          as_user="other_distributor")
    real = post_order(api, order_body("PO-NE-9001"), as_user="distributor")
    assert (impostor.status_code, real.status_code) == (202, 202)
    assert real.json["id"] != impostor.json["id"]
    order = Order.get_by_id(real.json["id"])
    assert (order.customer.code, order.placed_by.code) == ("CUST1", "DIST1")
    keyed_by_ops = post_order(api, order_body("PO-NE-9001"))  # ops is a submitter of its own
    assert keyed_by_ops.status_code == 202 and keyed_by_ops.json["id"] not in (real.json["id"], impostor.json["id"])


def test_supplier_may_not_place_orders(api):
    response = post_order(api, as_user="supplier")
    assert response.status_code == 403
    assert response.json == {"error": "role supplier may not place orders"}
    assert Order.select().count() == 0


def test_tokens_are_stored_as_sha256_only(api):
    stored = {row.token_hash: row.prefix for row in ApiToken.select()}
    assert len(stored) == len(api.tokens)
    for token in api.tokens.values():
        assert token.startswith("oms_")
        digest = hashlib.sha256(token.encode()).hexdigest()
        assert stored[digest] == token[:12]
        assert token not in stored
    assert ApiToken.select().where(ApiToken.token_hash.in_(list(api.tokens.values()))).count() == 0


# --- GET /api/v1/orders/<id> ---------------------------------------------------------------------

def test_get_order_returns_lines_shipments_and_audit_trail(api):
    order_id = post_order(api).json["id"]
    response = api.client.get(f"/api/v1/orders/{order_id}", headers=bearer(api.tokens["ops_agent"]))
    assert response.status_code == 200
    body = response.json
    assert (body["id"], body["status"], body["customer_code"], body["total"]) == (order_id, "reviewing", "CUST1",
                                                                                   "45.50")
    assert [(line["line_no"], line["sku"], line["quantity"], line["unit_price"], line["line_total"],
             line["reservations"]) for line in body["lines"]] == [(1, "WIDGET", 2, "10.00", "20.00", []),
                                                                  (2, "GADGET", 1, "25.50", "25.50", [])]
    assert body["shipments"] == []
    assert [(a["from_status"], a["to_status"], a["actor"]) for a in body["audit_trail"]] == [
        (None, "received", "api:agent@relay.test"), ("received", "reviewing", "api:agent@relay.test")]
    assert body["ship_to"]["region"] == "R1"
    assert body["review"] == []


def test_get_order_shows_shipment_and_waybill_after_dispatch(api):
    order_id = post_order(api).json["id"]
    shipped_order(order_id)
    body = api.client.get(f"/api/v1/orders/{order_id}", headers=bearer(api.tokens["ops_agent"])).json
    assert body["status"] == "shipped"
    assert [(r["warehouse"], r["quantity"], r["status"]) for r in body["lines"][0]["reservations"]] == [
        ("EAST", 2, "fulfilled")]
    (shipment,) = body["shipments"]
    assert (shipment["warehouse"], shipment["status"], shipment["waybill_number"], shipment["waybill_status"]) == \
        ("EAST", "dispatched", WAYBILL, "issued")
    assert shipment["service_level"] == "standard"
    note = api.client.get(shipment["dispatch_note_url"], headers=bearer(api.tokens["ops_agent"]))
    assert note.status_code == 200 and note.data.startswith(b"%PDF")
    assert [a["to_status"] for a in body["audit_trail"]] == ["received", "reviewing", "approved", "allocated",
                                                            "shipped"]
    assert [(r["outcome"], r["reasons"]) for r in body["review"]] == [("approve", [])]


@pytest.mark.parametrize("viewer, visible", [
    ("ops_agent", True), ("credit_controller", True), ("distributor", True),
    ("other_distributor", False), ("supplier", False),
])
def test_order_visibility_by_token(api, viewer, visible):
    order_id = post_order(api).json["id"]  # for CUST1, served by DIST1
    response = api.client.get(f"/api/v1/orders/{order_id}", headers=bearer(api.tokens[viewer]))
    assert response.status_code == (200 if visible else 404)
    if not visible:
        assert response.json == {"error": f"order {order_id} not found"}


def test_other_distributors_own_order_is_hidden(api):
    own = post_order(api, order_body("D2-1", customer_code="CUST2", region="R2"), as_user="other_distributor")
    assert own.status_code == 202
    url = f"/api/v1/orders/{own.json['id']}"
    assert api.client.get(url, headers=bearer(api.tokens["other_distributor"])).status_code == 200
    assert api.client.get(url, headers=bearer(api.tokens["distributor"])).status_code == 404


def test_get_unknown_order_or_without_token(api):
    assert api.client.get("/api/v1/orders/987654", headers=bearer(api.tokens["ops_agent"])).status_code == 404
    order_id = post_order(api).json["id"]
    assert api.client.get(f"/api/v1/orders/{order_id}").status_code == 401


# --- POST /api/v1/orders/<id>/release and /reject ----------------------------------------------

def held_order(api, *, customer_code: str = "CUST1", region: str = "R1", quantity: int = 1001) -> int:
    """An order reviewed onto hold: 1,001 widgets (10,010.00) are over CUST1's 10,000.00 credit limit."""
    body = order_body(f"HOLD-{customer_code}", customer_code=customer_code, region=region,
                      lines=[{"sku": "WIDGET", "quantity": quantity, "unit_price": "10.00"}])
    order_id = post_order(api, body).json["id"]
    assert review(order_id, actor="test") == "hold"
    return order_id


def decide(api, order_id: int, action: str, as_user: str, body=None):
    return api.client.post(f"/api/v1/orders/{order_id}/{action}", json=body, headers=bearer(api.tokens[as_user]))


def test_credit_controller_releases_a_credit_hold(api):
    order_id = held_order(api)
    response = decide(api, order_id, "release", "credit_controller", {"comment": "prepaid by wire"})
    assert response.status_code == 200
    body = response.json
    assert (body["id"], body["status"], body["status_reason"]) == (order_id, "approved", "released: prepaid by wire")
    assert body["audit_trail"][-1]["actor"] == "api:credit@relay.test"
    (decision,) = body["review"]
    assert (decision["outcome"], decision["rule_set_version"], decision["actor"]) == ("hold", 1, "test")
    assert decision["release_roles"] == ["ops_admin", "credit_controller"]
    (reason,) = decision["reasons"]
    assert (reason["code"], reason["numbers"]["limit"], reason["numbers"]["over_by"]) == (
        "credit_limit", "10000.00", "10.00")
    assert "exceeds the credit limit 10000.00 USD by 10.00 USD" in reason["message"]


def test_ops_agent_may_release_an_amount_hold_but_not_a_credit_hold(api):
    amount_id = held_order(api, customer_code="CUST2", region="R2", quantity=2600)  # 26,000.00, no limit
    assert decide(api, amount_id, "release", "ops_agent").status_code == 200
    credit_id = held_order(api)
    refused = decide(api, credit_id, "release", "ops_agent", {"comment": "ok"})
    assert refused.status_code == 403
    assert "credit_limit" in refused.json["error"]
    assert decide(api, credit_id, "reject", "ops_agent", {"comment": "no"}).status_code == 403
    assert Order.get_by_id(credit_id).status == "on_hold"


@pytest.mark.parametrize("as_user, status", [("distributor", 403), ("supplier", 404), ("other_distributor", 404)])
def test_who_may_not_see_or_decide(api, as_user, status):
    order_id = held_order(api)
    response = decide(api, order_id, "release", as_user)
    assert response.status_code == status
    if status == 404:
        assert response.json == {"error": f"order {order_id} not found"}
    assert Order.get_by_id(order_id).status == "on_hold"


def test_unknown_order_is_404(api):
    assert decide(api, 987654, "release", "credit_controller").status_code == 404


@pytest.mark.parametrize("action", ["release", "reject"])
def test_order_not_on_hold_is_409(api, action):
    order_id = post_order(api).json["id"]
    response = decide(api, order_id, action, "credit_controller", {"comment": "why not"})
    assert response.status_code == 409
    assert response.json == {"error": f"order {order_id} is reviewing, not on hold"}


def test_reject_needs_a_comment(api):
    order_id = held_order(api)
    for body in (None, {}, {"comment": "   "}):
        response = decide(api, order_id, "reject", "credit_controller", body)
        assert response.status_code == 422
        assert response.json["errors"] == {"comment": ["give the reason for rejecting"]}
    assert Order.get_by_id(order_id).status == "on_hold"
    rejected = decide(api, order_id, "reject", "credit_controller", {"comment": "over limit, no prepayment"})
    assert (rejected.status_code, rejected.json["status"]) == (200, "rejected")


def test_release_with_an_unmatched_line_is_422(api):
    order_id = held_order(api)
    OrderLine.update(product=None).where(OrderLine.order == order_id).execute()
    response = decide(api, order_id, "release", "credit_controller")
    assert response.status_code == 422
    assert response.json["errors"] == {"lines": ["match line(s) 1 to a catalogue SKU before releasing"]}
    assert Order.get_by_id(order_id).status == "on_hold"


def test_a_comment_that_is_not_text_is_400_and_one_too_long_422(api):
    order_id = held_order(api)
    assert decide(api, order_id, "release", "credit_controller", {"comment": 42}).status_code == 400
    too_long = decide(api, order_id, "release", "credit_controller", {"comment": "x" * 2001})
    assert (too_long.status_code, too_long.json["errors"]) == (422, {"comment": ["at most 2000 characters"]})
    assert Order.get_by_id(order_id).status == "on_hold"


# --- carrier webhook -----------------------------------------------------------------------------

def shipped_order(order_id: int) -> int:
    """Run the pipeline steps by hand up to a dispatched shipment with waybill WAYBILL; return the shipment."""
    assert review(order_id, actor="test") == "approve"
    assert allocate(order_id, actor="test") == "allocated"
    (shipment_id,) = create_shipments(order_id, actor="test")
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
    assert record_waybill(shipment_id, waybill_number=WAYBILL, tracking_url="", actor="test")
    return shipment_id


def event(event_id: str, code: str, at: str = "2025-03-01T10:00:00Z", waybill: str = WAYBILL) -> dict:
    return {"event_id": event_id, "waybill_number": waybill, "code": code, "occurred_at": at,
            "location": "Hub 7", "carrier_extra": "ignored"}


def post_events(api, events: list[dict], *, timestamp: int | None = None, signature: str | None = None,
                body: bytes | None = None):
    body = json.dumps({"events": events}).encode() if body is None else body
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {TIMESTAMP_HEADER: str(timestamp),
               SIGNATURE_HEADER: sign_body(api.secret, timestamp, body) if signature is None else signature}
    return api.client.post(EVENTS_URL, data=body, headers=headers, content_type="application/json")


def test_unsigned_event_is_401(api):
    response = api.client.post(EVENTS_URL, json={"events": [event("e1", "delivered")]})
    assert response.status_code == 401
    assert "missing X-Carrier-Timestamp" in response.json["error"]


def test_bad_signature_is_401(api):
    response = post_events(api, [event("e1", "delivered")], signature=sign_body("other-secret", int(time.time()),
                                                                                 b"{}"))
    assert response.status_code == 401
    assert response.json["error"] == "signature does not match the body"


@pytest.mark.parametrize("skew", [-301, 301])
def test_event_outside_the_replay_window_is_401(api, skew):
    response = post_events(api, [event("e1", "delivered")], timestamp=int(time.time()) + skew)
    assert response.status_code == 401
    assert "replay window" in response.json["error"]
    assert TrackingEvent.select().count() == 0


def test_event_for_unknown_waybill_is_counted_not_stored(api):
    response = post_events(api, [event("e1", "picked_up", waybill="SBX9999999999")])
    assert response.status_code == 200
    assert response.json == {"stored": 0, "duplicates": 0, "unknown_waybills": 1}
    assert TrackingEvent.select().count() == 0


def test_event_for_known_waybill_is_stored_once(api):
    shipment_id = shipped_order(post_order(api).json["id"])
    first = post_events(api, [event("e1", "picked_up")])
    assert (first.status_code, first.json) == (200, {"stored": 1, "duplicates": 0, "unknown_waybills": 0})
    assert Shipment.get_by_id(shipment_id).status == "in_transit"
    again = post_events(api, [event("e1", "picked_up")])
    assert (again.status_code, again.json) == (200, {"stored": 0, "duplicates": 1, "unknown_waybills": 0})
    stored = TrackingEvent.get(TrackingEvent.shipment == shipment_id)
    assert (TrackingEvent.select().count(), stored.code, stored.location) == (1, "picked_up", "Hub 7")


def test_delivered_event_delivers_shipment_and_order(api):
    order_id = post_order(api).json["id"]
    shipment_id = shipped_order(order_id)
    response = post_events(api, [event("e2", "delivered", "2025-03-02T09:00:00+01:00"),
                                 event("e1", "picked_up", "2025-03-01T10:00:00Z")])
    assert response.json == {"stored": 2, "duplicates": 0, "unknown_waybills": 0}
    assert Shipment.get_by_id(shipment_id).status == "delivered"
    assert Order.get_by_id(order_id).status == "delivered"
    # A late event does not move a delivered shipment back.
    late = post_events(api, [event("e3", "in_transit", "2025-03-01T12:00:00Z")])
    assert late.json["stored"] == 1
    assert Shipment.get_by_id(shipment_id).status == "delivered"
    body = api.client.get(f"/api/v1/orders/{order_id}", headers=bearer(api.tokens["ops_agent"])).json
    assert [e["code"] for e in body["shipments"][0]["tracking_events"]] == ["picked_up", "in_transit", "delivered"]
    assert body["audit_trail"][-1]["to_status"] == "delivered"


def test_signed_body_without_events_is_422(api):
    response = post_events(api, [], body=b'{"events": [{"code": "delivered"}]}')
    assert response.status_code == 422
    assert set(response.json["errors"]["events"]["0"]) == {"event_id", "waybill_number", "occurred_at"}


def test_signed_body_that_is_not_json_is_a_client_error(api):
    response = post_events(api, [], body=b"not json")
    assert response.status_code in (400, 422)


# --- health --------------------------------------------------------------------------------------

def test_healthz_reports_database_and_in_process_broker(api):
    response = api.client.get("/healthz", headers=bearer(api.tokens["ops_agent"]))
    assert response.status_code == 200
    assert response.json == {"status": "ok",
                             "database": {"status": "ok", "engine": "sqlite", "outbox_unsent": 0},
                             "broker": {"status": "ok", "kind": "in-process"}}
    post_order(api)
    assert api.client.get("/healthz", headers=bearer(api.tokens["ops_agent"])).json["database"]["outbox_unsent"] == 1


HEALTH_TOKEN = "monitoring-token-0123456789"


def unmigrated_app(tmp_path):
    return create_app(settings_for(tmp_path, OMS_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
                                   OMS_HEALTH_TOKEN=HEALTH_TOKEN),
                      test_config={"TESTING": True})


def test_healthz_is_503_on_an_unmigrated_database(tmp_path):
    response = unmigrated_app(tmp_path).test_client().get("/healthz", headers=bearer(HEALTH_TOKEN))
    assert response.status_code == 503
    assert (response.json["status"], response.json["database"]["status"]) == ("degraded", "error")


def test_healthz_names_pending_migrations(tmp_path):
    response = unmigrated_app(tmp_path).test_client().get("/healthz", headers=bearer(HEALTH_TOKEN))
    every = [m.name for m in migration_runner().migrations()]
    assert every[0] == "0001_initial"
    assert response.json["database"].get("pending_migrations") == every
