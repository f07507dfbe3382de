import pytest

from models.core.outbox import OutboxMessage
from models.orders.tables import Order
from schemas.fields import NUL_TEXT
from tests.factories import order_body
from tests.portal.test_api import api, bearer  # noqa: F401 - the API fixture with a token per role

URL = "/api/v1/orders/batch"


def post(api, body, *, as_user: str = "ops_agent"):  # noqa: F811
    return api.client.post(URL, json=body, headers=bearer(api.tokens[as_user]))


def test_all_placed_answers_200_with_a_result_per_index(api):  # noqa: F811
    response = post(api, {"orders": [order_body("B-1"), order_body("B-2"), order_body("B-1")]})
    assert response.status_code == 200, response.json
    results = response.json["results"]
    first, second = Order.get(Order.external_ref == "B-1"), Order.get(Order.external_ref == "B-2")
    assert results == [{"index": 0, "id": first.id, "created": True, "status": "reviewing"},
                       {"index": 1, "id": second.id, "created": True, "status": "reviewing"},
                       {"index": 2, "id": first.id, "created": False, "status": "reviewing"}]
    assert (first.submitted_by, first.placed_by_id) == ("api:agent@relay.test", None)
    assert [m.args for m in OutboxMessage.select()] == [[[first.id, second.id]]]


def test_some_failed_answers_207_with_each_ones_errors(api):  # noqa: F811
    bad_schema = order_body("B-2")
    del bad_schema["ship_to"]
    unknown_sku = order_body("B-3", lines=[{"sku": "NOPE", "quantity": 1}])
    response = post(api, {"orders": [order_body("B-1"), bad_schema, unknown_sku, "not an order", order_body("B-5")]})
    assert response.status_code == 207, response.json
    results = response.json["results"]
    assert [result["index"] for result in results] == [0, 1, 2, 3, 4]
    assert results[0]["created"] is True and results[4]["created"] is True
    assert results[1] == {"index": 1, "errors": {"ship_to": ["Missing data for required field."]}}
    assert results[2] == {"index": 2, "errors": {"lines": {"0": {"sku": ["unknown SKU 'NOPE'"]}}}}
    assert set(results[3]) == {"index", "errors"}
    assert sorted(ref for (ref,) in Order.select(Order.external_ref).tuples()) == ["B-1", "B-5"]


@pytest.mark.parametrize("body", [
    {}, {"orders": []}, {"orders": {"0": order_body()}}, {"orders": [order_body()], "extra": 1},
], ids=["no-orders", "empty", "not-a-list", "unknown-key"])
def test_a_malformed_envelope_answers_422(api, body):  # noqa: F811
    response = post(api, body)
    assert response.status_code == 422
    assert "orders" in response.json["error"]
    assert Order.select().count() == 0


def test_more_than_500_orders_answer_422_and_place_nothing(api):  # noqa: F811
    response = post(api, {"orders": [order_body(f"B-{n}") for n in range(501)]})
    assert response.status_code == 422
    assert response.json["error"] == "501 orders in one request; send at most 500 a request"
    assert Order.select().count() == 0


def test_a_distributor_places_only_for_itself_and_its_customers(api):  # noqa: F811
    response = post(api, {"orders": [order_body("D-1"), order_body("D-2", customer_code="CUST2"),
                                     order_body("D-3", customer_code="DIST1")]}, as_user="distributor")
    assert response.status_code == 207
    results = response.json["results"]
    assert results[1] == {"index": 1, "errors": {"customer_code": ["customer 'CUST2' is not served by DIST1"]}}
    placed = Order.select().order_by(Order.id)
    assert [(o.external_ref, o.customer.code, o.placed_by_id) for o in placed] == \
        [("D-1", "CUST1", api.world["distributor"].id), ("D-3", "DIST1", api.world["distributor"].id)]


def test_other_roles_and_no_token_are_refused(api):  # noqa: F811
    assert post(api, {"orders": [order_body()]}, as_user="supplier").status_code == 403
    assert api.client.post(URL, json={"orders": [order_body()]}).status_code == 401
    assert Order.select().count() == 0


def test_text_no_database_can_store_refuses_the_request_naming_the_order_and_field(api):  # noqa: F811
    body = order_body("B-2")
    body["notes"] = "a\x00b"
    response = post(api, {"orders": [order_body("B-1"), body]})
    assert response.status_code == 422
    assert response.json["errors"] == {"orders": {"1": {"notes": [NUL_TEXT]}}}
    assert Order.select().count() == 0
