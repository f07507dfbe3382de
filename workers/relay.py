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

from models.core.db import connection
from models.core.outbox import (
    OutboxMessage,
    claim_batch,
    mark_sent,
    prune_sent,
    release_claims,
)
from models.core.rate_limits import forget_old_windows
from models.core.stages import MAX_BATCH_BY_ACTOR
from models.inventory.alerts import sweep_alerts
from models.partners.login_throttle import forget_old_failures
from models.planning.forecasts import schedule_due_forecasts
from models.review.hold_decisions import cancel_stale_holds
from models.shipping.tracking_polls import schedule_due_polls
from models.supply.alerts import sweep_supply_alerts
from models.sweeper import redrive_stuck_orders, redrive_stuck_returns

logger = logging.getLogger(__name__)
BATCH = 200
MAX_IDS = 500
LEASE = timedelta(seconds=60)
# Sent rows pruned per sweep at most (batches of PRUNE_BATCH): a backlog goes over several sweeps, never
# holding up publishing for long.
PRUNE_BATCHES_PER_SWEEP = 10


def relay_once(broker: dramatiq.Broker, *, batch: int = BATCH) -> int:
    """Publish one batch of unsent outbox rows; returns how many rows were published."""
    with connection():
        published: list[int] = []
        claimed = claim_batch(batch, LEASE)
        groups = coalesce(claimed)
        try:
            for position, (message, rows) in enumerate(groups):
                try:
                    broker.enqueue(message)
                except Exception as exc:  # noqa: BLE001 - kept in the outbox and retried next pass
                    logger.warning("outbox %s not published: %r", [row.id for row in rows], exc)
                    # Give back these rows and the rest of the batch, so the next pass retries them
                    # at once instead of after the lease.
                    release_claims([row for _, later in groups[position:] for row in later], repr(exc))
                    break
                published.extend(row.id for row in rows)
        finally:
            if published:
                mark_sent(published)
    return len(published)


def coalesce(rows: list[OutboxMessage]) -> list[tuple[dramatiq.Message, list[OutboxMessage]]]:
    """One message per row, except that rows nudging the same actor with a list of ids are merged (up to
    MAX_IDS ids, fewer for stages that call a carrier per id): under load a stage then takes orders in batches,
    not one message each."""
    groups: list[tuple[dramatiq.Message, list[OutboxMessage]]] = []
    open_batches: dict[tuple[str, str], tuple[list[int], list[OutboxMessage]]] = {}
    for row in rows:
        args = row.args
        if len(args) == 1 and isinstance(args[0], list) and all(isinstance(i, int) for i in args[0]):
            key = (row.queue_name, row.actor_name)
            ids, members = open_batches.get(key, (None, None))
            limit = min(MAX_IDS, MAX_BATCH_BY_ACTOR.get(row.actor_name, MAX_IDS))
            if ids is None or len(ids) + len(args[0]) > limit:
                ids, members = [], []
                open_batches[key] = (ids, members)
                groups.append((_message(row, (ids,)), members))
            ids.extend(args[0])
            members.append(row)
        else:
            groups.append((_message(row, tuple(args)), [row]))
    return groups


def _message(row: OutboxMessage, args: tuple) -> dramatiq.Message:
    return dramatiq.Message(queue_name=row.queue_name, actor_name=row.actor_name, args=args, kwargs={}, options={})


def run_relay(broker: dramatiq.Broker, stop: threading.Event, *, interval: float,
              sweep_interval: float, stuck_after: timedelta, poll_every: timedelta = timedelta(minutes=5),
              keep_sent: timedelta = timedelta(hours=168), forecast_every: timedelta = timedelta(hours=24),
              forecast_horizon_weeks: int = 12) -> None:
    """Relay until ``stop`` is set; every ``sweep_interval`` also re-drive stuck orders, expire holds,
    check stock and supply alerts, nudge the tracking polls and the forecast run that are due and prune rows sent
    longer than ``keep_sent`` ago."""
    next_sweep = time.monotonic() + sweep_interval
    while not stop.is_set():
        try:
            published = relay_once(broker)
            if time.monotonic() >= next_sweep:
                with connection():
                    redriven = redrive_stuck_orders(stuck_after)
                    redrive_stuck_returns(stuck_after)
                    expired = cancel_stale_holds()
                    sweep_alerts()
                    schedule_due_polls(poll_every)
                    sweep_supply_alerts()
                    schedule_due_forecasts(forecast_every, horizon_weeks=forecast_horizon_weeks)
                    forget_old_windows(older_than=timedelta(hours=1))
                    forget_old_failures(older_than=timedelta(days=1))
                    prune_sent(keep_sent, max_batches=PRUNE_BATCHES_PER_SWEEP)
                if redriven:
                    logger.warning("re-drove stuck orders: %s", redriven)
                if expired:
                    logger.warning("cancelled orders left on hold too long: %s", expired)
                next_sweep = time.monotonic() + sweep_interval
        except Exception:  # noqa: BLE001 - the relay must outlive a database or broker outage
            logger.exception("relay pass failed; retrying")
            published = 0
            stop.wait(min(5.0, interval * 10))
        if published < BATCH:
            stop.wait(interval)
