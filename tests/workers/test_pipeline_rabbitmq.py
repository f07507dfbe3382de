"""The pipeline on the production stack: PostgreSQL, RabbitMQ, `oms worker` and `oms relay` as real
processes, the sandbox carrier, and the portal receiving tracking events over HTTP."""
from __future__ import annotations

import time
from dataclasses import replace

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.shipping.tables import Shipment, Waybill
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.pipeline_support import (
    running_portal,
    running_sandbox,
    sandbox_waybills,
    wait_until,
)
from tests.workers.conftest import delete_queues, queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def api(tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    make_world(on_hand=1000)
    allow_repeat_orders()  # pipeline mechanics: identical orders on purpose
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    token = ApiToken.issue(user)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    client.post_order = lambda body: client.post("/api/v1/orders", json=body, headers=headers)
    client.order = lambda order_id: client.get(f"/api/v1/orders/{order_id}", headers=headers).get_json()
    client.flask_app = app
    client.headers = headers  # the /healthz detail is for ops tokens
    return client


def _statuses(ids) -> dict[str, int]:
    counts: dict[str, int] = {}
    for order in Order.select(Order.status).where(Order.id.in_(ids)):
        counts[order.status] = counts.get(order.status, 0) + 1
    return counts


def _all_in(ids, status: str) -> bool:
    return _statuses(ids) == {status: len(ids)}


def _assert_one_effect_each(ids, carrier_url) -> None:
    lines = OrderLine.select().where(OrderLine.order.in_(ids)).count()
    assert Reservation.select().count() == lines
    shipments = Shipment.select().where(Shipment.order.in_(ids)).count()
    assert shipments == len(ids)
    assert Waybill.select().where(Waybill.status == "issued").count() == shipments
    assert len(sandbox_waybills(carrier_url)) == shipments
    assert all(not v for v in run_checks().values()), run_checks()


def test_orders_reach_shipped_then_delivered_on_rabbitmq_and_postgres(stack, api):
    with running_sandbox(delivery_seconds=1.0) as carrier_url, running_portal(api.flask_app):
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        ids = [api.post_order(order_body(f"RMQ-{n}")).get_json()["id"] for n in range(20)]
        wait_until(lambda: _all_in(ids, "shipped") or _all_in(ids, "delivered") or
                   _statuses(ids).keys() <= {"shipped", "delivered"}, timeout=60, what="all shipped")
        resource = api.order(ids[0])
        assert resource["shipments"][0]["waybill_number"].startswith("SBX")
        wait_until(lambda: _all_in(ids, "delivered"), timeout=60, what="all delivered")
        _assert_one_effect_each(ids, carrier_url)


def test_every_message_delivered_twice_changes_nothing(stack, api, rabbitmq_url):
    with running_sandbox() as carrier_url:
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        ids = [api.post_order(order_body(f"TWICE-{n}")).get_json()["id"] for n in range(10)]
        wait_until(lambda: _all_in(ids, "shipped"), timeout=60, what="all shipped")
        # Deliver every stage message of the whole run a second time, straight to RabbitMQ.
        publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
        for row in OutboxMessage.select().order_by(OutboxMessage.id):
            publisher.enqueue(dramatiq.Message(queue_name=row.queue_name, actor_name=row.actor_name,
                                               args=tuple(row.args), kwargs={}, options={}))
        publisher.close()
        wait_until(lambda: queue_depth(rabbitmq_url) == 0, timeout=30, what="queues drained")
        time.sleep(1.0)  # let the last in-flight duplicates finish
        assert _all_in(ids, "shipped")
        _assert_one_effect_each(ids, carrier_url)


def test_killed_workers_and_lost_messages_strand_no_order(stack, api, rabbitmq_url):
    with running_sandbox(fault_5xx_rate=0.2, fault_lost_reply_rate=0.2, seed=7) as carrier_url:
        stack.start("relay", "relay")
        ids = [api.post_order(order_body(f"KILL-{n}")).get_json()["id"] for n in range(20)]
        # No worker yet: the relay publishes, then RabbitMQ "loses" the messages.
        wait_until(lambda: not OutboxMessage.unsent().exists(), timeout=20, what="outbox published")
        delete_queues(rabbitmq_url)
        stack.start("worker", "worker")
        time.sleep(1.5)
        stack.kill("worker")  # SIGKILL mid-flight: unacked messages go back to the queue
        stack.start("worker", "worker")
        # The sweeper (in the relay, stuck after 3 s) re-drives the lost ones.
        wait_until(lambda: _all_in(ids, "shipped"), timeout=120, what="all shipped after crashes")
        _assert_one_effect_each(ids, carrier_url)


def test_poison_message_ends_in_the_dead_letter_queue_shown_by_healthz(stack, api, rabbitmq_url):
    stack.start("worker", "worker")
    publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
    publisher.enqueue(dramatiq.Message(queue_name="oms_intake", actor_name="intake_orders",
                                       args=(["not-an-order-id"],), kwargs={}, options={}))
    publisher.close()
    health = {}

    def dead_lettered() -> bool:
        health.update(api.get("/healthz", headers=api.headers).get_json())
        return health["broker"]["dead_letters"]["oms_intake"] == 1

    # The app under test runs on the in-process broker; ask it about RabbitMQ through its settings.
    api.flask_app.config["OMS_SETTINGS"] = replace(api.flask_app.config["OMS_SETTINGS"], broker_url=rabbitmq_url)
    wait_until(dead_lettered, timeout=30, what="the poison message in oms_intake.XQ")
    assert health["broker"]["kind"] == "rabbitmq"
    assert health["broker"]["queued"]["oms_intake"] == 0
