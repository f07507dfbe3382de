"""Running the real pipeline pieces inside a test: sandbox carrier, portal server, relay, waiting."""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator
from urllib.parse import urlparse

import requests

from portal.carrier_sandbox import make_sandbox_server


def wait_until(predicate: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")


@contextmanager
def running_sandbox(**settings) -> Iterator[str]:
    """The carrier sandbox on OMS_CARRIER_URL's port, in a thread; yields its URL."""
    url = os.environ["OMS_CARRIER_URL"]
    settings.setdefault("webhook_secret", os.environ["OMS_CARRIER_WEBHOOK_SECRET"])
    server = make_sandbox_server("127.0.0.1", urlparse(url).port, **settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        server.shutdown()
        sandbox = server.app.extensions.get("carrier_sandbox") if hasattr(server, "app") else None
        if sandbox is not None:
            sandbox.stop()


@contextmanager
def running_portal(app) -> Iterator[str]:
    """The portal app served by waitress on OMS_PORTAL_URL's port, in a thread; yields its URL."""
    from waitress import create_server

    url = os.environ["OMS_PORTAL_URL"]
    server = create_server(app, host="127.0.0.1", port=urlparse(url).port, threads=4)
    stopping = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except OSError:  # the loop may be in select() on a socket closed below: expected while stopping
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield url
    finally:
        # Close every socket the loop watches, so the loop ends and the listening socket is really
        # released before the next test binds the same port (a socket closed while the loop polls it
        # lingers until the poll returns).
        stopping.set()
        for channel in list(server._map.values()):
            channel.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def sandbox_waybills(carrier_url: str) -> list[dict]:
    return requests.get(f"{carrier_url}/waybills", timeout=5).json()["waybills"]


def in_process_broker():
    from workers.actors import broker

    return broker.broker


class Lost:
    """A broker stand-in that accepts every message and loses it (a broker restart without durability)."""

    def enqueue(self, message, **kwargs):
        return message


class Twice:
    """A broker stand-in for the relay that delivers every message twice."""

    def enqueue(self, message, **kwargs):
        in_process_broker().enqueue(message)
        return in_process_broker().enqueue(message.copy())


def drain(worker, *, via=None, rounds: int = 30) -> None:
    """Relay and process on the in-process broker until the outbox is empty and every queue idle."""
    from models.core.outbox import OutboxMessage
    from workers.relay import relay_once

    broker = in_process_broker()
    for _ in range(rounds):
        relay_once(via or broker)
        for queue in list(broker.queues):
            if not queue.endswith((".DQ", ".XQ")):
                broker.join(queue, fail_fast=True)
        worker.join()
        if not OutboxMessage.unsent().exists():
            return
    raise AssertionError("pipeline did not go quiet")
