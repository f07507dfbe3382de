"""Messages whose arguments cannot fit their actor go to the dead letters at once, without retries."""
from __future__ import annotations

import logging

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from workers.message_arguments import RejectUnbindableArguments


@pytest.fixture
def broker():
    stub = StubBroker()
    stub.add_middleware(RejectUnbindableArguments())
    stub.emit_after("process_boot")
    calls = []

    @dramatiq.actor(broker=stub, max_retries=5, min_backoff=10, max_backoff=20)
    def count_orders(order_ids: list[int]) -> None:
        calls.append(order_ids)

    stub.calls, stub.count_orders = calls, count_orders
    yield stub
    stub.close()


def run(broker) -> None:
    worker = dramatiq.Worker(broker, worker_timeout=50)
    worker.start()
    broker.join("default", fail_fast=False)
    worker.join()
    worker.stop()


@pytest.mark.parametrize("args, kwargs", [((), {}), (([1], [2]), {}), (([1],), {"colour": "red"})])
def test_a_message_that_cannot_bind_is_dead_lettered_once_and_logged(broker, caplog, args, kwargs):
    broker.enqueue(dramatiq.Message(queue_name="default", actor_name="count_orders", args=args, kwargs=kwargs,
                                    options={}))
    with caplog.at_level(logging.ERROR, logger="workers.message_arguments"):
        run(broker)
    assert broker.calls == []
    assert len(broker.dead_letters) == 1
    assert broker.dead_letters[0].options.get("retries", 0) == 0  # not retried first
    assert "cannot be run" in caplog.text and broker.dead_letters[0].message_id in caplog.text


def test_a_message_that_binds_runs(broker):
    broker.count_orders.send([1, 2])
    run(broker)
    assert broker.calls == [[1, 2]]
    assert broker.dead_letters == []
