"""Webhook subscriptions by API: the secret once, partners only their own, the delivery log and redelivery."""
from types import SimpleNamespace

import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.partners.tables import ApiToken, Partner, User
from models.webhooks.fanout import fan_out_events
from models.webhooks.tables import WebhookDelivery
from schemas.orders import order_schema
from tests.factories import make_world, order_body
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "distributor": "DIST1", "supplier": "SUP1", "dist2": "DIST2"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    make_world()
    Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    tokens = {}
    for name, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        role = "distributor" if name == "dist2" else name
        user = User.create(email=f"{name}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[name] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens)
    if not database.is_closed():
        database.close()


def call(api, who: str, method: str, path: str, body=None):
    return api.client.open(f"/api/v1{path}", method=method, json=body,
                           headers={"Authorization": f"Bearer {api.tokens[who]}"})


def subscribe(api, who: str, events=("order.status_changed",), url="https://erp.example/hooks"):
    return call(api, who, "POST", "/webhooks", {"url": url, "events": list(events)})


def test_create_answers_201_with_a_whsec_secret_shown_only_then(api):
    created = subscribe(api, "ops_admin", ["order.status_changed", "purchase_order.*"])
    assert created.status_code == 201, created.text
    assert created.json["secret"].startswith("whsec_") and created.json["owner"] == "ops"
    read = call(api, "ops_admin", "GET", f"/webhooks/{created.json['id']}")
    assert read.status_code == 200 and "secret" not in read.json
    assert read.json["events"] == ["order.status_changed", "purchase_order.*"]


@pytest.mark.parametrize("body, field", [
    ({"url": "ftp://erp.example/x", "events": ["order.status_changed"]}, "url"),
    ({"url": "https://erp.example/x", "events": ["order.deleted"]}, "events"),
    ({"url": "https://erp.example/x", "events": []}, "events"),
    ({"events": ["stock.low"]}, "url"),
])
def test_a_bad_url_or_event_type_is_422_naming_the_field(api, body, field):
    response = call(api, "ops_admin", "POST", "/webhooks", body)
    assert response.status_code == 422 and field in response.json["errors"], response.text


def test_other_ops_roles_may_not_manage_webhooks(api):
    assert subscribe(api, "ops_agent").status_code == 403
    assert call(api, "ops_agent", "GET", "/webhooks").status_code == 403


def test_partners_see_and_change_only_their_own(api):
    mine = subscribe(api, "distributor").json["id"]
    theirs = subscribe(api, "dist2").json["id"]
    ops = subscribe(api, "ops_admin").json["id"]
    assert [w["id"] for w in call(api, "distributor", "GET", "/webhooks").json["webhooks"]] == [mine]
    for path in (f"/webhooks/{theirs}", f"/webhooks/{ops}", f"/webhooks/{theirs}/deliveries"):
        assert call(api, "distributor", "GET", path).status_code == 404
    assert call(api, "distributor", "PATCH", f"/webhooks/{theirs}", {"active": False}).status_code == 404
    assert call(api, "distributor", "DELETE", f"/webhooks/{theirs}").status_code == 404
    assert {w["id"] for w in call(api, "ops_admin", "GET", "/webhooks").json["webhooks"]} == {mine, theirs, ops}


def test_change_disable_enable_and_delete(api):
    sub = subscribe(api, "supplier", ["purchase_order.*"]).json["id"]
    changed = call(api, "supplier", "PATCH", f"/webhooks/{sub}", {"active": False, "url": "http://10.1.2.3/h"})
    assert changed.status_code == 200 and not changed.json["active"] and changed.json["url"] == "http://10.1.2.3/h"
    enabled = call(api, "supplier", "POST", f"/webhooks/{sub}/enable")
    assert enabled.status_code == 200 and enabled.json["active"] and enabled.json["failure_streak"] == 0
    assert call(api, "supplier", "DELETE", f"/webhooks/{sub}").status_code == 204
    assert call(api, "supplier", "GET", f"/webhooks/{sub}").status_code == 404


def test_the_delivery_log_and_redeliver(api):
    sub = subscribe(api, "distributor").json["id"]
    place_order(order_schema.load(order_body("API-HOOK")), actor="test")
    fan_out_events()
    log = call(api, "distributor", "GET", f"/webhooks/{sub}/deliveries")
    assert log.status_code == 200 and log.json["deliveries"]
    first = log.json["deliveries"][0]
    assert first["type"] == "order.status_changed" and first["webhook_id"].startswith("msg_")
    assert first["status"] == "pending" and first["data"]["order_ref"] == "API-HOOK"
    WebhookDelivery.update(status="failed").where(WebhookDelivery.id == first["id"]).execute()
    again = call(api, "distributor", "POST", f"/webhooks/{sub}/deliveries/{first['id']}/redeliver")
    assert again.status_code == 202 and again.json["status"] == "pending"
    other = subscribe(api, "dist2").json["id"]
    assert call(api, "dist2", "POST", f"/webhooks/{other}/deliveries/{first['id']}/redeliver").status_code == 404
