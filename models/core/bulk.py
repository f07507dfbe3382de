"""Set-based writes for the pipeline stages: many guarded status changes, or many rows updated from a list of
values, in one statement each (``UPDATE … FROM (VALUES …) … RETURNING``), on PostgreSQL and SQLite (≥ 3.35) alike."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_arrays import column_type, inferred_type, unnest_source
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
                    casts: Mapping[str, str] | None = None, via: str | None = None,
                    via_reasons: Mapping[int, str] | None = None) -> set[int]:
    """Move every row of ``moves`` still in its expected status to ``to``; returns the ids this call moved.

    One ``UPDATE … FROM rows (id, expected, reason) WHERE status = expected RETURNING id`` and one multi-row
    audit insert per chunk: a redelivered batch, or a row another caller moved first, changes nothing. Call inside
    the stage's transaction. ``also_set`` columns are written in the same update, from ``also_values[id]`` (one
    value per column; ``casts`` types them as ``update_from_values`` does): a stage that decides more than the
    status writes each row once, not once for the status and once for the rest. ``via``: the rows pass through
    that status on their way in the same transaction (each step must be a valid transition): the row is written
    once, and the audit trail records both steps, the first with ``via_reasons[id]``.
    """
    if entity not in MACHINES:
        raise InvalidTransition(TextMessage(Text("unknown entity %(entity)s; known: %(known)s", entity=repr(entity),
                                                  known=", ".join(MACHINES))))
    moves = list(moves)
    first = to if via is None else via
    steps = [(expected, first) for expected in {move.expected for move in moves}]
    if via is not None:
        steps.append((via, to))
    for source, target in steps:
        if not can_transition(entity, source, target):
            raise InvalidTransition(TextMessage(Text("%(entity)s may not move from %(source)s to %(to)s", entity=entity,
                                                      source=repr(source), to=repr(target))))
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
        audit = [{"entity": entity, "entity_id": m.entity_id, "from_status": source, "to_status": target,
                  "actor": actor, "reason": reason, "at": now}
                 for m in chunk if m.entity_id in done
                 for source, target, reason in _trail_steps(m, to, via, via_reasons)]
        if audit:
            insert_values(StatusChange, audit)
    return moved


def _trail_steps(move: Move, to: str, via: str | None,
                 via_reasons: Mapping[int, str] | None) -> list[tuple[str, str, str]]:
    """The audit rows of one move as (from, to, reason): one step, or two through ``via``."""
    if via is None:
        return [(move.expected, to, move.reason)]
    return [(move.expected, via, (via_reasons or {}).get(move.entity_id, "")), (via, to, move.reason)]


def update_from_values(model: type[peewee.Model], columns: Sequence[str], rows: Sequence[tuple],
                       constants: dict[str, object] | None = None, *, set_from_values: Sequence[str] = (),
                       match: Sequence[tuple[str, str]] = (("id", "id"),),
                       extra_where: str = "", extra_params: Sequence = (),
                       casts: dict[str, str] | None = None, increments: dict[str, str] | None = None) -> set[int]:
    """``UPDATE model SET col = v.col …, col = col + v.x …, col = constant … FROM rows AS v(columns)
    WHERE match [AND extra_where] RETURNING model.id``; returns the ids updated. ``set_from_values`` names columns
    of ``columns`` written to the same-named table column; ``increments`` maps a table column to the values column
    added to it; ``match`` pairs (table column, values column). ``casts`` types a values column for PostgreSQL
    (e.g. ``{"total": "NUMERIC(14, 2)"}``); a column without one takes the type of the model's column of its
    name, else the type its values have. On PostgreSQL the rows go as one array a column (``models.core.
    bulk_arrays``), on SQLite, or with a value no array literal here can spell, as a VALUES list."""
    if not rows:
        return set()
    table = model._meta.table_name
    param = database.param
    updated: set[int] = set()
    constants = constants or {}
    casts = casts or {}
    sqlite = is_sqlite()
    assignments = [f"{quote(name)} = v.{quote(name)}" for name in set_from_values]
    assignments += [f"{quote(column)} = {quote(table)}.{quote(column)} + v.{quote(name)}"
                    for column, name in (increments or {}).items()]
    assignments += [f"{quote(name)} = {param}" for name in constants]  # plain values, the same for every row
    constant_params = [driver_value(node) for node in constants.values()]
    conditions = " AND ".join(f"{quote(table)}.{quote(col)} = v.{quote(val)}" for col, val in match)
    if extra_where:
        conditions += f" AND ({extra_where})"
    declared = None if sqlite else _declared_types(model, columns, casts)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        source = None if sqlite else _unnest_rows(columns, chunk, declared)
        if source is None:
            source = _values_rows(columns, chunk, casts, sqlite)
        source_sql, source_params = source
        sql = (f"UPDATE {quote(table)} SET {', '.join(assignments)} FROM {source_sql} "
               f"WHERE {conditions} RETURNING {quote(table)}.{quote('id')}")
        params = constant_params + source_params + (list(extra_params) if extra_where else [])
        updated.update(row[0] for row in database.execute_sql(sql, params).fetchall())
    return updated


def _declared_types(model: type[peewee.Model], columns: Sequence[str],
                    casts: Mapping[str, str]) -> list[str | None]:
    """Each values column's type where it is known before the values: a cast asked for, else the type of the
    model's column of that name."""
    fields = {field.column_name: field for field in model._meta.sorted_fields}
    return [casts.get(name) or (column_type(fields[name]) if name in fields else None) for name in columns]


def _unnest_rows(columns: Sequence[str], chunk: Sequence[tuple],
                 declared: Sequence[str | None]) -> tuple[str, list] | None:
    """``unnest(…) AS v(columns)`` over the chunk's columns (PostgreSQL), None if a value needs the VALUES list."""
    by_column = list(zip(*chunk))
    types = [kind or inferred_type(values) for kind, values in zip(declared, by_column)]
    if None in types:
        return None
    source = unnest_source(by_column, types)
    if source is None:
        return None
    sql, params = source
    return f"{sql} AS v({', '.join(quote(name) for name in columns)})", params


def _values_rows(columns: Sequence[str], chunk: Sequence[tuple], casts: Mapping[str, str],
                 sqlite: bool) -> tuple[str, list]:
    """``(SELECT … FROM (VALUES (…), …)) AS v``: a parameter a value."""
    param = database.param
    values_sql = ", ".join("(" + ", ".join([param] * len(columns)) + ")" for _ in chunk)
    if sqlite:
        params = [driver_value(value) for row in chunk for value in row]
    else:  # psycopg2 binds every value as it is
        params = [value for row in chunk for value in row]
    selected = ", ".join((f"CAST(column{i + 1} AS {casts[name]})" if name in casts else f"column{i + 1}")
                         + f" AS {quote(name)}" for i, name in enumerate(columns))
    return f"(SELECT {selected} FROM (VALUES {values_sql}) AS vv) AS v", params
