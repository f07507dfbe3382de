"""The outbox relay: publishes committed outbox rows to the broker and marks them sent.

A row is claimed with a lease (committed), published with broker confirms, then marked sent. A
crash after publishing and before marking means the lease expires and the row is published again:
duplicates are harmless because every actor is idempotent; a lost message is not possible.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import dramatiq

from models.db import connection
from models.outbox import claim_batch, mark_sent, release_claims
from models.sweeper import redrive_stuck_orders

logger = logging.getLogger(__name__)
BATCH = 200
LEASE = timedelta(seconds=60)


def relay_once(broker: dramatiq.Broker, *, batch: int = BATCH) -> int:
    """Publish one batch of unsent outbox rows; returns how many were published."""
    with connection():
        published = []
        claimed = claim_batch(batch, LEASE)
        try:
            for position, row in enumerate(claimed):
                message = dramatiq.Message(queue_name=row.queue_name, actor_name=row.actor_name,
                                           args=tuple(row.args), kwargs={}, options={})
                try:
                    broker.enqueue(message)
                except Exception as exc:  # noqa: BLE001 - kept in the outbox and retried next pass
                    logger.warning("outbox %s not published: %r", row.id, exc)
                    # Give back this row and the rest of the batch, so the next pass retries them
                    # at once instead of after the lease.
                    release_claims(claimed[position:], repr(exc))
                    break
                published.append(row.id)
        finally:
            if published:
                mark_sent(published)
    return len(published)


def run_relay(broker: dramatiq.Broker, stop: threading.Event, *, interval: float,
              sweep_interval: float, stuck_after: timedelta) -> None:
    """Relay until ``stop`` is set; every ``sweep_interval`` also re-drive stuck orders."""
    next_sweep = time.monotonic() + sweep_interval
    while not stop.is_set():
        try:
            published = relay_once(broker)
            if time.monotonic() >= next_sweep:
                with connection():
                    redriven = redrive_stuck_orders(stuck_after)
                if redriven:
                    logger.warning("re-drove stuck orders: %s", redriven)
                next_sweep = time.monotonic() + sweep_interval
        except Exception:  # noqa: BLE001 - the relay must outlive a database or broker outage
            logger.exception("relay pass failed; retrying")
            published = 0
            stop.wait(min(5.0, interval * 10))
        if published < BATCH:
            stop.wait(interval)
