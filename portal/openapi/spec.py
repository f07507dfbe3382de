"""The OpenAPI 3.1 document of /api/v1, built with apispec and its marshmallow plugin from the operations of each
area; path parameters come from the Flask rules, so their types match what the routes accept."""
from __future__ import annotations

import re
from decimal import Decimal
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields
from werkzeug.routing import Map

from portal.openapi import (
    paths_operations,
    paths_orders,
    paths_reports,
    paths_stock_returns,
    paths_supply,
    paths_webhooks,
)
from portal.openapi.components import ERRORS, SECURITY, add_components
from portal.openapi.operations import PUBLIC, Op, obj
from schemas.fields import OptionalEmail

PREFIX = "/api/v1"
VERSION = "1"
RULE_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
# Flask converters as JSON schemas: <int:…> takes digits only; the default takes one path segment.
CONVERTERS = {"int": {"type": "integer", "minimum": 0}, "default": {"type": "string", "pattern": "^[^/]+$"}}

SELF = [
    Op("GET", "/openapi.json", "This description of the API (OpenAPI 3.1)", "meta", auth=PUBLIC,
       answers={200: obj("openapi:string", "info:object", "paths:object", required=True)}),
    Op("GET", "/docs", "The API's documentation page", "meta", auth=PUBLIC,
       answers={200: {"text/html": {"schema": {"type": "string"}}}}),
]
OPERATIONS: list[Op] = [*paths_orders.OPERATIONS, *paths_supply.OPERATIONS, *paths_stock_returns.OPERATIONS,
                        *paths_operations.OPERATIONS, *paths_reports.OPERATIONS, *paths_webhooks.OPERATIONS,
                        *SELF]


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/orders/<int:order_id>`` → ``/orders/{order_id}``."""
    return RULE_ARGUMENT.sub(lambda match: "{" + match["name"] + "}", rule)


def build_spec(url_map: Map, *, operations: list[Op] = OPERATIONS) -> dict:
    """The OpenAPI document of ``operations``, each named by the endpoint ``url_map`` serves it with."""
    marshmallow = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(title="Relay OMS API", version=VERSION, openapi_version="3.1.0", plugins=[marshmallow],
                   info={"description": "Orders, supply, stock, returns, money and reports over JSON. Errors answer "
                                        "{\"error\": …, \"errors\": {field: [message]}}."})
    marshmallow.map_to_openapi_type(OptionalEmail, "string", None)  # "" (no address) is taken: not format email
    marshmallow.converter.add_attribute_function(_decimal_as_string)
    add_components(spec)
    endpoints = {(rule.rule, method): rule.endpoint for rule in url_map.iter_rules() for method in rule.methods}
    by_path: dict[str, dict] = {}
    parameters_of: dict[str, list[dict]] = {}
    for op in operations:
        rule = PREFIX + op.rule
        path = openapi_path(rule)
        parameters_of[path] = _path_parameters(rule)
        operation = _operation(op, endpoints.get((rule, op.method)))
        by_path.setdefault(path, {})[op.method.lower()] = operation
    for path, methods in by_path.items():
        spec.path(path=path, operations=methods, parameters=parameters_of[path])
    document = spec.to_dict()
    document["webhooks"] = paths_webhooks.webhook_operations()
    return _plain_numbers(document)


def _decimal_as_string(self, field: fields.Field, ret: dict, **kwargs) -> dict:
    """Money dumped ``as_string`` is a JSON string of digits, not a number."""
    if not (isinstance(field, fields.Decimal) and field.as_string):
        return {}
    kind = ret.get("type")
    return {"type": [("string" if item == "number" else item) for item in kind] if isinstance(kind, list)
            else "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}


def _plain_numbers(value: object) -> object:
    """``value`` with the Decimal bounds of money fields as JSON numbers (JSON would write them as strings)."""
    if isinstance(value, dict):
        return {key: _plain_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(item) for item in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _schema_name(schema: Schema | type[Schema]) -> str:
    """The class name without "Schema"; a schema narrowed with ``only`` is a summary of its class."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return name + "Summary" if not isinstance(schema, type) and schema.only else name


def _path_parameters(rule: str) -> list[dict]:
    return [{"in": "path", "name": match["name"], "required": True,
             "schema": dict(CONVERTERS.get(match["converter"] or "default", CONVERTERS["default"]))}
            for match in RULE_ARGUMENT.finditer(rule)]


def _operation(op: Op, endpoint: str | None) -> dict:
    operation: dict = {"summary": op.summary, "tags": [op.tag], "security": SECURITY[op.auth],
                       "responses": _responses(op)}
    if endpoint:
        operation["operationId"] = endpoint
    text = " ".join(part for part in (op.description, f"Who: {op.roles}." if op.roles else "") if part)
    if text:
        operation["description"] = text
    if op.query is not None:
        operation["parameters"] = op.query if isinstance(op.query, list) else [{"in": "query", "schema": op.query}]
    content = op.body_content or ({"application/json": {"schema": op.body}} if op.body is not None else None)
    if content:
        operation["requestBody"] = {"required": op.body_required, "content": content}
    return operation


def _responses(op: Op) -> dict:
    responses = {str(status): {"description": HTTPStatus(status).phrase,
                               **({"content": _content(body)} if body is not None else {})}
                 for status, body in sorted(op.answers.items())}
    errors = set(op.errors) | {400, 503}
    if op.auth != PUBLIC:
        errors.add(401)
    if "<" in op.rule:
        errors.add(404)  # a path argument the route cannot take, or a record that is not there
    for status in sorted(errors):
        responses[str(status)] = ERRORS[status][0]
    return responses


def _content(body: object) -> dict:
    if isinstance(body, dict) and body and all("/" in key for key in body):
        return body  # already a content map (PDF, CSV, HTML, or JSON beside them)
    return {"application/json": {"schema": body}}
