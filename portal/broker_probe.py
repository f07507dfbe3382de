"""Reachability of the configured broker, for the health page (without publishing anything)."""
from __future__ import annotations

import pika


def broker_state(broker_url: str) -> dict:
    if not broker_url:
        return {"status": "ok", "kind": "in-process"}
    try:
        params = pika.URLParameters(broker_url)
        params.socket_timeout = 2
        params.blocked_connection_timeout = 2
        connection = pika.BlockingConnection(params)
        connection.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable" here
        return {"status": "error", "kind": "rabbitmq", "error": repr(exc)[:300]}
    return {"status": "ok", "kind": "rabbitmq"}
