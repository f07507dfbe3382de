"""`oms worker` processes on RabbitMQ write their message metrics to the shared folder, the portal's /metrics
adds them up, and with OMS_LOG_FORMAT=json their log lines are JSON carrying the message id and actor."""
from __future__ import annotations

import json

import pytest
from prometheus_client.parser import text_string_to_metric_families

from models.core.metrics import METRICS_DIR
from models.core.outbox import OutboxMessage
from models.core.stages import INTAKE
from models.operations.queue_tables import DeadLetter
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


def messages(client, name: str, actor: str) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == name and sample.labels.get("actor") == actor)


def test_worker_processes_report_through_the_portal_and_log_json(stack, tmp_path, postgres_url, pg_db):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    make_world(on_hand=1000)
    token = ApiToken.issue(create_user("ops@example.com", "ops_admin", password="secret-pass-1")[0])
    client = app.test_client()
    reviewed = messages(client, "oms_messages_total", "review_orders")
    failed = messages(client, "oms_message_errors_total", INTAKE.actor_name)
    stack.env.update(OMS_METRICS_DIR=str(METRICS_DIR), OMS_LOG_FORMAT="json")
    stack.start("worker", "worker")
    stack.start("relay", "relay")
    order_id = client.post("/api/v1/orders", json=order_body("MET-RMQ-1"),
                           headers={"Authorization": f"Bearer {token}"}).get_json()["id"]
    OutboxMessage.create(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name, payload='[["not-an-id"]]')
    wait_until(lambda: Order.get_by_id(order_id).status not in ("received", "reviewing"), timeout=60,
               what="the order reviewed")
    wait_until(lambda: DeadLetter.select().count() == 1, timeout=60, what="the bad message dead-lettered")
    # A message is counted once its actor returned: a moment after its transaction committed.
    wait_until(lambda: messages(client, "oms_messages_total", "review_orders") >= reviewed + 1, timeout=10,
               what="review_orders counted")
    wait_until(lambda: messages(client, "oms_message_errors_total", INTAKE.actor_name) == failed + 1, timeout=10,
               what="the intake error counted")
    assert messages(client, "oms_message_duration_seconds_count", "review_orders") >= 1
    dead = DeadLetter.get()
    logged = [json.loads(line) for line in (tmp_path / "worker.log").read_text().splitlines()
              if line.startswith("{")]
    assert any(line.get("message_id") == dead.message_id and line.get("actor") == INTAKE.actor_name
               and line["level"] == "ERROR" for line in logged), logged[-20:]
