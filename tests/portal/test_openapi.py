"""The OpenAPI description: every /api/v1 route is in it and nothing else is, it is valid OpenAPI 3.1, and the
docs page shows it."""
from __future__ import annotations

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
