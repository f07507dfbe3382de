"""Webhook deliveries to a real receiver that verifies each with the standardwebhooks package: a 500 is retried
with the same webhook-id and delivered; a long failure streak disables the subscription and mails its owner."""
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.partners.accounts import create_user
from models.webhooks.delivery import deliver, redrive_due_deliveries
from models.webhooks.fanout import fan_out_events
from models.webhooks.subscriptions import create_subscription, redeliver
from models.webhooks.tables import WebhookDelivery, WebhookSubscription
from schemas.orders import order_schema
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import drain


class Receiver:
    """An HTTP endpoint that verifies every request and answers 500 to the first attempt of each webhook-id
    (or to every attempt, when ``always_fail``), 200 after."""

    def __init__(self, *, always_fail: bool = False) -> None:
        self.secret = ""
        self.always_fail = always_fail
        self.received: list[tuple[str, dict]] = []  # (webhook-id, verified body)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                message_id = self.headers["webhook-id"]
                seen = any(mid == message_id for mid, _ in receiver.received)
                receiver.received.append((message_id, payload))
                self.send_response(500 if receiver.always_fail or not seen else 200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.close()


@pytest.fixture
def admin(db):
    make_world()
    return create_user("admin@relay.test", "ops_admin", password="pw-123456789")[0]


def order_events(admin, receiver, ref: str) -> list[int]:
    """Subscribe the receiver to order events, place an order and fan its status changes out; the order's own
    pipeline messages are dropped so only the webhook stage runs."""
    subscription, receiver.secret = create_subscription(admin, receiver.url, ["order.*"])
    place_order(order_schema.load(order_body(ref)), actor="test")
    OutboxMessage.delete().execute()
    assert fan_out_events() > 0
    return [row.id for row in WebhookDelivery.select().where(WebhookDelivery.subscription == subscription.id)]


def test_a_500_is_retried_with_the_same_webhook_id_and_then_delivered(admin, receiver, worker):
    ids = order_events(admin, receiver, "HOOK-1")
    drain(worker)
    first = {row.id: row for row in WebhookDelivery.select().where(WebhookDelivery.id.in_(ids))}
    assert {row.status for row in first.values()} == {"failing"}
    assert {row.last_status_code for row in first.values()} == {500}
    assert all(row.next_attempt_at > utc_now() for row in first.values())  # waits for its backoff
    assert redrive_due_deliveries() == 0  # not due yet
    WebhookDelivery.update(next_attempt_at=utc_now() - timedelta(seconds=1)).execute()  # the backoff has passed
    assert redrive_due_deliveries() == len(ids)
    drain(worker)
    for row in WebhookDelivery.select().where(WebhookDelivery.id.in_(ids)):
        assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)
        attempts = [payload for mid, payload in receiver.received if mid == row.message_id]
        assert len(attempts) == 2 and attempts[0] == attempts[1]  # same id, same body, verified both times
        assert attempts[0]["type"] == "order.status_changed" and set(attempts[0]) == {"type", "timestamp", "data"}
    assert WebhookSubscription.get().failure_streak == 0


def test_a_delivery_whose_message_was_lost_is_sent_by_the_sweep_after_its_lease(admin, receiver, worker):
    ids = order_events(admin, receiver, "HOOK-2")
    OutboxMessage.delete().execute()  # the nudge is lost (a crash before the relay published it)
    assert redrive_due_deliveries() == 0
    WebhookDelivery.update(next_attempt_at=utc_now() - timedelta(seconds=1)).execute()
    assert redrive_due_deliveries() == len(ids)
    drain(worker)
    assert {row.attempts for row in WebhookDelivery.select()} == {1}


def test_a_long_failure_streak_disables_the_subscription_and_mails_the_owner(admin, tmp_path, monkeypatch):
    failing = Receiver(always_fail=True)
    mails = []
    monkeypatch.setattr("models.webhooks.delivery.send_mail", lambda settings, to, subject, body:
                        mails.append((to, subject, body)))
    settings = settings_for(tmp_path, OMS_WEBHOOK_DISABLE_AFTER_HOURS="0", OMS_WEBHOOK_DISABLE_AFTER_FAILURES="3")
    try:
        ids = order_events(admin, failing, "HOOK-3")
        statuses = [deliver(ids[0], settings), deliver(ids[0], settings)]
        assert statuses == ["failing", "failing"] and WebhookSubscription.get().active
        assert deliver(ids[-1], settings) in ("failing", "failed")
    finally:
        failing.close()
    subscription = WebhookSubscription.get()
    assert not subscription.active and subscription.disabled_at is not None
    assert "3 failed attempts" in subscription.disabled_reason
    assert [(to, subject) for to, subject, _ in mails] == [
        ("admin@relay.test", f"Webhook subscription {subscription.id} disabled")]
    assert deliver(ids[0], settings) is None  # nothing more is sent to a disabled subscription
    assert redrive_due_deliveries() == 0


def test_redeliver_sends_a_delivered_event_again_with_its_id(admin, receiver, worker):
    ids = order_events(admin, receiver, "HOOK-4")
    drain(worker)  # answered 500
    WebhookDelivery.update(next_attempt_at=utc_now() - timedelta(seconds=1)).execute()
    redrive_due_deliveries()
    drain(worker)
    row = WebhookDelivery.get_by_id(ids[0])
    assert row.status == "delivered"
    redeliver(admin, row.id)
    drain(worker)
    again = WebhookDelivery.get_by_id(ids[0])
    assert (again.status, again.attempts) == ("delivered", row.attempts + 1)
    assert [mid for mid, _ in receiver.received].count(row.message_id) == 3
    assert json.loads(again.event.payload)["order_ref"] == "HOOK-4"


def test_the_relay_fans_changes_out_every_webhook_interval_without_waiting_for_the_sweep(admin):
    from tests.pipeline_support import wait_until
    from tests.workers.test_relay import RecordingBroker
    from tests.workers.test_relay_wakeup import running_relay

    create_subscription(admin, "https://erp.example/hooks", ["order.*"])
    broker = RecordingBroker()
    with running_relay(broker, interval=0.05, webhook_interval=0.1):  # the sweep is a day away
        place_order(order_schema.load(order_body("HOOK-5")), actor="test")
        wait_until(lambda: any(actor == "deliver_webhooks" for _, actor, _ in broker.sent()), timeout=5,
                   what="a webhook delivery nudged by the relay")
    assert WebhookDelivery.select().count() >= 2  # received, then reviewing
