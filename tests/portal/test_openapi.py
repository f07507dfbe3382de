"""The OpenAPI description: every /api/v1 route is in it and nothing else is, it is valid OpenAPI 3.1, and the
docs page shows it."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from portal.openapi.spec import openapi_path

IGNORED = {"HEAD", "OPTIONS"}  # Flask answers these for every route by itself


def api_routes(app) -> set[tuple[str, str]]:
    return {(openapi_path(rule.rule), method.lower()) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api/v1/") for method in rule.methods - IGNORED}


def spec_operations(spec: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item if method != "parameters"}


def test_the_spec_and_the_routes_agree(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    routes = api_routes(app)
    assert routes - spec_operations(spec) == set(), "routes missing from the OpenAPI description"
    assert spec_operations(spec) - routes == set(), "operations described that no route serves"


def test_each_operation_is_named_by_its_endpoint_and_says_its_auth(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    endpoints = {(openapi_path(rule.rule), method.lower()): rule.endpoint for rule in app.url_map.iter_rules()
                 for method in rule.methods - IGNORED}
    for path, method in spec_operations(spec):
        operation = spec["paths"][path][method]
        assert operation["operationId"] == endpoints[(path, method)]
        assert "security" in operation and operation["responses"], (method, path)


def test_path_parameters_follow_the_flask_converters(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    order_id = paths["/api/v1/orders/{order_id}"]["parameters"][0]
    assert order_id["schema"]["type"] == "integer" and order_id["in"] == "path"
    assert paths["/api/v1/purchase-orders/{number}"]["parameters"][0]["schema"]["type"] == "string"


def test_the_spec_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")  # no token: the description is public
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_bodies_come_from_the_marshmallow_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    order = spec["components"]["schemas"][body["$ref"].split("/")[-1]]
    assert {"external_ref", "customer_code", "lines", "ship_to"} <= set(order["required"])
    assert spec["paths"]["/api/v1/orders/{order_id}/cancel"]["post"]["responses"]["409"] == {
        "$ref": "#/components/responses/Conflict"}
    assert spec["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


def test_the_docs_page_lists_every_operation_without_outside_scripts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for path, method in spec_operations(spec):
        assert f"{method.upper()} {path}" in page
    assert "<script" not in page and "https://" not in page


def test_every_event_type_is_described_as_a_webhook_and_real_bodies_match_it(client, app):
    import json

    import jsonschema

    from models.core.audit import StatusChange
    from models.partners.accounts import create_user
    from models.webhooks.fanout import fan_out_events
    from models.webhooks.rules import EVENT_TYPES, event_body
    from models.webhooks.subscriptions import create_subscription
    from models.webhooks.tables import WebhookEvent
    from tests.portal.conftest import place

    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["webhooks"]) == set(EVENT_TYPES)
    with app.app_context():
        admin = create_user("hooks@relay.test", "ops_admin", password="pw-123456789")[0]
        create_subscription(admin, "https://erp.example/hooks", list(EVENT_TYPES))
        fan_out_events()  # the cursors start here
        order = place("SPEC-1")
        StatusChange.create(entity="order", entity_id=order.id, from_status="reviewing", to_status="on_hold",
                            actor="test", reason="for the spec")
        assert fan_out_events() > 0
        events = list(WebhookEvent.select())
    assert events
    for event in events:
        body = json.loads(event_body(event.event_type, event.occurred_at, json.loads(event.payload)))
        schema = spec["webhooks"][event.event_type]["post"]["requestBody"]["content"]["application/json"]["schema"]
        jsonschema.validate(body, schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema does hold a body to its shape
        jsonschema.validate({"type": "order.status_changed", "timestamp": "x", "data": {"to_status": 3}}, schema)
