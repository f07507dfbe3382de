"""Dead letters as ops see them: recorded when a message dies, listed, retried through the outbox or discarded.

The table is the truth; RabbitMQ's ``<queue>.XQ`` is only the way in for a death the worker could not record.
A retry re-sends the same actor and arguments through the outbox in the transaction that marks the row retried:
if it dies again, it comes back as a new dead letter under its new message id.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage, written
from models.core.stages import ALLOCATION, INTAKE, RETURNS, REVIEW, SHIPPING
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.operations.queue_rules import (
    DEAD_LETTER_OPEN,
    DECISIONS,
    linked_ids,
    may_decide,
    note_problem,
    trimmed_error,
)
from models.operations.queue_tables import DeadLetter

ENTITY = "dead_letter"  # in the audit trail
ORDER_ACTORS = tuple(stage.actor_name for stage in (INTAKE, REVIEW, ALLOCATION, SHIPPING))
RETURN_ACTORS = (RETURNS.actor_name,)
PAGE_SIZE = 50
MAX_PAGE = 500
MAX_BULK = 1000  # dead letters one bulk decision takes at most


@dataclass(frozen=True)
class FoundDeadLetter:
    """A dead message as a broker hands it over: its id, where it was, what it would run, why it died."""

    message_id: str
    queue: str
    actor: str
    args: Sequence
    error: str
    failed_at: datetime | None = None


def record_dead_letters(found: Iterable[FoundDeadLetter]) -> int:
    """Insert the dead letters not recorded yet (one statement; a message id seen before is left as it is);
    returns how many were new. Call inside a transaction or alone."""
    now = utc_now()
    rows = [{"message_id": item.message_id[:64], "queue": item.queue[:64], "actor": item.actor[:64],
             "args": json.dumps(list(item.args), default=str), "error": trimmed_error(item.error),
             "failed_at": item.failed_at or now, "status": DEAD_LETTER_OPEN} for item in found]
    if not rows:
        return 0
    inserted = (DeadLetter.insert_many(rows).on_conflict(conflict_target=[DeadLetter.message_id], action="IGNORE")
                .returning(DeadLetter.id).execute())
    return len(list(inserted))


def open_count() -> int:
    """Open dead letters, all queues together."""
    return DeadLetter.select().where(DeadLetter.status == DEAD_LETTER_OPEN).count()


def open_by_queue() -> dict[str, int]:
    """Open dead letters per queue (one grouped query)."""
    query = (DeadLetter.select(DeadLetter.queue, peewee.fn.COUNT(DeadLetter.id).alias("dead"))
             .where(DeadLetter.status == DEAD_LETTER_OPEN).group_by(DeadLetter.queue))
    return {row.queue: row.dead for row in query}


def dead_letter_page(*, queue: str = "", status: str = DEAD_LETTER_OPEN, before: int | None = None,
                     limit: int = PAGE_SIZE) -> tuple[list[dict], int | None]:
    """One page of dead letters, the newest first, and the id to pass as ``before`` for the next (None at the end).
    ``status`` "" lists every status."""
    query = DeadLetter.select()
    if queue:
        query = query.where(DeadLetter.queue == queue)
    if status:
        query = query.where(DeadLetter.status == status)
    if before is not None:
        query = query.where(DeadLetter.id < before)
    rows = list(query.order_by(DeadLetter.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return [describe(row) for row in rows], (rows[-1].id if more else None)


def describe(row: DeadLetter) -> dict:
    """A dead letter as the API and the pages show it, with the order or return ids its arguments name."""
    args = row.arguments
    return {"id": row.id, "message_id": row.message_id, "queue": row.queue, "actor": row.actor, "args": args,
            "error": row.error, "failed_at": row.failed_at, "status": row.status, "decided_by": row.decided_by,
            "decided_at": row.decided_at, "note": row.note, "retried_as": row.retried_as,
            **linked_ids(row.actor, args, order_actors=ORDER_ACTORS, return_actors=RETURN_ACTORS)}


def get_dead_letter(dead_letter_id: int) -> dict:
    row = DeadLetter.get_or_none(DeadLetter.id == dead_letter_id)
    if row is None:
        raise NotFound(TextMessage(Text("no dead letter %(id)s", id=dead_letter_id)))
    return describe(row)


def decide_dead_letter(dead_letter_id: int, decision: str, *, actor: str, note: str = "") -> dict:
    """Retry or discard one dead letter; NotFound when unknown, InvalidTransition when it is no longer open."""
    row = DeadLetter.get_or_none(DeadLetter.id == dead_letter_id)
    if row is None:
        raise NotFound(TextMessage(Text("no dead letter %(id)s", id=dead_letter_id)))
    target = _target(decision)
    if not may_decide(row.status, target):
        raise InvalidTransition(TextMessage(Text("dead letter %(id)s is %(status)s, not open: nothing to %(decision)s",
                                                 id=dead_letter_id, status=row.status, decision=decision)))
    problem = note_problem(note, bulk=False)
    if problem:
        raise ValidationFailed({"note": [problem]}, problem)
    if not decide_dead_letters([dead_letter_id], decision, actor=actor, note=note, bulk=False):
        raise InvalidTransition(TextMessage(Text("dead letter %(id)s was decided by someone else meanwhile",
                                                 id=dead_letter_id)))
    return get_dead_letter(dead_letter_id)


def decide_dead_letters(ids: Iterable[int] = (), decision: str = "retry", *, actor: str, note: str,
                        queue: str = "", bulk: bool = True) -> list[int]:
    """Retry or discard the open dead letters among ``ids`` (or every open one of ``queue``, at most MAX_BULK) in
    one transaction: a guarded update (a row decided meanwhile is left out), an audit row each and, for a retry, an
    outbox row each re-sending its actor and arguments. Returns the ids decided."""
    target = _target(decision)
    problem = note_problem(note, bulk=bulk)
    if problem:
        raise ValidationFailed({"note": [problem]}, problem)
    ids = sorted({int(i) for i in ids})
    if not ids and not queue:
        raise ValidationFailed({"ids": [TextMessage(Text("give ids or a queue"))]},
                               TextMessage(Text("name the dead letters: ids, or a queue")))
    if len(ids) > MAX_BULK:
        raise ValidationFailed({"ids": [TextMessage(Text("at most %(most)s", most=MAX_BULK))]},
                               TextMessage(Text("%(count)s ids; at most %(most)s at once", count=len(ids),
                                                most=MAX_BULK)))
    now = utc_now()
    with database.atomic():
        chosen = DeadLetter.select(DeadLetter.id).where(DeadLetter.status == DEAD_LETTER_OPEN)
        chosen = chosen.where(DeadLetter.id.in_(ids)) if ids else \
            chosen.where(DeadLetter.queue == queue).order_by(DeadLetter.id).limit(MAX_BULK)
        decided = list(DeadLetter.update(status=target, decided_by=actor, decided_at=now, note=note)
                       .where(DeadLetter.id.in_(chosen), DeadLetter.status == DEAD_LETTER_OPEN)
                       .returning(DeadLetter.id, DeadLetter.queue, DeadLetter.actor, DeadLetter.args).execute())
        if not decided:
            return []
        StatusChange.insert_many([{"entity": ENTITY, "entity_id": row.id, "from_status": DEAD_LETTER_OPEN,
                                   "to_status": target, "actor": actor, "reason": note, "at": now}
                                  for row in decided]).execute()
        if decision == "retry":
            _resend(decided, now)
    return sorted(row.id for row in decided)


def _resend(rows: list[DeadLetter], now: datetime) -> None:
    """One outbox row per retried dead letter (one insert), then each row notes which outbox row re-sends it."""
    sent = list(OutboxMessage.insert_many([{"queue_name": row.queue, "actor_name": row.actor, "payload": row.args,
                                            "created_at": now} for row in rows])
                .returning(OutboxMessage.id).execute())
    written.set()
    pairs = [(row.id, f"outbox:{message.id}") for row, message in zip(rows, sent)]
    case = peewee.Case(DeadLetter.id, pairs)
    DeadLetter.update(retried_as=case).where(DeadLetter.id.in_([row.id for row, _ in zip(rows, sent)])).execute()


def _target(decision: str) -> str:
    try:
        return DECISIONS[decision]
    except KeyError:
        raise ValidationFailed({"decision": [TextMessage(Text("retry or discard"))]},
                               TextMessage(Text("unknown decision %(decision)s; use retry or discard",
                                                decision=repr(decision)))) from None
