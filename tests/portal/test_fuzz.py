"""Hostile input never gets a 5xx: every JSON endpoint and every query parameter, fuzzed as an ops_admin on SQLite.

The routes come from the app's url_map, so a new endpoint is fuzzed without touching this file. JSON endpoints get
arbitrary JSON values (deeply nested, wrong types, NUL and lone surrogates in text, huge numbers, non-objects) and
valid bodies with one field swapped for such a value; signed webhooks are signed so the body is really read. Every
GET route gets hostile values in the query parameters the portal and the API read.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.intake.tables import SalesChannel
from models.partners.tables import ApiToken, Partner, User
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_body,
)
from tests.factories import order_body
from tests.portal.conftest import USERS, place

CHANNEL_SECRET = "fuzz-channel-secret"
# Every query parameter a portal page or API list reads (grep request.args and the list schemas).
QUERY_PARAMS = ("q", "status", "before", "after", "page", "limit", "sku", "warehouse", "carrier", "low", "reason",
                "view", "days", "next", "reference", "shipment", "source_message", "scope", "rule", "channel",
                "customer", "order", "return", "supplier", "sku_class", "to_order")
# Valid bodies per endpoint (by rule), so that a swapped field is read past the first check.
BODIES = {
    "/api/v1/orders": order_body("FUZZ-1"),
    "/api/v1/orders/batch": {"orders": [order_body("FUZZ-2"), order_body("FUZZ-3")]},
    "/api/v1/orders/<int:order_id>/cancel": {"reason": "changed mind"},
    "/api/v1/orders/<int:order_id>/release": {"comment": "ok"},
    "/api/v1/orders/<int:order_id>/reject": {"comment": "no"},
    # a method other than POST leads the key
    "PATCH /api/v1/orders/<int:order_id>": {"ship_to": {"region": "R2", "country": "US"}, "requested_delivery_date":
                                            "2026-12-24", "lines": [{"sku": "WIDGET", "quantity": 2,
                                                                     "unit_price": "10.00"}], "note": "fuzz"},
    "/api/v1/exchange-rates": {"rates": [{"day": "2026-05-01", "currency": "EUR", "rate": "0.92"}]},
    "/api/v1/payments": {"customer_code": "CUST1", "amount": "10.00", "currency": "USD", "reference": "PAY-1",
                         "method": "bank_transfer", "received_on": "2025-01-02"},
    "/api/v1/stock/adjustments": {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": 1,
                                  "reason_code": "found", "note": "n"},
    "/api/v1/stock/transfers": {"from_warehouse": "EAST", "to_warehouse": "WEST", "sku": "WIDGET", "quantity": 1,
                                "reason_code": "rebalance", "note": "n"},
    "/api/v1/purchase-orders/<number>/receipts": {"lines": [{"sku": "WIDGET", "quantity": 1, "damaged": 0}],
                                                  "asn": 1, "note": ""},
    "/api/v1/purchase-orders": {"supplier": "SUP1", "warehouse": "EAST", "expected_at": "2031-01-02", "note": "n",
                                "lines": [{"sku": "WIDGET", "quantity": 1, "unit_price": "1.00"}]},
    "/api/v1/purchase-orders/<number>/send": {},
    "PATCH /api/v1/purchase-orders/<number>": {"lines": [{"sku": "WIDGET", "quantity": 2, "unit_price": "1.00"}],
                                               "expected_at": "2031-01-03", "note": "n"},
    "/api/v1/purchase-orders/<number>/cancel": {"reason": "r"},
    "/api/v1/purchase-orders/<number>/close": {"reason": "r"},
    "/api/v1/purchase-orders/<number>/counter/accept": {},
    "/api/v1/purchase-orders/<number>/counter/reject": {"reason": "r"},
    "/api/v1/purchase-orders/<number>/confirmation": {"lines": [{"sku": "WIDGET", "quantity": 1,
                                                                 "promised_date": "2031-01-02", "counter": False}]},
    "/api/v1/purchase-orders/<number>/asns": {"lines": [{"sku": "WIDGET", "quantity": 1}], "carrier": "DHL",
                                              "tracking_number": "T1", "expected_on": "2031-01-02",
                                              "reference": "A1"},
    "/api/v1/purchase-orders/<number>/asns/<int:asn_id>/events": {"events": [
        {"code": "in_transit", "occurred_at": "2031-01-02T10:00:00Z", "location": "Hub", "description": "d",
         "event_id": "E1"}]},
    "/api/v1/replenishment/orders": {"items": [{"sku": "WIDGET", "warehouse": "EAST", "quantity": 1}], "send": False},
    "/api/v1/dead-letters/<int:dead_letter_id>/retry": {"note": "master data fixed"},
    "/api/v1/dead-letters/<int:dead_letter_id>/discard": {"note": "not needed"},
    "/api/v1/dead-letters/retry": {"ids": [1], "note": "master data fixed"},
    "/api/v1/dead-letters/discard": {"ids": [1], "note": "not needed"},
    "/api/v1/returns": {"order_id": 1, "resolution": "refund", "reason": "damaged", "comment": "",
                        "lines": [{"sku": "WIDGET", "quantity": 1, "exchange_sku": None}]},
    "/api/v1/returns/<int:return_id>/approve": {"note": ""},
    "/api/v1/returns/<int:return_id>/reject": {"note": "no"},
    "/api/v1/returns/<int:return_id>/receive": {},
    "/api/v1/returns/<int:return_id>/inspection": {"lines": [{"line_id": 1, "condition": "resellable", "note": ""}]},
    "/api/v1/refunds/<int:refund_id>/paid": {"reference": "BANK-1"},
    "/api/v1/webhooks": {"url": "https://erp.example/hooks", "events": ["order.status_changed", "return.*"],
                         "description": "ERP"},
    "PATCH /api/v1/webhooks/<int:subscription_id>": {"url": "https://erp.example/h2", "events": ["stock.low"],
                                                    "active": False},
    "/api/v1/webhooks/<int:subscription_id>/enable": {},
    "/api/v1/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver": {},
    "/api/v1/carriers/<carrier>/events": {"events": [{"event_id": "e1", "waybill_number": "SBX1", "code": "delivered",
                                                      "occurred_at": "2025-03-01T10:00:00Z"}]},
    "/api/v1/channels/<code>/webhook": json.loads((Path(__file__).resolve().parents[1] / "data"
                                                   / "shopify-orders-create.json").read_text()),
}
URL_VALUES = {"carrier": "sandbox", "number": "PO-1", "sku": "WIDGET", "scope": "customer", "change": "up",
              "token": "not-a-token", "filename": "portal.css"}
CODE_BY_RULE = {"/api/v1/channels/<code>/webhook": "fuzz-shop", "/api/v1/customers/<code>/receivables": "CUST1",
                "/api/v1/warehouses/<code>/pick-list.pdf": "EAST"}
NOT_JSON = ("/api/v1/orders/import",)  # a multipart upload, fuzzed by the file import's own tests

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "a\x00b", "\ud800", "x\udfffy", "\ud83d", "%00", "' OR 1=1 --", "../../etc/passwd",
                     "-1", "0", "1e999", "9" * 40, "-9" * 30, "NaN", "Infinity", "null", "[]", "{}", "\u202e",
                     "😀", "ß" * 300, "x" * 5000, " ", "\t\n", "%", "_", "\\"]),
)
huge_numbers = st.one_of(st.integers(min_value=-(10**40), max_value=10**40),
                         st.sampled_from([2**31, 2**63, -(2**63) - 1, 10**300]),
                         st.floats(allow_nan=False, allow_infinity=False), st.just(1e308))
scalars = st.one_of(st.none(), st.booleans(), huge_numbers, hostile_text)
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)), max_leaves=12)


def nested(depth: int, opener: str = "[") -> bytes:
    closer = {"[": "]", "{": "}"}[opener]
    inner = '"a":' if opener == "{" else ""
    return ((opener + inner) * depth + "1" + closer * depth).encode()


deep_bodies = st.builds(nested, st.sampled_from([33, 100, 990, 5_000, 100_000]), st.sampled_from(["[", "{"]))


def paths(value, prefix=()):
    """Every path to a value inside a JSON body (for swapping one field)."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def swapped(body, path, value):
    if not path:
        return value
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@pytest.fixture
def fuzz(app, client, auth):
    """The app with an order, a channel and an ops_admin signed in (session) and holding a token."""
    place("FUZZ-0")
    SalesChannel.create(code="fuzz-shop", kind="shopify", name="Fuzz shop", webhook_secret=CHANNEL_SECRET,
                        customer=Partner.get(Partner.code == "CUST1"), default_region="R1")
    auth.login_as("ops_admin")
    token = ApiToken.issue(User.get(User.email == USERS["ops_admin"][0]))
    rules = list(app.url_map.iter_rules())
    posts = sorted(r.rule for r in rules if "POST" in r.methods and r.rule.startswith("/api/") and
                   r.rule not in NOT_JSON)
    posts += sorted(f"PATCH {r.rule}" for r in rules if "PATCH" in r.methods and r.rule.startswith("/api/"))
    gets = sorted((r.rule for r in rules if "GET" in r.methods and r.endpoint != "static"), key=str)
    assert set(posts) <= set(BODIES), f"add a valid body for {set(posts) - set(BODIES)}"
    return {"client": client, "token": token, "posts": posts, "gets": gets,
            "secret": app.config["OMS_SETTINGS"].carrier_webhook_secret}


def url_for_rule(rule: str) -> str:
    url = rule
    for arg, value in URL_VALUES.items():
        url = url.replace(f"<{arg}>", value).replace(f"<path:{arg}>", value)
    url = url.replace("<code>", CODE_BY_RULE.get(rule, "CUST1"))
    while "<int:" in url:
        start = url.index("<int:")
        url = url[:start] + "1" + url[url.index(">", start) + 1:]
    assert "<" not in url, f"no value for an argument of {rule}"
    return url


def post_json(fuzz, rule: str, raw: bytes):
    method, _, rule = rule.rpartition(" ")
    headers = {"Authorization": f"Bearer {fuzz['token']}", "Content-Type": "application/json"}
    if rule == "/api/v1/carriers/<carrier>/events":
        stamp = int(time.time())
        headers.update({TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign_body(fuzz["secret"], stamp, raw)})
    elif rule == "/api/v1/channels/<code>/webhook":
        digest = hmac.new(CHANNEL_SECRET.encode(), raw, hashlib.sha256).digest()
        headers.update({"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(), "X-Shopify-Topic": "orders/create"})
    return fuzz["client"].open(url_for_rule(rule), method=method or "POST", data=raw, headers=headers)


def encode(value) -> bytes:
    # ensure_ascii writes lone surrogates as \ud800 escapes, as a JavaScript client would send them
    return json.dumps(value).encode()


FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_no_json_body_gets_a_5xx(fuzz, data):
    rule = data.draw(st.sampled_from(fuzz["posts"]), label="endpoint")
    kind = data.draw(st.sampled_from(["swap", "swap", "any", "deep"]), label="kind")
    if kind == "deep":
        raw = data.draw(deep_bodies, label="deep")
    elif kind == "any":
        raw = encode(data.draw(json_values, label="value"))
    else:
        body = BODIES[rule]
        path = data.draw(st.sampled_from(list(paths(body))), label="path")
        raw = encode(swapped(body, path, data.draw(json_values, label="value")))
    response = post_json(fuzz, rule, raw)
    assert response.status_code < 500, (rule, raw[:300], response.status_code, response.text[:500])


@FUZZ
@given(data=st.data())
def test_no_query_parameter_gets_a_5xx(fuzz, data):
    rule = data.draw(st.sampled_from(fuzz["gets"]), label="route")
    params = data.draw(st.dictionaries(st.sampled_from(QUERY_PARAMS), hostile_text, min_size=1, max_size=3),
                       label="params")
    headers = {"Authorization": f"Bearer {fuzz['token']}"} if rule.startswith("/api/") else {}
    response = fuzz["client"].get(url_for_rule(rule), query_string=query(params), headers=headers)
    assert response.status_code < 500, (rule, params, response.status_code, response.text[:500])


def query(params: dict[str, str]) -> str:
    """A query string as any client can send it: a lone surrogate goes out as its (invalid) UTF-8 bytes."""
    return "&".join(f"{quote(name)}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
                    for name, value in params.items())


def test_every_route_and_query_parameter_takes_a_nul(fuzz):
    """Exhaustively, without hypothesis: each GET route with each parameter holding a NUL is refused with 400."""
    for rule in fuzz["gets"]:
        headers = {"Authorization": f"Bearer {fuzz['token']}"} if rule.startswith("/api/") else {}
        for name in QUERY_PARAMS:
            response = fuzz["client"].get(url_for_rule(rule), query_string={name: "a\x00"}, headers=headers)
            assert response.status_code == 400, (rule, name, response.status_code)
            assert name in response.text
