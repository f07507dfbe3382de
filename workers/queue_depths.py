"""What the broker says about each Dramatiq queue: messages ready, unacknowledged and delayed, consumers and the
cumulative in/out counters. RabbitMQ answers through its management HTTP API when reachable, else through passive
declares (ready and consumers only); the in-process broker from its own queues. Publishes nothing."""
from __future__ import annotations

import logging
from urllib.parse import quote, unquote, urlparse

import pika
import requests
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name

from models.core.config import Settings
from models.core.stages import ALL_STAGES

logger = logging.getLogger(__name__)
TIMEOUT = 2.0  # seconds for one call to the management API or one AMQP connection
STAGE_QUEUES = tuple(sorted({stage.queue_name for stage in ALL_STAGES}))


def queue_names(broker=None) -> list[str]:
    """Every stage's queue, and any other queue the given broker has declared (its delay and dead-letter queues
    aside)."""
    declared = set(broker.get_declared_queues()) if broker is not None else set()
    return sorted(set(STAGE_QUEUES) | {name for name in declared if not name.endswith((".DQ", ".XQ"))})


def read_queues(settings: Settings, broker=None) -> tuple[str, dict[str, dict]]:
    """(where the figures came from, queue name -> {ready, unacked, delayed, consumers, published, delivered,
    in_rate, out_rate}); a figure the broker does not give is None. Rates are messages per minute."""
    names = queue_names(broker)
    if isinstance(broker, StubBroker) or (broker is None and not settings.uses_rabbitmq):
        return "in-process", _in_process(broker, names)
    if settings.broker_management_url:
        try:
            return "management", _from_management(settings.broker_management_url, settings.broker_url, names)
        except (requests.RequestException, ValueError, KeyError) as exc:
            logger.info("RabbitMQ management API not reachable (%s); reading queues by passive declares", exc)
    try:
        return "passive", _from_declares(settings.broker_url, names)
    except Exception as exc:  # noqa: BLE001 - reported as unknown figures: the cockpit must show what it can
        logger.warning("RabbitMQ not reachable for queue depths: %r", exc)
        return "unreachable", {name: _unknown() for name in names}


def _unknown(**known) -> dict:
    return {"ready": None, "unacked": None, "delayed": None, "consumers": None, "published": None,
            "delivered": None, "in_rate": None, "out_rate": None, **known}


def _in_process(broker, names: list[str]) -> dict[str, dict]:
    if broker is None:
        from workers.broker import broker
    queues = getattr(broker, "queues", {})
    return {name: _unknown(ready=_size(queues.get(name)), delayed=_size(queues.get(dq_name(name))),
                           unacked=None)
            for name in names}


def _size(queue) -> int:
    return queue.qsize() if queue is not None else 0


def _from_management(base_url: str, broker_url: str, names: list[str]) -> dict[str, dict]:
    parsed = urlparse(base_url)
    vhost = unquote(urlparse(broker_url).path[1:] or "/") or "/"
    url = f"{parsed.scheme}://{parsed.hostname}:{parsed.port or 15672}{parsed.path.rstrip('/')}" \
          f"/api/queues/{quote(vhost, safe='')}"
    auth = (unquote(parsed.username or "guest"), unquote(parsed.password or "guest"))
    response = requests.get(url, auth=auth, timeout=TIMEOUT, params={
        "columns": "name,messages_ready,messages_unacknowledged,messages,consumers,message_stats"})
    response.raise_for_status()
    found = {queue["name"]: queue for queue in response.json()}
    readings = {}
    for name in sorted(set(names) | {n for n in found if not n.endswith((".DQ", ".XQ"))}):
        queue, delayed = found.get(name), found.get(dq_name(name))
        if queue is None:  # not declared yet: nothing has gone through it
            readings[name] = _unknown(ready=0, unacked=0, delayed=0, consumers=0, published=0, delivered=0,
                                      in_rate=0.0, out_rate=0.0)
            continue
        stats = queue.get("message_stats") or {}
        readings[name] = {
            "ready": queue.get("messages_ready", 0), "unacked": queue.get("messages_unacknowledged", 0),
            "delayed": (delayed or {}).get("messages", 0), "consumers": queue.get("consumers", 0),
            "published": stats.get("publish", 0), "delivered": stats.get("deliver_get", 0),
            "in_rate": round(60 * (stats.get("publish_details") or {}).get("rate", 0.0), 2),
            "out_rate": round(60 * (stats.get("deliver_get_details") or {}).get("rate", 0.0), 2),
        }
    return readings


def _from_declares(broker_url: str, names: list[str]) -> dict[str, dict]:
    params = pika.URLParameters(broker_url)
    params.socket_timeout = params.blocked_connection_timeout = TIMEOUT
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        readings = {}
        for name in names:
            counts = []
            for queue in (name, dq_name(name)):
                try:
                    method = channel.queue_declare(queue, passive=True).method
                    counts.append((method.message_count, method.consumer_count))
                except pika.exceptions.ChannelClosedByBroker:  # 404: not declared yet
                    channel = connection.channel()
                    counts.append((0, 0))
            (ready, consumers), (delayed, _) = counts
            readings[name] = _unknown(ready=ready, consumers=consumers, delayed=delayed)
        return readings
    finally:
        connection.close()
