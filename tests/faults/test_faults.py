"""The fault suite: a load of orders through the production stack (`oms worker` and `oms relay` processes on
PostgreSQL and RabbitMQ, the sandbox carrier) while one fault at a time is injected. After each, the counts are
printed (placed, shipped, held, lost, duplicates of every effect) and every invariant of `oms check` holds.

OMS_TEST_FAULT_ORDERS sets the orders per scenario (400 by default: 2,400 in all). These tests stop and restart
RabbitMQ and PostgreSQL, so `make test` runs them after the rest of the suite, one at a time.
"""
from __future__ import annotations

import signal
import time
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from models.core.outbox import OutboxMessage
from models.core.stages import ALL_STAGES
from models.operations.queue_tables import DeadLetter
from tests.faults.harness import (
    ORDERS,
    REPORT,
    assert_nothing_lost_or_doubled,
    place_orders,
    reconnect,
    run_as_service_admin,
    wait_for_all_shipped,
    world_for_load,
)
from tests.pipeline_support import running_sandbox, wait_until
from tests.workers.conftest import queue_depth

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.faults]

TIMEOUT = 120 + ORDERS * 0.3  # seconds for a scenario's load to ship, faults included


@pytest.fixture
def load(stack, pg_db):
    """The world, the stack's worker and relay running, and ORDERS orders placed."""
    world_for_load(ORDERS)
    stack.start("worker", "worker")
    stack.start("relay", "relay")
    return place_orders(ORDERS, "LOAD")


def test_workers_killed_again_and_again(stack, load):
    def kill_workers_five_times() -> None:
        for _ in range(5):
            time.sleep(2)
            stack.kill("worker")  # SIGKILL to the whole `oms worker`: unacknowledged messages go back
            stack.start("worker", "worker")

    with running_sandbox():
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT, during=kill_workers_five_times)
    assert_nothing_lost_or_doubled("workers SIGKILLed 5 times", load, seconds)


def test_rabbitmq_stopped_and_started(load):
    def broker_away_for_five_seconds() -> None:
        time.sleep(2)
        run_as_service_admin("rabbitmqctl", "stop_app")
        try:
            time.sleep(5)  # the portal and the relay keep writing to the outbox meanwhile
        finally:
            run_as_service_admin("rabbitmqctl", "start_app")

    with running_sandbox():
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT, during=broker_away_for_five_seconds)
    assert_nothing_lost_or_doubled("RabbitMQ stopped 5 s and started", load, seconds)


def _terminate_connections(database_name: str) -> None:
    import psycopg2

    from tests.conftest import POSTGRES_URL

    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (database_name,))
    admin.close()


def test_postgres_connections_terminated_then_the_server_restarted(load, postgres_url):
    name = postgres_url.rsplit("/", 1)[1]
    cluster = next(iter(sorted(p.name for p in Path("/etc/postgresql").glob("*"))), None) \
        if Path("/etc/postgresql").exists() else None

    def database_faults() -> None:
        for _ in range(3):
            time.sleep(2)
            _terminate_connections(name)
        if cluster is None:
            pytest.skip("no local PostgreSQL cluster to restart")
        run_as_service_admin("pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast")
        reconnect()

    with running_sandbox():
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT, during=database_faults)
    assert_nothing_lost_or_doubled("PostgreSQL backends terminated 3 times, server restarted", load, seconds)


def test_every_message_delivered_twice(load, rabbitmq_url):
    def publish_everything_again() -> None:
        publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
        try:
            for _ in range(6):
                time.sleep(2)
                for row in OutboxMessage.select().where(OutboxMessage.sent_at.is_null(False)):
                    publisher.enqueue(dramatiq.Message(queue_name=row.queue_name, actor_name=row.actor_name,
                                                       args=tuple(row.args), kwargs={}, options={}))
        finally:
            publisher.close()

    with running_sandbox():
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT, during=publish_everything_again)
        wait_until(lambda: queue_depth(rabbitmq_url) == 0, timeout=60, what="duplicates drained")
    assert_nothing_lost_or_doubled("every sent message published again, 6 rounds", load, seconds)


def test_carrier_faults(stack, load):
    stack.env.update(OMS_CARRIER_TIMEOUT_SECONDS="1", OMS_WAYBILL_MAX_ATTEMPTS="40")
    stack.kill("worker", signal.SIGTERM)
    stack.start("worker", "worker")  # with the short carrier timeout
    with running_sandbox(fault_5xx_rate=0.2, fault_timeout_rate=0.1, fault_lost_reply_rate=0.05,
                         timeout_sleep_seconds=2.0, seed=13):
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT)
    assert_nothing_lost_or_doubled("carrier 20% 5xx, 10% timeouts, 5% lost replies", load, seconds)


def test_poison_messages(load, rabbitmq_url):
    poison = [("not-an-id",), (["not-an-id"],), ([None],), ({"id": 1},), ()]

    def publish_poison() -> None:
        publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
        try:
            for stage in ALL_STAGES:
                for args in poison:
                    publisher.enqueue(dramatiq.Message(queue_name=stage.queue_name, actor_name=stage.actor_name,
                                                       args=args, kwargs={}, options={}))
        finally:
            publisher.close()

    with running_sandbox():
        seconds = wait_for_all_shipped(load, timeout=TIMEOUT, during=publish_poison)
    expected = len(ALL_STAGES) * len(poison)
    # Each one is recorded in the dead-letter table as it dies (the drainer then empties <queue>.XQ into it).
    wait_until(lambda: DeadLetter.select().count() >= expected, timeout=60, interval=1,
               what="every poison message recorded as a dead letter")
    recorded, in_transit = DeadLetter.select().count(), _dead_letters(rabbitmq_url)
    REPORT.append(f"[poison] {expected} published, {recorded} recorded as dead letters "
                  f"({in_transit} still in the dead-letter queues)")
    assert recorded == expected
    assert in_transit <= expected
    assert_nothing_lost_or_doubled("poison messages on every queue", load, seconds)


def _dead_letters(url: str) -> int:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    total = 0
    for queue in {stage.queue_name for stage in ALL_STAGES}:
        total += channel.queue_declare(f"{queue}.XQ", passive=True).method.message_count
    connection.close()
    return total

