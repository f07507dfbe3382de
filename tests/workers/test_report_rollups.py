"""The report rollups kept by the running pipeline: orders placed through the API, shipped by the workers with
sandbox waybills and delivered by the carrier's tracking events equal a rebuild and the figures computed from the
raw rows, on the embedded default (SQLite, in-process broker) and on PostgreSQL with RabbitMQ."""
from __future__ import annotations

import pytest

from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken, Partner
from models.reports.sales_rollup import rebuild_rollups
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.models.reports.raw_figures import kept_rollups, raw_rollups
from tests.pipeline_support import drain, running_portal, running_sandbox, wait_until

BODIES = [order_body("RPT-1"), order_body("RPT-2", channel="portal"), order_body("RPT-3", region="R2"),
          order_body("RPT-4", customer_code="CUST9", lines=[{"sku": "GADGET", "quantity": 4}]),
          order_body("RPT-5", channel="email", lines=[{"sku": "WIDGET", "quantity": 7, "unit_price": "11.00"}])]


def _world() -> None:
    make_world(on_hand=1000)
    allow_repeat_orders()
    Partner.create(code="CUST9", name="Customer Nine", kind="customer", region="R2")


def _api(app):
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    return client, headers


def _all_delivered(ids) -> bool:
    return {o.status for o in Order.select(Order.status).where(Order.id.in_(ids))} == {"delivered"}


def _assert_kept_as_raw_and_rebuilt(client, headers) -> None:
    kept = kept_rollups()
    assert kept == raw_rollups()
    sales, skus, cycles, *_ = kept
    assert sum(orders for orders, _, _ in sales.values()) == len(BODIES)
    assert sum(count for (_, step, _), count in cycles.items() if step == "shipped_to_delivered") == len(BODIES)
    rebuild_rollups()
    assert kept_rollups() == kept
    body = client.get("/api/v1/reports/sales?by=channel", headers=headers).get_json()
    assert {r["key"]: r["orders"] for r in body["rows"]} == {"api": 3, "portal": 1, "email": 1}


@pytest.mark.slow(seconds=20)
def test_the_embedded_pipeline_keeps_the_rollups(tmp_path, sqlite_url, db, worker):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url), test_config={"TESTING": True})
    _world()
    client, headers = _api(app)
    with running_portal(app), running_sandbox(delivery_seconds=0.6):
        ids = [client.post("/api/v1/orders", json=body, headers=headers).get_json()["id"] for body in BODIES]
        drain(worker)
        wait_until(lambda: _all_delivered(ids), timeout=30, what="all delivered")
    _assert_kept_as_raw_and_rebuilt(client, headers)


@pytest.mark.postgres
@pytest.mark.rabbitmq
@pytest.mark.slow(seconds=40)
def test_workers_on_postgres_and_rabbitmq_keep_the_rollups(tmp_path, postgres_url, pg_db, stack):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    _world()
    client, headers = _api(app)
    with running_sandbox(delivery_seconds=1.0), running_portal(app):
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        ids = [client.post("/api/v1/orders", json=body, headers=headers).get_json()["id"] for body in BODIES]
        wait_until(lambda: _all_delivered(ids), timeout=90, what="all delivered")
    _assert_kept_as_raw_and_rebuilt(client, headers)
