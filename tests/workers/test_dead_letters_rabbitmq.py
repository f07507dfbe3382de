"""Dead letters on the production stack (PostgreSQL, RabbitMQ, `oms worker` and `oms relay` processes): a message
that dies lands in the table; one found only in ``<queue>.XQ`` is drained into it; ``GET /api/v1/queues`` reads
RabbitMQ (management API, else passive declares); a retry makes the actor run again."""
from __future__ import annotations

from dataclasses import replace

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL, RabbitmqBroker

from models.core.config import load_settings
from models.core.outbox import OutboxMessage, mark_sent
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from models.operations.queue_tables import DeadLetter
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import wait_until
from tests.workers.conftest import delete_queues, messages_ready
from workers.dead_letter_drain import drain_dead_letters

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]


@pytest.fixture
def api(tmp_path, postgres_url, pg_db, rabbitmq_url):
    settings = settings_for(tmp_path, OMS_DATABASE_URL=postgres_url)
    app = create_app(settings, test_config={"TESTING": True})
    # The app's own broker is the in-process one; its cockpit reads RabbitMQ through its settings.
    rabbit = load_settings({"OMS_BROKER_URL": rabbitmq_url, "OMS_DATA_DIR": str(tmp_path / "data")})
    app.config["OMS_SETTINGS"] = replace(settings, broker_url=rabbitmq_url,
                                         broker_management_url=rabbit.broker_management_url)
    make_world(on_hand=1000)
    user, _ = create_user("ops@example.com", "ops_admin", password="secret-pass-1")
    client = app.test_client()
    client.headers = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client.flask_app = app
    return client


def publish(url: str, queue: str, actor: str, *args) -> dramatiq.Message:
    publisher = RabbitmqBroker(url=url, confirm_delivery=True)
    try:
        return publisher.enqueue(dramatiq.Message(queue_name=queue, actor_name=actor, args=args, kwargs={},
                                                  options={}))
    finally:
        publisher.close()


def xq_depth(url: str, queue: str) -> int:
    return messages_ready(url, f"{queue}.XQ")


def test_a_message_that_dies_lands_in_the_table_and_leaves_the_xq(stack, api, rabbitmq_url):
    stack.start("worker", "worker")
    stack.start("relay", "relay")
    message = publish(rabbitmq_url, "oms_intake", "intake_orders", ["not-an-order-id"])
    wait_until(lambda: DeadLetter.select().where(DeadLetter.message_id == message.message_id).exists(),
               timeout=30, what="the poison message in the dead-letter table")
    dead = DeadLetter.get(DeadLetter.message_id == message.message_id)
    assert dead.status == "open" and "not an id" in dead.error and dead.queue == "oms_intake"
    wait_until(lambda: xq_depth(rabbitmq_url, "oms_intake") == 0, timeout=30, what="the drained oms_intake.XQ")
    assert DeadLetter.select().count() == 1  # drained again, recorded once


def test_the_drainer_takes_a_message_found_only_in_the_xq(pg_db, rabbitmq_url):
    delete_queues(rabbitmq_url)
    broker = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
    try:
        broker.channel.queue_declare("oms_review.XQ", durable=True,  # as Dramatiq declares it
                                     arguments={"x-message-ttl": DEAD_MESSAGE_TTL})
        message = dramatiq.Message(queue_name="oms_review", actor_name="review_orders", args=([3],), kwargs={},
                                   options={})
        broker.channel.basic_publish(exchange="", routing_key="oms_review.XQ", body=message.encode())
        assert xq_depth(rabbitmq_url, "oms_review") == 1
        assert drain_dead_letters(broker) == 1
        assert drain_dead_letters(broker) == 0
        assert xq_depth(rabbitmq_url, "oms_review") == 0
    finally:
        broker.close()
        delete_queues(rabbitmq_url)
    dead = DeadLetter.get()
    assert (dead.message_id, dead.actor, dead.arguments) == (message.message_id, "review_orders", [[3]])
    assert dead.error == "not recorded: found in oms_review.XQ"


def test_the_queues_api_counts_a_queued_message_from_the_management_api_or_declares(api, rabbitmq_url):
    delete_queues(rabbitmq_url)
    try:
        publish(rabbitmq_url, "oms_review", "review_orders", [1])

        def review_queue() -> dict:
            body = api.get("/api/v1/queues", headers=api.headers).get_json()
            return {"source": body["source"], **{q["name"]: q for q in body["queues"]}["oms_review"]}

        seen = {}
        wait_until(lambda: seen.update(review_queue()) or seen["ready"] == 1, timeout=15,
                   what="the management API's count")  # its figures lag a few seconds
        assert seen["source"] == "management" and seen["consumers"] == 0 and seen["unacked"] == 0
        settings = api.flask_app.config["OMS_SETTINGS"]
        api.flask_app.config["OMS_SETTINGS"] = replace(settings, broker_management_url="http://127.0.0.1:9")
        fallback = review_queue()
        assert (fallback["source"], fallback["ready"], fallback["unacked"], fallback["consumers"]) == \
            ("passive", 1, None, 0)
        body = api.get("/api/v1/queues", headers=api.headers).get_json()
        assert any("oms_review: 1 messages ready and no consumer" in alert for alert in body["alerts"])
    finally:
        delete_queues(rabbitmq_url)


def test_a_retried_dead_letter_runs_its_actor_again(stack, api, rabbitmq_url):
    placed = api.post("/api/v1/orders", json=order_body("PO-RETRY"), headers=api.headers).get_json()
    [nudge] = OutboxMessage.unsent()
    mark_sent([nudge.id])  # the stage message was lost to the dead letters
    record_dead_letters([FoundDeadLetter("lost-1", nudge.queue_name, nudge.actor_name, nudge.args,
                                         "OperationalError: database away")])
    waiting = Order.get_by_id(placed["id"]).status
    stack.start("worker", "worker")
    stack.start("relay", "relay")
    dead_id = DeadLetter.get().id
    answer = api.post(f"/api/v1/dead-letters/{dead_id}/retry", json={"note": "database back"}, headers=api.headers)
    assert answer.status_code == 200 and answer.get_json()["order_ids"] == [placed["id"]]
    wait_until(lambda: Order.get_by_id(placed["id"]).status != waiting, timeout=30,
               what=f"order {placed['id']} past {waiting}")
    assert not DeadLetter.select().where(DeadLetter.status == "open").exists()
