"""Builds the broker from settings and installs it before any actor is declared.

``OMS_BROKER_URL=amqp://…`` selects RabbitMQ with publisher confirms (a publish that RabbitMQ has
not confirmed raises, so the relay keeps the outbox row); unset, an in-process broker serves the
embedded all-in-one mode, where the outbox and the sweeper make up for its lack of durability.
"""
from __future__ import annotations

from functools import lru_cache

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import default_middleware

from models.core.config import Settings, load_settings
from models.core.stages import PIPELINE_QUEUES
from workers.dead_letters import DeadLetterLog
from workers.heap import FrozenBootHeap
from workers.log_context import MessageLogContext
from workers.message_arguments import RejectUnbindableArguments
from workers.metrics_middleware import MessageMetrics
from workers.middleware import DatabaseConnection

# Messages a worker process takes ahead from each order pipeline queue. Dramatiq's default (twice its threads) would
# pull a backlog into the workers as small messages; taken one at a time, the rest wait in the broker, where the relay
# sees them and merges the nudges behind them into large batches (workers/relay.py), and a stage's cost an order
# falls with its batch (`oms bench stages`).
PIPELINE_PREFETCH = 1


class PipelineBroker(RabbitmqBroker):
    """RabbitMQ, with the order pipeline's queues consumed ``PIPELINE_PREFETCH`` messages at a time."""

    def consume(self, queue_name: str, prefetch: int = 1, timeout: int = 5000):
        if queue_name in PIPELINE_QUEUES:
            prefetch = min(prefetch, PIPELINE_PREFETCH)
        return super().consume(queue_name, prefetch=prefetch, timeout=timeout)


@lru_cache(maxsize=1)
def current_settings() -> Settings:
    return load_settings()


def build_broker(settings: Settings) -> dramatiq.Broker:
    # after_* hooks run last to first: DeadLetterLog sees what Retries decided (retry or dead letter), and the log
    # context, set before and cleared after all others, is there for every line they log.
    middleware = [MessageLogContext(), MessageMetrics(), DeadLetterLog(), RejectUnbindableArguments()]
    middleware += [m() for m in default_middleware] + [DatabaseConnection(settings.database_url), FrozenBootHeap()]
    if settings.uses_rabbitmq:
        return PipelineBroker(url=settings.broker_url, confirm_delivery=True, middleware=middleware)
    return StubBroker(middleware=middleware)


broker = build_broker(current_settings())
dramatiq.set_broker(broker)
