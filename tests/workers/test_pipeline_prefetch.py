"""A worker process takes the order pipeline's messages from RabbitMQ one at a time, so a backlog waits in the
broker where the relay sees it; other queues keep Dramatiq's prefetch."""
from __future__ import annotations

import dramatiq
import pytest

from models.core.stages import ALERT_MAILS, ALL_STAGES, PIPELINE_QUEUES, REVIEW
from tests.pipeline_support import wait_until
from tests.workers.conftest import delete_queues, messages_ready
from workers.broker import PIPELINE_PREFETCH, PipelineBroker

pytestmark = [pytest.mark.rabbitmq]


@pytest.mark.parametrize(("stage", "left_in_broker"), [(REVIEW, 5 - PIPELINE_PREFETCH), (ALERT_MAILS, 0)])
def test_a_consumer_takes_ahead_only_what_its_queue_allows(rabbitmq_url, stage, left_in_broker):
    delete_queues(rabbitmq_url)
    broker = PipelineBroker(url=rabbitmq_url, confirm_delivery=True, middleware=[])
    try:
        broker.declare_queue(stage.queue_name)
        for number in range(5):
            broker.enqueue(dramatiq.Message(queue_name=stage.queue_name, actor_name=stage.actor_name,
                                            args=([number],), kwargs={}, options={}))
        consumer = broker.consume(stage.queue_name, prefetch=8, timeout=100)  # what a Worker of 4 threads asks
        try:
            first = next(m for m in consumer if m is not None)
            assert list(first.args) == [[0]]
            wait_until(lambda: messages_ready(rabbitmq_url, stage.queue_name) == left_in_broker, timeout=5,
                       what=f"{left_in_broker} messages ready in {stage.queue_name}")
            consumer.ack(first)  # sent as the consumer next asks for a message
            second = next(m for m in consumer if m is not None)
            assert list(second.args) == [[1]]
            wait_until(lambda: messages_ready(rabbitmq_url, stage.queue_name) == max(0, left_in_broker - 1), timeout=5,
                       what="one more message taken once the first is acknowledged")
        finally:
            consumer.close()
    finally:
        broker.close()
        delete_queues(rabbitmq_url)


def test_the_queues_taken_one_at_a_time_carry_only_set_based_stages():
    """A stage whose ids each wait on a network (mails, tracking polls, releases at a carrier) never shares a queue
    taken one message at a time: a slow carrier would hold up the waybill batches behind it."""
    sharing = {stage.actor_name for stage in ALL_STAGES if stage.queue_name in PIPELINE_QUEUES}
    assert sharing == {"review_orders", "allocate_orders", "create_shipments", "request_waybills"}
    assert all(stage.max_batch is None for stage in ALL_STAGES if stage.queue_name in PIPELINE_QUEUES)
