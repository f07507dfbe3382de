"""A dead letter with a real cause, fixed and retried until its order ships.

The cause: the carriers configuration offers no carrier for express service, so an express order's waybill message
fails for good (the carrier rules refuse the parcel) and dies, while standard orders ship. Missing or broken master
data never kills a message: the pipeline turns it into a business status (review holds or rejects an order with an
unknown SKU or an unserved region, allocation backorders one without a lane or stock, a weightless parcel the
carrier refuses parks the shipment as failed for ops). Ops add express to the carriers configuration, retry the
dead letter with a note through the API, and the order ships with a waybill; the invariants hold. On the embedded
stack and on PostgreSQL + RabbitMQ with worker processes."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.shipping.tables import Shipment
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.pipeline_support import running_sandbox, sandbox_waybills, wait_until
from workers.broker import current_settings
from workers.relay import relay_once

NO_EXPRESS = "no configured carrier offers express service"


def write_carriers(path: Path, *, express: bool) -> str:
    """The bundled sandbox setup, with or without express service on the parcel carrier."""
    url = os.environ["OMS_CARRIER_URL"]
    parcel = {"adapter": "sandbox", "base_url": url, "tracking": "webhook", "rate_card": "parcel"}
    if not express:
        parcel["service_levels"] = ["economy", "standard"]
    path.write_text(json.dumps({
        "carriers": {"sandbox": parcel,
                     "sandbox_freight": {"adapter": "sandbox", "base_url": url, "tracking": "poll",
                                         "rate_card": "freight", "service_levels": ["economy", "standard"]}},
        "rules": [{"when": {"min_weight_kg": "30"}, "carrier": "sandbox_freight"}, {"carrier": "cheapest"}],
    }))
    return str(path)


def ops_client(app):
    allow_repeat_orders()  # the two orders carry the same lines on purpose
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    client = app.test_client()
    client.headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client.flask_app = app
    return client


def place(api, external_ref: str, *, priority: int = 0) -> int:
    answer = api.post("/api/v1/orders", json={**order_body(external_ref), "priority": priority}, headers=api.headers)
    assert answer.status_code == 202, answer.text
    return answer.get_json()["id"]


def open_dead_letters(api) -> list[dict]:
    answer = api.get("/api/v1/dead-letters", headers=api.headers)
    assert answer.status_code == 200, answer.text
    return answer.get_json()["items"]


def status(order_id: int) -> str:
    return Order.get_by_id(order_id).status


def assert_died_for_want_of_express(dead: dict, express: int) -> None:
    [shipment] = Shipment.select().where(Shipment.order == express)
    assert (dead["queue"], dead["actor"]) == ("oms_carrier", "request_waybills")
    assert shipment.id in dead["args"][0] and NO_EXPRESS in dead["error"], dead
    assert shipment.status == "ready" and status(express) == "allocated"


def retry(api, dead_id: int) -> None:
    answer = api.post(f"/api/v1/dead-letters/{dead_id}/retry", json={"note": "express added to the carriers"},
                      headers=api.headers)
    assert answer.status_code == 200, answer.text
    assert answer.get_json()["status"] == "retried"


def assert_shipped_with_waybill(api, order_id: int) -> None:
    resource = api.get(f"/api/v1/orders/{order_id}", headers=api.headers).get_json()
    assert resource["status"] == "shipped", resource["audit_trail"]
    [shipment] = resource["shipments"]
    assert shipment["waybill_number"].startswith("SBX")


# --- the embedded stack: SQLite and the in-process broker ---

@pytest.fixture
def embedded_api(tmp_path, sqlite_url, db):
    make_world()
    return ops_client(create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url),
                                 test_config={"TESTING": True}))


@pytest.fixture
def carriers_file(tmp_path, monkeypatch):
    """Point the embedded workers at a carriers file, as a restart with a new OMS_CARRIERS_FILE would (a process
    reads its settings once)."""

    def use(name: str, *, express: bool) -> None:
        monkeypatch.setenv("OMS_CARRIERS_FILE", write_carriers(tmp_path / name, express=express))
        current_settings.cache_clear()

    yield use
    current_settings.cache_clear()  # the next test reads the settings without this file


def settle(worker) -> None:
    """Relay and process until quiet, letting messages die (``drain`` would raise on the first)."""
    broker = worker.broker
    for _ in range(30):
        relay_once(broker)
        for queue in list(broker.queues):
            if not queue.endswith((".DQ", ".XQ")):
                broker.join(queue, fail_fast=False)
        worker.join()
        if not OutboxMessage.unsent().exists():
            return
    raise AssertionError("pipeline did not go quiet")


def test_an_express_order_no_carrier_serves_dies_then_ships_once_the_carriers_are_fixed(
        embedded_api, worker, carriers_file):
    api = embedded_api
    carriers_file("carriers.json", express=False)
    with running_sandbox() as carrier_url:
        express = place(api, "PO-EXPRESS", priority=1)
        standard = place(api, "PO-STANDARD")
        settle(worker)
        assert status(standard) == "shipped"  # one order's cause never holds up the rest
        [dead] = open_dead_letters(api)
        assert_died_for_want_of_express(dead, express)

        settle(worker)  # nothing retries it by itself: it waits for ops
        assert status(express) == "allocated" and [item["id"] for item in open_dead_letters(api)] == [dead["id"]]

        # Ops deploy the corrected carriers configuration and restart the workers, then retry.
        carriers_file("carriers-fixed.json", express=True)
        retry(api, dead["id"])
        settle(worker)
        waybills = sandbox_waybills(carrier_url)
    assert_shipped_with_waybill(api, express)
    assert open_dead_letters(api) == []
    assert len(waybills) == 2
    assert all(not found for found in run_checks().values()), run_checks()


# --- the production stack: PostgreSQL, RabbitMQ, `oms worker` and `oms relay` processes ---

@pytest.fixture
def production_api(tmp_path, postgres_url, pg_db):
    make_world(on_hand=1000)
    return ops_client(create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url),
                                 test_config={"TESTING": True}))


@pytest.mark.postgres
@pytest.mark.rabbitmq
@pytest.mark.slow
def test_on_rabbitmq_the_dead_waybill_message_is_retried_after_the_fix_and_the_order_ships(
        stack, production_api, tmp_path):
    api = production_api
    stack.env["OMS_CARRIERS_FILE"] = write_carriers(tmp_path / "carriers.json", express=False)
    with running_sandbox() as carrier_url:
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        express = place(api, "PO-EXPRESS", priority=1)
        standard = place(api, "PO-STANDARD")
        wait_until(lambda: status(standard) == "shipped", timeout=60, what="the standard order shipped")
        wait_until(lambda: open_dead_letters(api) != [], timeout=30, what="the express order's dead letter")
        [dead] = open_dead_letters(api)
        assert_died_for_want_of_express(dead, express)

        # Ops correct the carriers file and restart the workers, which read it when they start; then retry.
        write_carriers(Path(stack.env["OMS_CARRIERS_FILE"]), express=True)
        stack.kill("worker", signal.SIGTERM)
        stack.start("worker", "worker")
        retry(api, dead["id"])
        wait_until(lambda: status(express) == "shipped", timeout=60, what="the express order shipped")
        waybills = sandbox_waybills(carrier_url)
    assert_shipped_with_waybill(api, express)
    assert open_dead_letters(api) == []
    assert len(waybills) == 2
    assert all(not found for found in run_checks().values()), run_checks()
