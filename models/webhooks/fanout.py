"""The fan-out: new source rows after each cursor become events and one delivery per matching active
subscription, with the delivery actor's outbox rows, in one transaction with the cursor's advance.

Source rows are written in the transactions of their changes, so a rolled-back change leaves nothing to read and
a committed one is read once the cursor reaches it. Ids are taken at insert but seen at commit, so the cursor may
pass an id a slower transaction is still to commit: every id passed unseen is kept as a gap and read again on each
pass until no transaction that began before it is still open, or for GAP_WINDOW at most; what appears there is
fanned out then. The event's
unique (source, source id) makes a row found twice one event.
"""
from __future__ import annotations

import functools
import json
import operator
import uuid
from datetime import datetime, timedelta

import peewee

from models.core.base import utc_now
from models.core.bulk_insert import insert_values
from models.core.db import database, is_sqlite, lock_for_update
from models.core.outbox import OutboxMessage, written
from models.core.stages import WEBHOOKS
from models.webhooks.rules import type_matches
from models.webhooks.sources import SOURCES, EventDraft, Source
from models.webhooks.tables import (
    WebhookCursor,
    WebhookDelivery,
    WebhookEvent,
    WebhookGap,
    WebhookSubscription,
)

BATCH = 500  # source rows read per transaction
MAX_BATCHES = 20  # per source and pass: a backlog is worked off over several passes
GAP_WINDOW = timedelta(hours=1)
# The relay sends an open delivery again once this has passed since its last nudge: longer than an attempt.
ATTEMPT_LEASE = timedelta(minutes=2)


def fan_out_events() -> int:
    """Turn every source row after its cursor, or in a gap it passed, into events and deliveries; returns
    deliveries written.
    With no active subscription the cursors just move to the newest rows (a new subscription gets no history)."""
    subscriptions = list(WebhookSubscription.select().where(WebhookSubscription.active == True)  # noqa: E712
                         .order_by(WebhookSubscription.id))
    if not subscriptions:
        skip_to_newest()
        return 0
    written_count = 0
    for source in SOURCES:
        written_count += _fan_out_gaps(source, subscriptions)
        for _ in range(MAX_BATCHES):
            count, more = _fan_out_batch(source, subscriptions)
            written_count += count
            if not more:
                break
    return written_count


def skip_to_newest() -> None:
    """Set every source's cursor to its newest row (one statement per source)."""
    with database.atomic():
        for source in SOURCES:
            newest = source.model.select(peewee.fn.COALESCE(peewee.fn.MAX(source.model.id), 0)).scalar()
            (WebhookCursor.insert(source=source.name, last_id=newest)
             .on_conflict(conflict_target=[WebhookCursor.source], update={WebhookCursor.last_id: newest})
             .execute())


def _fan_out_batch(source: Source, subscriptions: list[WebhookSubscription]) -> tuple[int, bool]:
    with database.atomic():
        cursor = lock_for_update(WebhookCursor.select().where(WebhookCursor.source == source.name)).first()
        if cursor is None:  # first run: start from now, not from the whole history
            skip_to_newest()
            return 0, False
        rows = list(source.model.select().where(source.model.id > cursor.last_id)
                    .order_by(source.model.id).limit(BATCH))
        if not rows:
            return 0, False
        gaps = missing_ranges(cursor.last_id, [row.id for row in rows])
        if gaps:
            WebhookGap.insert_many([{"source": source.name, "low": low, "high": high, "seen_at": utc_now()}
                                    for low, high in gaps]).execute()
        count = _write_events(source.name, source.drafts(rows), subscriptions)
        WebhookCursor.update(last_id=rows[-1].id).where(WebhookCursor.source == source.name).execute()
    return count, len(rows) == BATCH


def _fan_out_gaps(source: Source, subscriptions: list[WebhookSubscription]) -> int:
    """Rows committed since into the gaps the cursor passed; gaps older than GAP_WINDOW are forgotten."""
    with database.atomic():
        gaps = list(WebhookGap.select(WebhookGap.low, WebhookGap.high)
                    .where(WebhookGap.source == source.name).tuples())
        if not gaps:
            return 0
        # taken before the read: a gap seen before every transaction still writing began is final once read
        final_before = writers_open_since()
        within = functools.reduce(operator.or_, (source.model.id.between(low, high) for low, high in gaps))
        rows = list(source.model.select().where(within).order_by(source.model.id))
        count = _write_events(source.name, source.drafts(rows), subscriptions) if rows else 0
        WebhookGap.delete().where(WebhookGap.source == source.name,
                                  (WebhookGap.seen_at < final_before)
                                  | (WebhookGap.seen_at < utc_now() - GAP_WINDOW)).execute()
        return count


def writers_open_since() -> datetime:
    """When the oldest transaction still open that has written anything began (now when none): an id passed
    unseen before then belonged to a transaction that has ended since, committed or rolled back. SQLite has one
    writer at a time, so no id is ever passed while still to be committed. Sequences belong to one database, so
    writers in other databases on the same server do not count."""
    if is_sqlite():
        return utc_now()
    started = database.execute_sql(
        "SELECT MIN(xact_start) AT TIME ZONE 'UTC' FROM pg_stat_activity "
        "WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND datname = current_database()").fetchone()[0]
    return utc_now() if started is None else started


def missing_ranges(after: int, ids: list[int]) -> list[tuple[int, int]]:
    """The (low, high) ranges of ids after ``after`` up to the last of ``ids`` (ascending) that ``ids`` lack."""
    ranges, expected = [], after + 1
    for current in ids:
        if current > expected:
            ranges.append((expected, current - 1))
        expected = current + 1
    return ranges


def matching(draft: EventDraft, subscriptions: list[WebhookSubscription]) -> list[WebhookSubscription]:
    """The subscriptions that want ``draft``: a type they list, after they were created, and an ops subscription
    or one of a partner that may see it."""
    return [sub for sub in subscriptions
            if draft.occurred_at >= sub.created_at
            and (sub.partner_id is None or sub.partner_id in draft.partner_ids)
            and any(type_matches(pattern, draft.event_type) for pattern in json.loads(sub.event_types))]


def _write_events(source: str, drafts: list[EventDraft], subscriptions: list[WebhookSubscription]) -> int:
    wanted = [(draft, subs) for draft in drafts if (subs := matching(draft, subscriptions))]
    if not wanted:
        return 0
    now = utc_now()
    inserted = insert_values(WebhookEvent, [
        {"source": source, "source_id": draft.source_id, "event_type": draft.event_type,
         "occurred_at": draft.occurred_at, "payload": json.dumps(draft.data, sort_keys=True),
         "partner_ids": json.dumps(sorted(draft.partner_ids)), "created_at": now}
        for draft, _ in wanted], returning=("id", "source_id"), ignore_conflicts=True)
    event_ids = {source_id: event_id for event_id, source_id in inserted}
    deliveries = [{"subscription": sub.id, "event": event_ids[draft.source_id],
                   "message_id": "msg_" + uuid.uuid4().hex, "status": "pending",
                   "next_attempt_at": now + ATTEMPT_LEASE, "created_at": now}
                  for draft, subs in wanted if draft.source_id in event_ids for sub in subs]
    ids = sorted(row[0] for row in insert_values(WebhookDelivery, deliveries, returning=("id",),
                                                 ignore_conflicts=True))
    nudge_deliveries(ids)
    return len(ids)


def nudge_deliveries(delivery_ids: list[int]) -> None:
    """The delivery actor's outbox rows for ``delivery_ids``, a stage batch each, in one statement."""
    if not delivery_ids:
        return
    size = WEBHOOKS.max_batch
    OutboxMessage.insert_many([
        {"queue_name": WEBHOOKS.queue_name, "actor_name": WEBHOOKS.actor_name,
         "payload": json.dumps([delivery_ids[start:start + size]])}
        for start in range(0, len(delivery_ids), size)]).execute()
    written.set()
