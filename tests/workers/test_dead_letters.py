"""A message that ends with the dead letters is logged at ERROR with its message id."""
from __future__ import annotations

import logging

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries

from models.core.stages import INTAKE
from workers.dead_letters import DeadLetterLog


def dead_letter_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "workers.dead_letters" and r.levelno == logging.ERROR]


def test_an_intake_message_with_a_string_id_is_logged_at_error_with_its_message_id(worker, caplog):
    broker = worker.broker
    message = broker.enqueue(dramatiq.Message(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name,
                                              args=(["not-an-order-id"],), kwargs={}, options={}))
    broker.join(INTAKE.queue_name, fail_fast=False)
    worker.join()
    assert [m.message_id for m in broker.dead_letters] == [message.message_id]
    [record] = dead_letter_records(caplog)
    text = record.getMessage()
    assert message.message_id in text and "intake_orders" in text and "oms_intake" in text
    assert "'not-an-order-id': not an id" in text


def test_a_message_out_of_retries_is_logged_at_error_and_a_retried_one_is_not(caplog):
    broker = StubBroker(middleware=[DeadLetterLog(), Retries()])
    attempts = []

    @dramatiq.actor(broker=broker, max_retries=1, min_backoff=1, max_backoff=1)
    def flaky(fail_times: int) -> None:
        attempts.append(1)
        if len(attempts) <= fail_times:
            raise ConnectionError("database away")

    worker = dramatiq.Worker(broker, worker_threads=1, worker_timeout=50)
    worker.start()
    try:
        recovered = flaky.send(1)
        broker.join(flaky.queue_name, fail_fast=False)
        assert dead_letter_records(caplog) == []  # failed once, then succeeded on its retry
        attempts.clear()
        lost = flaky.send(5)
        broker.join(flaky.queue_name, fail_fast=False)
        worker.join()
    finally:
        worker.stop()
    assert len(attempts) == 2
    assert [m.message_id for m in broker.dead_letters] == [lost.message_id]
    [record] = dead_letter_records(caplog)
    assert lost.message_id in record.getMessage() and recovered.message_id not in record.getMessage()
    assert "ConnectionError: database away" in record.getMessage()


def test_a_validation_error_that_kills_a_message_names_its_fields():
    from models.core.errors import ValidationFailed
    from workers.dead_letters import describe

    assert describe(ValidationFailed({"carrier": ["none for express"]})) == \
        "ValidationFailed: validation failed {'carrier': ['none for express']}"
    assert describe(ConnectionError("database away")) == "ConnectionError: database away"
