"""Set-based writes for the pipeline stages: many guarded status changes, or many rows updated from a list of
values, in one statement each (``UPDATE … FROM (VALUES …) … RETURNING``), on PostgreSQL and SQLite (≥ 3.35) alike."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_insert import insert_values
from models.core.bulk_values import CHUNK, driver_value, quote  # noqa: F401 - imported from here too
from models.core.db import database, is_sqlite
from models.core.errors import InvalidTransition
from models.core.registry import status_table
from models.core.states import MACHINES, can_transition
from models.core.text_messages import TextMessage
from models.core.texts import Text


@dataclass(frozen=True)
class Move:
    """One row's status change: from ``expected`` (the status the stage read) with a reason for the audit trail."""

    entity_id: int
    expected: str
    reason: str = ""


@dataclass
class BatchResult:
    """What a set-based step did with each id of its batch."""

    outcomes: dict[int, str] = field(default_factory=dict)  # id -> what became of it (usually the status reached)
    failed: dict[int, Exception] = field(default_factory=dict)  # set aside: retried or dead-lettered alone

    def merge(self, other: "BatchResult") -> "BatchResult":
        self.outcomes.update(other.outcomes)
        self.failed.update(other.failed)
        return self


def transition_many(entity: str, moves: Iterable[Move], to: str, *, actor: str,
                    also_set: Sequence[str] = (), also_values: Mapping[int, tuple] | None = None,
                    casts: Mapping[str, str] | None = None) -> set[int]:
    """Move every row of ``moves`` still in its expected status to ``to``; returns the ids this call moved.

    One ``UPDATE … FROM (VALUES (id, expected, reason) …) WHERE status = expected RETURNING id`` and one multi-row
    audit insert per chunk: a redelivered batch, or a row another caller moved first, changes nothing. Call inside
    the stage's transaction. ``also_set`` columns are written in the same update, from ``also_values[id]`` (one
    value per column; ``casts`` types them as ``update_from_values`` does): a stage that decides more than the
    status writes each row once, not once for the status and once for the rest.
    """
    if entity not in MACHINES:
        raise InvalidTransition(TextMessage(Text("unknown entity %(entity)s; known: %(known)s", entity=repr(entity),
                                                  known=", ".join(MACHINES))))
    moves = list(moves)
    for expected in {move.expected for move in moves}:
        if not can_transition(entity, expected, to):
            raise InvalidTransition(TextMessage(Text("%(entity)s may not move from %(source)s to %(to)s", entity=entity,
                                                      source=repr(expected), to=repr(to))))
    model = status_table(entity)
    now = utc_now()
    with_reason = hasattr(model, "status_reason")
    moved: set[int] = set()
    also_set = tuple(also_set)
    for start in range(0, len(moves), CHUNK):
        chunk = moves[start:start + CHUNK]
        rows = [(m.entity_id, m.expected, m.reason) + (tuple(also_values[m.entity_id]) if also_set else ())
                for m in chunk]
        values = {"status": to, "status_changed_at": now}
        done = update_from_values(model, ("id", "expected", "status_reason") + also_set, rows, values,
                                  set_from_values=(("status_reason",) if with_reason else ()) + also_set,
                                  match=(("id", "id"), ("status", "expected")), casts=dict(casts or {}))
        moved.update(done)
        audit = [{"entity": entity, "entity_id": m.entity_id, "from_status": m.expected, "to_status": to,
                  "actor": actor, "reason": m.reason, "at": now} for m in chunk if m.entity_id in done]
        if audit:
            insert_values(StatusChange, audit)
    return moved


def update_from_values(model: type[peewee.Model], columns: Sequence[str], rows: Sequence[tuple],
                       constants: dict[str, object] | None = None, *, set_from_values: Sequence[str] = (),
                       match: Sequence[tuple[str, str]] = (("id", "id"),),
                       extra_where: str = "", extra_params: Sequence = (),
                       casts: dict[str, str] | None = None, increments: dict[str, str] | None = None) -> set[int]:
    """``UPDATE model SET col = v.col …, col = col + v.x …, col = constant … FROM (VALUES rows) AS v(columns)
    WHERE match [AND extra_where] RETURNING model.id``; returns the ids updated. ``set_from_values`` names columns
    of ``columns`` written to the same-named table column; ``increments`` maps a table column to the values column
    added to it; ``match`` pairs (table column, values column). ``casts`` types a values column for PostgreSQL,
    which reads a column of parameters as text (e.g. ``{"total": "NUMERIC(14, 2)"}``; needed for a NULL or a date)."""
    if not rows:
        return set()
    table = model._meta.table_name
    param = database.param
    updated: set[int] = set()
    constants = constants or {}
    sqlite = is_sqlite()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        width = len(columns)
        values_sql = ", ".join("(" + ", ".join([param] * width) + ")" for _ in chunk)
        params: list = []
        assignments = [f"{quote(name)} = v.{quote(name)}" for name in set_from_values]
        assignments += [f"{quote(column)} = {quote(table)}.{quote(column)} + v.{quote(name)}"
                        for column, name in (increments or {}).items()]
        for name, node in constants.items():  # plain values, the same for every row
            assignments.append(f"{quote(name)} = {param}")
            params.append(driver_value(node))
        if sqlite:
            for row in chunk:
                params.extend(driver_value(value) for value in row)
        else:  # psycopg2 binds every value as it is
            for row in chunk:
                params.extend(row)
        casts = casts or {}
        selected = ", ".join((f"CAST(column{i + 1} AS {casts[name]})" if name in casts else f"column{i + 1}")
                             + f" AS {quote(name)}" for i, name in enumerate(columns))
        conditions = " AND ".join(f"{quote(table)}.{quote(col)} = v.{quote(val)}" for col, val in match)
        if extra_where:
            conditions += f" AND ({extra_where})"
            params.extend(extra_params)
        sql = (f"UPDATE {quote(table)} SET {', '.join(assignments)} "
               f"FROM (SELECT {selected} FROM (VALUES {values_sql}) AS vv) AS v "
               f"WHERE {conditions} RETURNING {quote(table)}.{quote('id')}")
        updated.update(row[0] for row in database.execute_sql(sql, params).fetchall())
    return updated
