"""Reachability of the configured broker and its dead letters, for the health page (publishes nothing).

A probe opens a connection to RabbitMQ; its answer is kept for PROBE_MAX_AGE seconds and only one probe runs at a
time, so a monitor polling often (or a crowd calling /healthz) costs at most one connection per period.
"""
from __future__ import annotations

import threading
import time

import pika

from models.core.stages import ALL_STAGES

QUEUES = [stage.queue_name for stage in ALL_STAGES]
PROBE_MAX_AGE = 5.0  # seconds an answer is reused

_probing = threading.Lock()
_answers: dict[str, tuple[float, dict]] = {}  # broker URL -> (monotonic time probed, state)


def broker_state(broker_url: str, *, max_age: float = PROBE_MAX_AGE) -> dict:
    """The broker's state, probed at most once per ``max_age`` seconds per URL."""
    if not broker_url:
        return {"status": "ok", "kind": "in-process"}
    with _probing:  # callers arriving during a probe wait for its answer rather than open their own
        probed_at, state = _answers.get(broker_url, (float("-inf"), {}))
        if time.monotonic() - probed_at >= max_age:
            state = _probe(broker_url)
            _answers[broker_url] = (time.monotonic(), state)
        return dict(state)


def _probe(broker_url: str) -> dict:
    try:
        params = pika.URLParameters(broker_url)
        params.socket_timeout = 2
        params.blocked_connection_timeout = 2
        connection = pika.BlockingConnection(params)
        try:
            depths = _depths(connection)
        finally:
            connection.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable" here
        return {"status": "error", "kind": "rabbitmq", "error": repr(exc)[:300]}
    return {"status": "ok", "kind": "rabbitmq", "queued": {q: d[0] for q, d in depths.items()},
            "dead_letters": {q: d[1] for q, d in depths.items()}}


def _depths(connection) -> dict[str, tuple[int, int]]:
    """(ready messages, dead letters) per stage queue; a queue not declared yet counts as empty."""
    depths = {}
    channel = connection.channel()
    for queue in QUEUES:
        counts = []
        for name in (queue, f"{queue}.XQ"):
            try:
                counts.append(channel.queue_declare(name, passive=True).method.message_count)
            except pika.exceptions.ChannelClosedByBroker:  # 404: not declared yet
                channel = connection.channel()
                counts.append(0)
        depths[queue] = tuple(counts)
    return depths
