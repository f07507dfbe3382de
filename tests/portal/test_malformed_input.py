"""Malformed input is a 4xx naming what is wrong, never a 500: JSON nested without end, a body that is not an
object, NUL and lone surrogates in any text, on SQLite and on PostgreSQL (which refuses NUL in text outright)."""
from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from base64 import b64encode

import peewee
import pytest

from models.core.db import database
from models.intake.tables import SalesChannel
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken, Partner, User
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_body,
)
from portal.app import create_app
from portal.unstorable_text import is_unstorable_text_error
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.portal.conftest import USERS, place

CHANNEL_SECRET = "malformed-channel-secret"
JSON_POSTS = ["/api/v1/orders", "/api/v1/orders/batch", "/api/v1/orders/1/cancel", "/api/v1/orders/1/release",
              "/api/v1/orders/1/reject",
              "/api/v1/payments", "/api/v1/exchange-rates", "/api/v1/stock/adjustments", "/api/v1/stock/transfers",
              "/api/v1/purchase-orders/PO-1/receipts", "/api/v1/purchase-orders", "/api/v1/purchase-orders/PO-1/send",
              "/api/v1/purchase-orders/PO-1/cancel", "/api/v1/purchase-orders/PO-1/close",
              "/api/v1/purchase-orders/PO-1/counter/accept", "/api/v1/purchase-orders/PO-1/counter/reject",
              "/api/v1/purchase-orders/PO-1/confirmation", "/api/v1/purchase-orders/PO-1/asns",
              "/api/v1/purchase-orders/PO-1/asns/1/events",
              "/api/v1/returns", "/api/v1/returns/1/approve",
              "/api/v1/returns/1/reject", "/api/v1/returns/1/receive", "/api/v1/returns/1/inspection",
              "/api/v1/refunds/1/paid", "/api/v1/carriers/sandbox/events", "/api/v1/channels/shop/webhook",
              "/api/v1/replenishment/orders", "/api/v1/dead-letters/1/retry", "/api/v1/dead-letters/1/discard",
              "/api/v1/dead-letters/retry", "/api/v1/dead-letters/discard",
              "/api/v1/webhooks", "/api/v1/webhooks/1/enable", "/api/v1/webhooks/1/deliveries/1/redeliver",
              "PATCH /api/v1/orders/1", "PATCH /api/v1/purchase-orders/PO-1", "PATCH /api/v1/webhooks/1"]  # a method other than POST leads
LIST_PAGES = ["/orders", "/ops/shipments", "/shipments", "/ops/returns", "/ops/holds", "/ops/inventory",
              "/ops/alerts", "/intake", "/imports"]


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


class Api:
    """An ops_admin's API client (bearer token), signing the two webhook endpoints as their senders do."""

    def __init__(self, client, token: str, webhook_secret: str) -> None:
        self.client, self.token, self.webhook_secret = client, token, webhook_secret

    def post(self, path: str, raw: bytes | str, *, content_type: str = "application/json"):
        method, _, path = path.rpartition(" ")
        raw = raw.encode() if isinstance(raw, str) else raw
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": content_type}
        if path.startswith("/api/v1/carriers/"):
            stamp = int(time.time())
            headers.update({TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign_body(self.webhook_secret, stamp, raw)})
        if path.startswith("/api/v1/channels/"):
            digest = hmac.new(CHANNEL_SECRET.encode(), raw, hashlib.sha256).digest()
            headers.update({"X-Shopify-Hmac-Sha256": b64encode(digest).decode(), "X-Shopify-Topic": "orders/create"})
        return self.client.open(path, method=method or "POST", data=raw, headers=headers)

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)


def make_api(app) -> Api:
    SalesChannel.create(code="shop", kind="shopify", name="Shop", webhook_secret=CHANNEL_SECRET,
                        customer=Partner.get(Partner.code == "CUST1"), default_region="R1")
    token = ApiToken.issue(User.get(User.email == USERS["ops_admin"][0]))
    return Api(app.test_client(), token, app.config["OMS_SETTINGS"].carrier_webhook_secret)


@pytest.fixture
def api(app):
    place("PO-1")
    return make_api(app)


@pytest.mark.parametrize("path", JSON_POSTS)
@pytest.mark.parametrize("depth", [100_000, 990, 33])
def test_json_nested_deeper_than_the_limit_is_400_on_every_json_endpoint(api, path, depth):
    response = api.post(path, nested(depth))
    assert response.status_code == 400, response.text[:300]
    assert response.json["error"] == "JSON nested deeper than 32 levels"


def test_the_json_endpoints_listed_here_are_all_of_them(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.rule.startswith("/api/")}
    rules |= {f"PATCH {rule.rule}" for rule in app.url_map.iter_rules()
              if "PATCH" in rule.methods and rule.rule.startswith("/api/")}
    assert len(rules - {"/api/v1/orders/import"}) == len(JSON_POSTS)


@pytest.mark.parametrize("body", ["[1, 2]", '"cancel"', "5", "null", "not json"])
def test_cancel_with_a_body_that_is_not_an_object_is_400(api, body):
    response = api.post("/api/v1/orders/1/cancel", body)
    assert response.status_code == 400 and "JSON object" in response.json["error"]
    assert Order.get_by_id(1).status == "reviewing"


def test_cancel_with_a_reason_that_is_not_text_is_422_and_without_a_body_cancels(api):
    refused = api.post("/api/v1/orders/1/cancel", '{"reason": {"why": 1}}')
    assert (refused.status_code, refused.json["errors"]) == (422, {"reason": ["Not a valid string."]})
    assert api.post("/api/v1/orders/1/cancel", b"").json == {"id": 1, "status": "cancelled"}


BAD_TEXT = [("\\u0000", "must not contain NUL characters (\\u0000)"),
            ("\\ud800", "must be valid Unicode (it holds an unpaired surrogate such as \\ud800)")]


def with_text(body: dict, path: tuple, escape: str) -> str:
    """``body`` as JSON with the text at ``path`` holding the JSON escape ``escape`` (as a client would send it)."""
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = "a@@MARK@@b"
    return json.dumps(copy).replace("@@MARK@@", escape)


def nested_errors(path: tuple, message: str) -> dict:
    errors: object = [message]
    for step in reversed(path):
        errors = {str(step): errors}
    return errors


FIELDS = [
    ("/api/v1/orders", order_body("PO-9"), ("external_ref",)),
    ("/api/v1/orders", order_body("PO-9"), ("ship_to", "name")),
    ("/api/v1/orders", order_body("PO-9"), ("lines", 1, "sku")),
    ("/api/v1/orders", order_body("PO-9"), ("notes",)),
    ("/api/v1/payments", {"customer_code": "CUST1", "amount": "1.00", "currency": "USD", "reference": "R-1",
                          "method": "card"}, ("reference",)),
    ("/api/v1/stock/adjustments", {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": 1,
                                   "reason_code": "found", "note": "n"}, ("note",)),
    ("/api/v1/stock/adjustments", {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": 1,
                                   "reason_code": "found"}, ("sku",)),
    ("/api/v1/orders/1/cancel", {"reason": "r"}, ("reason",)),
    ("/api/v1/orders/1/release", {"comment": "c"}, ("comment",)),
    ("PATCH /api/v1/orders/1", {"ship_to": {"city": "c"}, "lines": [{"sku": "WIDGET", "quantity": 1}]},
     ("ship_to", "city")),
    ("PATCH /api/v1/orders/1", {"lines": [{"sku": "WIDGET", "quantity": 1}], "note": "n"}, ("lines", 0, "sku")),
]


@pytest.mark.parametrize("escape, message", BAD_TEXT, ids=["nul", "surrogate"])
@pytest.mark.parametrize("path, body, field", FIELDS, ids=[f"{p}:{'.'.join(map(str, f))}" for p, _, f in FIELDS])
def test_nul_or_a_lone_surrogate_in_any_text_field_is_422_naming_it(api, path, body, field, escape, message):
    response = api.post(path, with_text(body, field, escape))
    assert response.status_code == 422, response.text[:300]
    assert response.json["errors"] == nested_errors(field, message)
    assert Order.select().count() == 1  # nothing placed


@pytest.mark.parametrize("page", LIST_PAGES)
def test_nul_in_a_list_pages_query_is_400_naming_the_parameter(client, auth, page):
    auth.login_as("ops_admin")
    for name in ("q", "status", "sku", "before"):
        response = client.get(page, query_string={name: "\x00"})
        assert response.status_code == 400
        assert f"query parameter {name} must not contain NUL characters" in response.text


def test_nul_in_the_stock_apis_filters_is_400_json_naming_it(api):
    for name in ("sku", "warehouse", "after"):
        response = api.get("/api/v1/stock", query_string={name: "x\x00"})
        assert response.status_code == 400
        assert response.json["errors"] == {name: ["must not contain NUL characters (\\u0000)"]}


def test_nul_in_a_form_field_is_400_naming_it(client, auth):
    auth.login_as("ops_admin")
    response = client.post("/orders/1/cancel", data={"reason": "gone\x00"})
    assert response.status_code == 400 and "form field reason" in response.text


@pytest.mark.parametrize("exc, expected", [
    (ValueError("A string literal cannot contain NUL (0x00) characters."), True),
    (UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed"), True),
    (ValueError("invalid literal for int() with base 10: 'NULL'"), False),
    (UnicodeEncodeError("ascii", "é", 0, 1, "ordinal not in range(128)"), False),
    (peewee.DataError("value too long for type character varying(64)"), False),
])
def test_which_errors_are_unstorable_text(exc, expected):
    assert is_unstorable_text_error(exc) is expected


def test_unstorable_text_that_reaches_sqlite_is_a_400_not_a_500(tmp_path, sqlite_url):
    """The app's last catch: a view that lets a lone surrogate through to SQLite (nothing does today)."""
    from tests.portal.conftest import build_app

    app = build_app(tmp_path, sqlite_url, WTF_CSRF_ENABLED=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: an unhandled error is a 500 page

    @app.post("/api/v1/test-store")
    def store():
        database.execute_sql("SELECT ?", ("\ud800",))
        return "stored"

    @app.post("/test-fail")
    def fail():
        raise ValueError("something else")

    client = app.test_client()
    stored = client.post("/api/v1/test-store")
    assert stored.status_code == 400 and "cannot be stored" in stored.json["error"]
    assert client.post("/test-fail").status_code == 500  # any other ValueError stays a 500


# --- PostgreSQL, which refuses NUL in text -------------------------------------------------------

@pytest.fixture
def pg_app(tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url),
                     test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    make_world()
    create_user(USERS["ops_admin"][0], "ops_admin", password="correct-horse-1")
    place("PO-1")
    yield app
    if not database.is_closed():
        database.close()


@pytest.mark.postgres
def test_on_postgresql_nul_anywhere_is_a_4xx_naming_it(pg_app):
    api = make_api(pg_app)
    assert api.get("/api/v1/stock", query_string={"sku": "\x00"}).status_code == 400
    order = api.post("/api/v1/orders", with_text(order_body("PO-9"), ("ship_to", "city"), "\\u0000"))
    assert (order.status_code, order.json["errors"]) == (422, {"ship_to": {"city": [BAD_TEXT[0][1]]}})
    cancel = api.post("/api/v1/orders/1/cancel", with_text({"reason": "r"}, ("reason",), "\\u0000"))
    assert cancel.status_code == 422
    webhook = api.post("/api/v1/carriers/sandbox/events", with_text(
        {"events": [{"event_id": "e", "waybill_number": "W", "code": "x", "occurred_at": "2025-01-01T00:00:00Z"}]},
        ("events", 0, "event_id"), "\\u0000"))
    assert webhook.status_code == 422
    client = pg_app.test_client()
    client.post("/login", data={"email": USERS["ops_admin"][0], "password": "correct-horse-1"})
    for page in LIST_PAGES:
        assert client.get(page, query_string={"q": "\x00"}).status_code == 400, page
    assert Order.select().count() == 1


@pytest.mark.postgres
def test_on_postgresql_a_nul_in_an_upload_file_name_is_400_naming_it(pg_app):
    api = make_api(pg_app)
    upload = {"file": (io.BytesIO(b"external_ref,customer_code\n"), "orders\x00.csv")}
    response = api.client.post("/api/v1/orders/import", data=upload, content_type="multipart/form-data",
                               headers={"Authorization": f"Bearer {api.token}"})
    assert response.status_code == 400, response.text[:300]
    assert response.json["error"].startswith("file file name:")
