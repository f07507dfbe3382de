"""The transactional outbox: a message to send, written in the same transaction as the change it follows."""
from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Collection
from datetime import timedelta

import peewee

from models.core.base import BaseModel, utc_now
from models.core.db import database, is_sqlite
from models.core.registry import register_tables

PRUNE_BATCH = 5000  # rows deleted per transaction when sent rows are pruned
NOTIFY_CHANNEL = "oms_outbox"  # PostgreSQL: a trigger notifies it when rows are inserted (migration 0016)
# Set when this process writes a row: a relay in the same process wakes at once. It may fire before the commit;
# then the relay's claim (a write on SQLite, serialized behind the writer) sees the row or the next pass does.
written = threading.Event()


class OutboxMessage(BaseModel):
    queue_name = peewee.CharField(max_length=64)
    actor_name = peewee.CharField(max_length=64)
    payload = peewee.TextField()  # JSON list of positional args: ids and plain values only
    created_at = peewee.DateTimeField(default=utc_now)
    claimed_until = peewee.DateTimeField(null=True)
    claim_token = peewee.CharField(max_length=32, null=True)
    sent_at = peewee.DateTimeField(null=True)
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")

    class Meta:
        indexes = ((("sent_at", "id"), False),)

    @property
    def args(self) -> list:
        return json.loads(self.payload)

    @classmethod
    def unsent(cls) -> peewee.ModelSelect:
        return cls.select().where(cls.sent_at.is_null()).order_by(cls.id)


def enqueue_after_commit(queue_name: str, actor_name: str, *args) -> OutboxMessage:
    """Record a message to send once the surrounding transaction commits; call inside ``atomic()``."""
    message = OutboxMessage.create(queue_name=queue_name, actor_name=actor_name, payload=json.dumps(list(args)))
    written.set()
    return message


def claim_batch(limit: int, lease: timedelta, *, hold: Collection[str] = ()) -> list[OutboxMessage]:
    """Claim up to ``limit`` unsent messages, oldest first, for ``lease`` in one statement; a crashed relay's
    claims expire and are retaken. Rows for the queues in ``hold`` are left for a later pass.

    PostgreSQL: ``WITH picked AS MATERIALIZED (SELECT id … LIMIT n FOR UPDATE SKIP LOCKED) UPDATE … FROM picked
    RETURNING …`` in autocommit, so two relays never take one row (the loser skips it, or re-checks it once the
    winner commits). SQLite: ``UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`` in a write transaction.
    """
    if limit <= 0:
        return []
    now = utc_now()
    claimable = ((OutboxMessage.sent_at.is_null())
                 & (OutboxMessage.claimed_until.is_null() | (OutboxMessage.claimed_until < now)))
    if hold:
        claimable &= OutboxMessage.queue_name.not_in(sorted(hold))
    oldest = OutboxMessage.select(OutboxMessage.id).where(claimable).order_by(OutboxMessage.id).limit(limit)
    claim = OutboxMessage.update(claimed_until=now + lease, claim_token=uuid.uuid4().hex,
                                 attempts=OutboxMessage.attempts + 1)
    if is_sqlite():
        with database.atomic():  # queues on the process's writer lock instead of SQLite's busy sleeps
            rows = list(claim.where(OutboxMessage.id.in_(oldest), claimable).returning(OutboxMessage).execute())
    else:
        # A materialized CTE, not ``id IN (…)``: a semi-join may rescan a LIMIT subquery and claim more rows.
        picked = oldest.for_update("FOR UPDATE SKIP LOCKED").cte("picked", materialized=True)
        rows = list(claim.from_(picked).where(OutboxMessage.id == picked.c.id).with_cte(picked)
                    .returning(OutboxMessage).execute())
    return sorted(rows, key=lambda row: row.id)


def mark_sent(message_ids: list[int]) -> None:
    mark = OutboxMessage.update(sent_at=utc_now(), claimed_until=None).where(OutboxMessage.id.in_(message_ids))
    if is_sqlite():
        with database.atomic():  # queued on the writer lock, like the claim
            mark.execute()
    else:
        mark.execute()


def release_claims(messages: list[OutboxMessage], error: str) -> None:
    """Give messages back after a failed publish so the next pass retries them."""
    (OutboxMessage.update(claimed_until=None, claim_token=None, last_error=error[:2000])
     .where(OutboxMessage.id.in_([m.id for m in messages])).execute())


def prune_sent(older_than: timedelta, *, batch: int = PRUNE_BATCH, max_batches: int | None = None) -> int:
    """Delete rows sent more than ``older_than`` ago, ``batch`` rows per short transaction so the relay is never
    held up for long; an unsent row is never deleted. Stops after ``max_batches``; returns how many were deleted."""
    cutoff = utc_now() - older_than
    deleted = batches = 0
    while max_batches is None or batches < max_batches:
        # sent_at < cutoff is never true for an unsent row (NULL); the (sent_at, id) index serves the scan.
        oldest = (OutboxMessage.select(OutboxMessage.id).where(OutboxMessage.sent_at < cutoff)
                  .order_by(OutboxMessage.sent_at, OutboxMessage.id).limit(batch))
        with OutboxMessage._meta.database.atomic():
            count = OutboxMessage.delete().where(OutboxMessage.id.in_(oldest)).execute()
        deleted += count
        batches += 1
        if count < batch:
            break
    return deleted


register_tables(OutboxMessage)
