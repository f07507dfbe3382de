"""Allocation under load on the production stack: 16 concurrent allocators (2 `oms worker` processes x 8
threads) race for one scarce SKU on PostgreSQL and RabbitMQ, and never oversell it."""
from __future__ import annotations

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from models.core.outbox import OutboxMessage
from models.core.stages import ALLOCATION
from models.orders.tables import Order
from tests.models.allocation.test_concurrency import (
    approved_orders,
    assert_no_oversell,
    scarce_world,
)
from tests.pipeline_support import wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

ORDERS = 120  # about 240 widgets wanted of 50


def test_sixteen_allocators_never_oversell_the_hot_sku(stack, rabbitmq_url):
    world = scarce_world()
    ids = approved_orders(ORDERS)
    # No relay (it would ship and so consume the stock): one message per order below, so that the
    # orders spread over every worker thread instead of travelling in a few batches.
    OutboxMessage.update(sent_at=OutboxMessage.created_at).execute()
    stack.env.update(OMS_WORKER_PROCESSES="2", OMS_WORKER_THREADS="8")
    stack.start("worker", "worker")
    publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
    for order_id in ids:
        publisher.enqueue(dramatiq.Message(queue_name=ALLOCATION.queue_name, actor_name=ALLOCATION.actor_name,
                                           args=([order_id],), kwargs={}, options={}))
    publisher.close()
    wait_until(lambda: Order.select().where(Order.id.in_(ids), Order.status == "approved").count() == 0,
               timeout=60, what="every order allocated or backordered")
    assert_no_oversell(ids, world["widget"])
