"""The relay reads the pipeline queues' depths from RabbitMQ without closing its own channel: a queue the server does
not have yet is not asked about, and a channel closed by a failed declare is replaced before the next publish."""
from __future__ import annotations

import dramatiq
import pytest

from models.core.stages import ALLOCATION, REVIEW
from tests.workers.conftest import delete_queues
from workers.broker import PipelineBroker
from workers.relay import busy_queues

pytestmark = [pytest.mark.rabbitmq]


def _nudge(broker: dramatiq.Broker, stage, ids: list[int]) -> None:
    broker.enqueue(dramatiq.Message(queue_name=stage.queue_name, actor_name=stage.actor_name, args=(ids,),
                                    kwargs={}, options={}))


@pytest.fixture
def relay_broker(rabbitmq_url):
    delete_queues(rabbitmq_url)
    broker = PipelineBroker(url=rabbitmq_url, confirm_delivery=True, middleware=[])
    broker.declare_queue(REVIEW.queue_name)  # as the actors' registration does: pending until the first publish
    broker.declare_queue(ALLOCATION.queue_name)
    yield broker
    broker.close()
    delete_queues(rabbitmq_url)


def test_queues_not_yet_on_the_server_are_not_asked_about(relay_broker):
    assert busy_queues(relay_broker) == set()
    assert relay_broker.channel.is_open  # a passive declare of a missing queue would have closed it (404)
    _nudge(relay_broker, REVIEW, [1])  # declares the review queue, where the message now waits
    assert busy_queues(relay_broker) == {REVIEW.queue_name}
    assert relay_broker.channel.is_open


def test_a_queue_deleted_behind_the_relay_costs_no_publish(relay_broker, rabbitmq_url):
    _nudge(relay_broker, REVIEW, [1])
    delete_queues(rabbitmq_url)
    assert busy_queues(relay_broker) == set()  # its declare failed: not busy
    assert relay_broker.channel.is_open  # the closed channel was replaced
    _nudge(relay_broker, ALLOCATION, [2])  # first time, no retry needed
    assert busy_queues(relay_broker) == {ALLOCATION.queue_name}
