"""Brings into the dead-letter table every dead message the broker still holds: RabbitMQ's ``<queue>.XQ`` (read
with basic_get, recorded, then acknowledged) and the in-process broker's dead letters. A death the worker recorded
is already there (the insert skips it); one it could not record (database away, worker killed) appears now."""
from __future__ import annotations

import hashlib
import logging

import dramatiq
import pika
from dramatiq.brokers.rabbitmq import DEAD_MESSAGE_TTL
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import q_name, xq_name

from models.core.db import connection
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from workers.queue_depths import TIMEOUT, queue_names

logger = logging.getLogger(__name__)
MAX_PER_QUEUE = 500  # messages taken from one .XQ per pass; the rest wait for the next


def not_recorded(queue: str) -> str:
    return f"not recorded: found in {xq_name(queue)}"


def drain_dead_letters(broker: dramatiq.Broker, *, limit: int = MAX_PER_QUEUE) -> int:
    """Record what the broker's dead-letter queues hold and take it out of them; returns how many were new."""
    if isinstance(broker, StubBroker):
        return _drain_stub(broker)
    parameters = getattr(broker, "parameters", None)
    if parameters is None:
        return 0
    return _drain_rabbitmq(parameters, queue_names(broker), limit=limit)


def _drain_stub(broker: StubBroker) -> int:
    taken = {queue: list(messages) for queue, messages in broker.dead_letters_by_queue.items() if messages}
    found = [FoundDeadLetter(message.message_id, q_name(queue), message.actor_name, list(message.args),
                             not_recorded(q_name(queue)))
             for queue, messages in taken.items() for message in messages]
    with connection():
        new = record_dead_letters(found)
    for queue, messages in taken.items():
        del broker.dead_letters_by_queue[queue][:len(messages)]
    return new


def _drain_rabbitmq(parameters, queues: list[str], *, limit: int) -> int:
    if isinstance(parameters, pika.connection.Parameters):
        parameters.socket_timeout = parameters.blocked_connection_timeout = TIMEOUT
    amqp = pika.BlockingConnection(parameters)
    new = 0
    try:
        channel = amqp.channel()
        for queue in queues:
            # Declared as Dramatiq declares it (idempotent): asking for one not there yet would close the channel.
            channel.queue_declare(xq_name(queue), durable=True, arguments={"x-message-ttl": DEAD_MESSAGE_TTL})
            new += _drain_queue(channel, queue, limit)
    finally:
        amqp.close()
    return new


def _drain_queue(channel, queue: str, limit: int) -> int:
    """Take up to ``limit`` messages off ``<queue>.XQ``, record them in one transaction, then acknowledge them: a
    crash in between leaves them there for the next pass, and recording again is harmless."""
    found, last_tag = [], None
    for _ in range(limit):
        method, _properties, body = channel.basic_get(xq_name(queue), auto_ack=False)
        if method is None:
            break
        found.append(_as_found(queue, body))
        last_tag = method.delivery_tag
    if last_tag is None:
        return 0
    with connection():
        new = record_dead_letters(found)
    channel.basic_ack(last_tag, multiple=True)
    logger.info("%d dead letters taken from %s, %d not recorded before", len(found), xq_name(queue), new)
    return new


def _as_found(queue: str, body: bytes) -> FoundDeadLetter:
    try:
        message = dramatiq.Message.decode(body)
    except Exception:  # noqa: BLE001 - kept as a dead letter of its own: ops must still see that it died
        digest = hashlib.sha256(body).hexdigest()[:32]
        return FoundDeadLetter(f"undecodable-{digest}", queue, "?", [],
                               f"{not_recorded(queue)}; its body is not a Dramatiq message: {body[:300]!r}")
    return FoundDeadLetter(message.message_id, q_name(message.queue_name) or queue, message.actor_name,
                           list(message.args), not_recorded(queue))
