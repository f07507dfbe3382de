"""Worker messages show in /metrics by actor and queue (counts, errors, retries, dead letters, durations), and
every line an actor logs carries its message id, actor and order ids."""
from __future__ import annotations

import logging

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries
from prometheus_client.parser import text_string_to_metric_families

from models.core.metrics import exposition
from tests.log_support import json_log_lines
from tests.pipeline_support import in_process_broker
from workers.log_context import MessageLogContext
from workers.metrics_middleware import MessageMetrics


def samples() -> dict[tuple[str, tuple], float]:
    body, _ = exposition()
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(body.decode()) for sample in family.samples}


def of(found, name: str, actor: str, queue: str = "default") -> float:
    return found.get((name, (("actor", actor), ("queue", queue))), 0.0)


@pytest.fixture
def json_lines():
    with json_log_lines() as lines:
        yield lines


@pytest.fixture
def stub():
    broker = StubBroker(middleware=[MessageLogContext(), MessageMetrics(), Retries()])
    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    yield broker
    worker.stop()


def test_messages_errors_retries_dead_letters_and_durations_are_counted_per_actor(stub):
    calls = []

    @dramatiq.actor(broker=stub, actor_name="metrics_probe_ok")
    def fine(order_ids: list[int]) -> None:
        calls.append(order_ids)

    @dramatiq.actor(broker=stub, actor_name="metrics_probe_failing", max_retries=1, min_backoff=1, max_backoff=1)
    def failing() -> None:
        raise ConnectionError("away")

    before = samples()
    fine.send([1, 2])
    fine.send([3])
    failing.send()
    stub.join("default", fail_fast=False)
    after = samples()
    ok = {name: of(after, name, "metrics_probe_ok") - of(before, name, "metrics_probe_ok")
          for name in ("oms_messages_total", "oms_message_errors_total", "oms_message_duration_seconds_count")}
    assert ok == {"oms_messages_total": 2, "oms_message_errors_total": 0, "oms_message_duration_seconds_count": 2}
    assert of(after, "oms_message_duration_seconds_sum", "metrics_probe_ok") > 0
    failed = {name: of(after, name, "metrics_probe_failing") - of(before, name, "metrics_probe_failing")
              for name in ("oms_messages_total", "oms_message_errors_total", "oms_message_retries_total",
                           "oms_message_dead_letters_total")}
    assert failed == {"oms_messages_total": 2, "oms_message_errors_total": 2, "oms_message_retries_total": 1,
                      "oms_message_dead_letters_total": 1}


def test_an_actors_log_lines_carry_its_message_id_actor_and_order_ids(stub, json_lines):
    log = logging.getLogger("tests.probe")

    @dramatiq.actor(broker=stub, actor_name="log_probe_orders")
    def orders(order_ids: list[int]) -> None:
        log.info("working on %d orders", len(order_ids))

    @dramatiq.actor(broker=stub, actor_name="log_probe_other")
    def other(alert_ids: list[int]) -> None:
        log.info("not orders")

    one, two = orders.send([7]), orders.send([7, 8])
    third = other.send([9])
    stub.join("default", fail_fast=False)
    lines = {line["message_id"]: line for line in json_lines() if line["logger"] == "tests.probe"}
    assert lines[one.message_id]["order_id"] == 7 and lines[one.message_id]["actor"] == "log_probe_orders"
    assert lines[two.message_id]["order_ids"] == [7, 8]
    assert "order_id" not in lines[third.message_id] and "order_ids" not in lines[third.message_id]
    assert lines[one.message_id]["level"] == "INFO" and lines[one.message_id]["time"].endswith("+00:00")
    log.info("outside any message")
    assert "message_id" not in json_lines()[-1]


def test_the_pipeline_broker_counts_its_messages(worker):
    from models.core.stages import INTAKE

    broker = in_process_broker()
    assert [type(m) for m in broker.middleware[:2]] == [MessageLogContext, MessageMetrics]
    before = of(samples(), "oms_messages_total", INTAKE.actor_name, INTAKE.queue_name)
    broker.enqueue(dramatiq.Message(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name, args=([],),
                                    kwargs={}, options={}))
    broker.join(INTAKE.queue_name, fail_fast=False)
    worker.join()
    assert of(samples(), "oms_messages_total", INTAKE.actor_name, INTAKE.queue_name) == before + 1
