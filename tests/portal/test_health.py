"""Health probes and database outages: public liveness and readiness, the detail for ops only, 503 not 500."""
from __future__ import annotations

import pytest

from models.core.db import database
from models.partners.accounts import create_user
from models.partners.tables import ApiToken, User
from portal import broker_probe
from portal.app import create_app
from tests.conftest import copy_sqlite_template, free_port, settings_for
from tests.factories import make_world

HEALTH_TOKEN = "monitoring-token-0123456789"


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def down_app(tmp_path):
    """The portal pointed at a PostgreSQL server that is not running."""
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/oms"
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=url, OMS_HEALTH_TOKEN=HEALTH_TOKEN),
                     test_config={"TESTING": True})
    yield app
    if not database.is_closed():
        database.close()


# --- database outage -----------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/api/v1/orders/1"),
    ("post", "/api/v1/orders"),
    ("get", "/api/v1/stock?sku=WIDGET"),
])
def test_api_calls_during_a_database_outage_answer_503_json_with_retry_after(down_app, method, path):
    response = getattr(down_app.test_client(), method)(path, json={}, headers=bearer("oms_some-token"))
    assert response.status_code == 503
    assert response.json == {"error": "the database is unavailable; try again shortly"}
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/login", "/orders", "/track"])
def test_portal_pages_during_a_database_outage_answer_a_styled_503_page(down_app, path):
    response = down_app.test_client().get(path)
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    assert int(response.headers["Retry-After"]) > 0
    page = response.text
    assert "Back in a moment" in page and "portal.css" in page
    assert "Traceback" not in page and "OperationalError" not in page and "127.0.0.1" not in page


def test_the_outage_pages_stylesheet_is_served_without_the_database(down_app):
    response = down_app.test_client().get("/static/portal.css")
    assert response.status_code == 200 and response.mimetype == "text/css"


def test_probes_during_a_database_outage(down_app):
    client = down_app.test_client()
    live = client.get("/healthz/live")
    assert (live.status_code, live.json) == (200, {"status": "ok"})
    ready = client.get("/healthz/ready")
    assert (ready.status_code, ready.json) == (503, {"status": "unavailable"})
    assert int(ready.headers["Retry-After"]) > 0
    detail = client.get("/healthz", headers=bearer(HEALTH_TOKEN))
    assert detail.status_code == 503 and detail.mimetype == "application/json"
    assert (detail.json["status"], detail.json["database"]["status"]) == ("degraded", "error")
    assert detail.json["broker"] == {"status": "ok", "kind": "in-process"}
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 401 and "database" not in anonymous.json


# --- probes on a working database ----------------------------------------------------------------

@pytest.fixture
def app(tmp_path, sqlite_url):
    """The portal on a migrated SQLite file, with a health token, users of three roles and a broker that is away."""
    copy_sqlite_template(sqlite_url)
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url, OMS_HEALTH_TOKEN=HEALTH_TOKEN,
                                  OMS_BROKER_URL=f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F"),
                     test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    database.connect(reuse_if_open=True)
    make_world()
    for role in ("ops_agent", "distributor", "supplier"):
        create_user(f"{role}@relay.test", role, password="correct-horse-1",
                    partner_code={"distributor": "DIST1", "supplier": "SUP1"}.get(role))
    yield app
    if not database.is_closed():
        database.close()


def test_liveness_and_readiness_are_public_and_ignore_a_broker_that_is_away(app):
    client = app.test_client()
    assert (client.get("/healthz/live").status_code, client.get("/healthz/live").json) == (200, {"status": "ok"})
    ready = client.get("/healthz/ready")
    assert (ready.status_code, ready.json) == (200, {"status": "ok"})  # the outbox takes orders meanwhile


def test_readiness_is_503_on_an_unmigrated_database(tmp_path):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}"),
                     test_config={"TESTING": True})
    response = app.test_client().get("/healthz/ready")
    assert (response.status_code, response.json) == (503, {"status": "unavailable"})


def test_the_detail_is_for_ops_logins_ops_tokens_and_the_health_token(app):
    client = app.test_client()
    anonymous = client.get("/healthz")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == "Bearer"
    assert set(anonymous.json) == {"error"}
    assert client.get("/healthz", headers=bearer("not-the-token-0123456789")).status_code == 401
    for role in ("distributor", "supplier"):
        token = ApiToken.issue(User.get(User.email == f"{role}@relay.test"))
        assert client.get("/healthz", headers=bearer(token)).status_code == 401
    ops_token = ApiToken.issue(User.get(User.email == "ops_agent@relay.test"))
    for headers in (bearer(HEALTH_TOKEN), bearer(ops_token)):
        detail = client.get("/healthz", headers=headers)
        assert detail.status_code == 503  # the broker is away
        assert detail.json["database"] == {"status": "ok", "engine": "sqlite", "outbox_unsent": 0}
        assert (detail.json["status"], detail.json["broker"]["status"]) == ("degraded", "error")
    client.post("/login", data={"email": "ops_agent@relay.test", "password": "correct-horse-1"})
    assert client.get("/healthz").json["database"]["status"] == "ok"


def test_the_broker_is_probed_at_most_once_per_period(monkeypatch):
    probes = []
    monkeypatch.setattr(broker_probe, "_answers", {})
    monkeypatch.setattr(broker_probe, "_probe", lambda url: probes.append(url) or {"status": "ok", "n": len(probes)})
    url = "amqp://guest:guest@mq.internal:5672/%2F"
    assert [broker_probe.broker_state(url)["n"] for _ in range(5)] == [1] * 5
    assert broker_probe.broker_state("amqp://other:5672/%2F")["n"] == 2  # per broker
    assert broker_probe.broker_state(url, max_age=0)["n"] == 3  # older than max_age: probed again
    assert len(probes) == 3
