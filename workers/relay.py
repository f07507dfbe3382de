"""The outbox relay: publishes committed outbox rows to the broker and marks them sent.

A row is claimed with a lease (committed), published with broker confirms, then marked sent. A
crash after publishing and before marking means the lease expires and the row is published again:
duplicates are harmless because every actor is idempotent; a lost message is not possible.

A pass is two statements (claim, mark sent); an idle one is one. The claim limit doubles while passes come back
full and halves back when they do not, and rows nudging one stage are merged into messages of up to that stage's
batch: under light load a message carries one order, under a backlog hundreds. While a pipeline queue has
messages waiting that no consumer has taken, its rows stay in the outbox (up to HOLD_FOR at a time), so that a
backlog builds there, where it is merged, rather than in the broker as messages of one id. Between passes the relay
waits for a notification (PostgreSQL) or a row written in its own process, at most ``interval``.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from datetime import timedelta

import dramatiq

from models.core.db import connection, database
from models.core.outbox import (
    OutboxMessage,
    claim_batch,
    mark_sent,
    prune_sent,
    release_claims,
)
from models.core.rate_limits import forget_old_windows
from models.core.stages import (
    MAX_BATCH_BY_ACTOR,
    PIPELINE_QUEUES,
)
from models.inventory.alerts import sweep_alerts
from models.partners.login_throttle import forget_old_failures
from models.planning.forecasts import schedule_due_forecasts
from models.reports.inventory_rollup import schedule_inventory_refresh
from models.review.hold_decisions import cancel_stale_holds
from models.shipping.tracking_polls import schedule_due_polls
from models.supply.alerts import sweep_supply_alerts
from models.sweeper import redrive_stuck_orders, redrive_stuck_returns
from models.webhooks.delivery import redrive_due_deliveries
from models.webhooks.fanout import fan_out_events
from workers.outbox_wakeup import waiter_for
from workers.queue_watch import watch_queues
from workers.relay_pacing import Linger

logger = logging.getLogger(__name__)
BATCH = 200  # rows claimed per pass at first, and the least the adaptive limit shrinks back to
MAX_BATCH = 2000  # the most the adaptive limit grows to under a backlog
MAX_IDS = 500  # ids per message at most (OMS_STAGE_MAX_BATCH); a stage may declare fewer
LEASE = timedelta(seconds=60)
# While a pipeline queue has messages no consumer has taken yet, its rows wait in the outbox (this long at most at a
# time), so that a backlog is sent as a few messages of many ids instead of many messages of one: a stage's cost is
# mostly per message.
HOLD_FOR = timedelta(seconds=1)
# Sent rows pruned per sweep at most (batches of PRUNE_BATCH): a backlog goes over several sweeps, never
# holding up publishing for long.
PRUNE_BATCHES_PER_SWEEP = 10


def relay_once(broker: dramatiq.Broker, *, batch: int = BATCH, max_ids: int | None = None,
               hold: Collection[str] = ()) -> int:
    """Publish one batch of unsent outbox rows (none for the queues in ``hold``); returns how many rows were
    published."""
    with connection():
        published: list[int] = []
        claimed = claim_batch(batch, LEASE, hold=hold)
        groups = coalesce(claimed, max_ids=max_ids)
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


def coalesce(rows: list[OutboxMessage], *, max_ids: int | None = None
             ) -> list[tuple[dramatiq.Message, list[OutboxMessage]]]:
    """One message per row, except that rows nudging the same actor with a list of ids are merged (up to
    ``max_ids`` ids, MAX_IDS by default, fewer for stages that call a carrier per id): under load a stage then
    takes orders in batches, not one message each."""
    max_ids = max_ids or MAX_IDS
    groups: list[tuple[dramatiq.Message, list[OutboxMessage]]] = []
    open_batches: dict[tuple[str, str], tuple[list[int], list[OutboxMessage]]] = {}
    for row in rows:
        args = row.args
        if len(args) == 1 and isinstance(args[0], list) and all(isinstance(i, int) for i in args[0]):
            key = (row.queue_name, row.actor_name)
            ids, members = open_batches.get(key, (None, None))
            limit = min(max_ids, MAX_BATCH_BY_ACTOR.get(row.actor_name, max_ids))
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


def busy_queues(broker: dramatiq.Broker, queues: Collection[str] = PIPELINE_QUEUES) -> set[str]:
    """The queues among ``queues`` holding messages that no consumer has taken yet (RabbitMQ: one passive declare
    each; the in-process broker: its queue's size). Unknown to the broker, not yet declared on the server by it, or
    not answered: not busy."""
    declared = getattr(broker, "queues", None) or ()
    # A passive declare of a queue the server does not have yet closes the channel (a 404, logged by pika as a
    # warning, and the next publish would fail on it): ask only about queues this broker has declared there.
    pending = getattr(broker, "queues_pending", ())
    busy = set()
    for queue in queues:
        if queue not in declared or queue in pending:
            continue
        try:
            found = declared[queue] if isinstance(declared, dict) else None
            waiting = found.qsize() if hasattr(found, "qsize") else \
                broker.channel.queue_declare(queue=queue, passive=True).method.message_count
        except Exception:  # noqa: BLE001 - a broker hiccup: publish as usual, the publish itself reports it
            logger.debug("queue depth of %s not read", queue, exc_info=True)
            _forget_channel(broker)
            continue
        if waiting:
            busy.add(queue)
    return busy


def _forget_channel(broker: dramatiq.Broker) -> None:
    """Drop the broker's channel of this thread (closed by the server after a failed declare), so that the next
    call opens another instead of failing on it."""
    try:
        del broker.channel
    except AttributeError:  # the in-process broker has none
        pass


class QueueHolds:
    """Which busy queues' rows wait in the outbox this pass: each is held from the first pass it is seen busy for
    ``hold_for`` at most, then its rows all go out together (and a hold may start again)."""

    def __init__(self, hold_for: timedelta) -> None:
        self.hold_for = hold_for.total_seconds()
        self.since: dict[str, float] = {}

    def held(self, busy: set[str]) -> set[str]:
        now = time.monotonic()
        self.since = {queue: self.since.get(queue, now) for queue in busy}
        released = {queue for queue, since in self.since.items() if now - since >= self.hold_for}
        for queue in released:
            del self.since[queue]
        return busy - released


def next_limit(limit: int, published: int, *, floor: int = BATCH, cap: int = MAX_BATCH) -> int:
    """The next pass's claim limit: doubled after a full pass (up to ``cap``), halved after one that was not (down
    to ``floor``)."""
    return min(cap, limit * 2) if published >= limit else max(floor, limit // 2)


def run_relay(broker: dramatiq.Broker, stop: threading.Event, *, interval: float,
              sweep_interval: float, stuck_after: timedelta, poll_every: timedelta = timedelta(minutes=5),
              keep_sent: timedelta = timedelta(hours=168), forecast_every: timedelta = timedelta(hours=24),
              forecast_horizon_weeks: int = 12, max_ids: int | None = None, linger: float | None = None,
              hold_for: timedelta = HOLD_FOR, webhook_interval: float = 2.0) -> None:
    """Relay until ``stop`` is set; every ``sweep_interval`` also re-drive stuck orders, expire holds,
    check stock and supply alerts, nudge the tracking polls and the forecast run that are due and prune rows sent
    longer than ``keep_sent`` ago. Between passes, wait for new rows at most ``interval``; rows for a pipeline
    queue with messages waiting are held back up to ``hold_for``. Every ``webhook_interval`` committed changes
    become webhook deliveries, and deliveries due again are sent."""
    next_sweep = time.monotonic() + sweep_interval
    next_webhooks = time.monotonic() + webhook_interval
    waiter = waiter_for(database.obj)
    limit, started, holds = BATCH, 0.0, QueueHolds(hold_for)
    # at least this long between the starts of two passes; without a fixed ``linger``, as the rows' rate asks
    pacing = Linger() if linger is None else Linger(quiet=linger, busy=linger)
    wait = pacing.quiet
    try:
        while not stop.is_set():
            stop.wait(max(0.0, started + wait - time.monotonic()))
            started = time.monotonic()
            try:
                database.connect(reuse_if_open=True)  # held across passes: each checkout from the pool is checked
                hold = holds.held(busy_queues(broker)) if hold_for else set()
                published = relay_once(broker, batch=limit, max_ids=max_ids, hold=hold)
                if time.monotonic() >= next_webhooks:
                    _webhooks()
                    next_webhooks = time.monotonic() + webhook_interval
                if time.monotonic() >= next_sweep:
                    _sweep(stuck_after, poll_every, keep_sent, forecast_every, forecast_horizon_weeks)
                    watch_queues(broker)
                    next_sweep = time.monotonic() + sweep_interval
            except Exception:  # noqa: BLE001 - the relay must outlive a database or broker outage
                logger.exception("relay pass failed; retrying")
                _drop_connection()
                published = 0
                stop.wait(min(5.0, interval * 10))
            full = published >= limit
            limit = next_limit(limit, published)
            wait = pacing.after_pass(published, time.monotonic())
            if not full:
                waiter.wait(stop, interval)
    finally:
        waiter.close()
        _drop_connection()


def _drop_connection() -> None:
    """Give the connection back (a broken one is discarded by the pool); the next pass takes another."""
    try:
        if not database.is_closed():
            database.close()
    except Exception:  # noqa: BLE001 - already broken
        logger.debug("relay connection not closed cleanly", exc_info=True)


def _webhooks() -> None:
    """Fan committed changes out to webhook subscriptions and nudge the deliveries due (few statements when there
    is nothing new; a backlog is bounded per call by the fan-out's batches)."""
    fan_out_events()
    redrive_due_deliveries()


def _sweep(stuck_after: timedelta, poll_every: timedelta, keep_sent: timedelta, forecast_every: timedelta,
           forecast_horizon_weeks: int) -> None:
    redriven = redrive_stuck_orders(stuck_after)
    redrive_stuck_returns(stuck_after)
    expired = cancel_stale_holds()
    sweep_alerts()
    schedule_due_polls(poll_every)
    sweep_supply_alerts()
    schedule_due_forecasts(forecast_every, horizon_weeks=forecast_horizon_weeks)
    schedule_inventory_refresh()
    forget_old_windows(older_than=timedelta(hours=1))
    forget_old_failures(older_than=timedelta(days=1))
    prune_sent(keep_sent, max_batches=PRUNE_BATCHES_PER_SWEEP)
    if redriven:
        logger.warning("re-drove stuck orders: %s", redriven)
    if expired:
        logger.warning("cancelled orders left on hold too long: %s", expired)
