from decimal import Decimal

import pytest

from models.orders.change_tables import OrderChange
from models.orders.flow import allocate, review
from models.orders.tables import Order
from models.partners.tables import ApiToken, User
from models.shipping.tables import Shipment
from tests.portal.conftest import USERS, place


@pytest.fixture
def tokens(app):
    emails = {role: email for role, (email, _) in USERS.items()} | {"other_distributor": "dist2@relay.test"}
    return {role: ApiToken.issue(User.get(User.email == email)) for role, email in emails.items()}


def call(client, tokens, method, url, *, as_user="ops_admin", **kwargs):
    return client.open(url, method=method, headers={"Authorization": f"Bearer {tokens[as_user]}"}, **kwargs)


def allocated(ref: str = "PO-1", **kwargs) -> int:
    order = place(ref, **kwargs)
    assert review(order.id, actor="test") == "approve" and allocate(order.id, actor="test") == "allocated"
    return order.id


def test_patch_answers_with_the_order_as_get_shows_it(client, tokens):
    order_id = allocated()
    url = f"/api/v1/orders/{order_id}"
    body = {"ship_to": {"region": "R2"}, "lines": [{"sku": "WIDGET", "quantity": 3}], "note": "moved"}
    changed = call(client, tokens, "PATCH", url, json=body)
    assert changed.status_code == 200, changed.json
    assert changed.json == call(client, tokens, "GET", url).json
    # reviewed again before the answer: the decision is in it, and allocation is next
    assert (changed.json["status"], changed.json["ship_to"]["region"]) == ("approved", "R2")
    assert [decision["outcome"] for decision in changed.json["review"]] == ["approve", "approve"]
    assert [(line["sku"], line["quantity"], line["reservations"]) for line in changed.json["lines"]] == [
        ("WIDGET", 3, [])]
    assert Order.get_by_id(order_id).subtotal == Decimal("30.00")
    history = call(client, tokens, "GET", f"{url}/changes").json
    assert history["status"] == "approved"
    (entry,) = history["changes"]
    assert (entry["actor"], entry["note"], entry["outcome"], entry["status_before"]) == (
        "api:admin@relay.test", "moved", "approved", "allocated")
    assert entry["after"]["ship_to"] == {"region": "R2"} and entry["before"]["ship_to"] == {"region": "R1"}
    assert allocate(order_id, actor="test") == "allocated"


def test_a_repeated_patch_changes_nothing_more(client, tokens):
    order_id = allocated()
    body = {"requested_delivery_date": "2026-12-24"}
    for _ in range(2):
        assert call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", json=body).status_code == 200
    assert OrderChange.select().count() == 1


def test_patch_is_refused_with_409_once_a_shipment_left(client, tokens):
    order_id = allocated()
    Shipment.update(status="dispatched").where(Shipment.order == order_id).execute()
    answer = call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", json={"ship_to": {"region": "R2"}})
    assert answer.status_code == 409
    assert answer.json["error"] == "the order cannot be changed" and "shipment" in answer.json["reason"]


def test_a_distributor_may_change_its_order_before_allocation_only(client, tokens):
    waiting = place("PO-D", placed_by="DIST1")
    answer = call(client, tokens, "PATCH", f"/api/v1/orders/{waiting.id}", as_user="distributor",
                  json={"lines": [{"sku": "GADGET", "quantity": 2, "unit_price": "25.50"}]})
    assert answer.status_code == 200 and "review" not in answer.json  # the partner's view of the order
    order_id = allocated("PO-2")
    refused = call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", as_user="distributor",
                   json={"ship_to": {"region": "R2"}})
    assert refused.status_code == 409 and "reserved" in refused.json["reason"]


@pytest.mark.parametrize("as_user", ["other_distributor", "supplier"])
def test_another_tenants_order_is_not_found(client, tokens, as_user):
    order_id = allocated()
    answer = call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", as_user=as_user,
                  json={"ship_to": {"region": "R2"}})
    assert answer.status_code == 404
    assert call(client, tokens, "GET", f"/api/v1/orders/{order_id}/changes", as_user=as_user).status_code == 404
    assert Order.get_by_id(order_id).status == "allocated"


@pytest.mark.parametrize("body, field", [
    ({"lines": [{"sku": "NOPE", "quantity": 1}]}, ("lines", "0", "sku")),
    ({"lines": [{"sku": "WIDGET", "quantity": 0}]}, ("lines", "0", "quantity")),
    ({"lines": []}, ("lines",)),
    ({"ship_to": {"country": "USA"}}, ("ship_to", "country")),
    ({"requested_delivery_date": "someday"}, ("requested_delivery_date",)),
    ({"status": "shipped"}, ("status",)),
])
def test_a_bad_body_is_422_naming_the_field(client, tokens, body, field):
    order_id = allocated()
    answer = call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", json=body)
    assert answer.status_code == 422, answer.json
    errors = answer.json["errors"]
    for key in field:
        errors = errors[key]
    assert errors
    assert Order.get_by_id(order_id).status == "allocated"


def test_an_ops_agent_may_not_set_prices(client, tokens):
    order_id = allocated()
    answer = call(client, tokens, "PATCH", f"/api/v1/orders/{order_id}", as_user="ops_agent",
                  json={"lines": [{"sku": "WIDGET", "quantity": 2, "unit_price": "1.00"}]})
    assert answer.status_code == 403 and "prices" in answer.json["error"]
