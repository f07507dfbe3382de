"""Multi-row inserts with the values bound as parameters, on PostgreSQL and SQLite alike.

peewee's ``insert_many`` renders every value into the SQL text through the field's converter and a node per value
(about 20 µs a value): for a stage writing hundreds of rows a batch that was the larger part of its CPU time, and
five seconds for the periods of 5,000 forecasts. Here the fields convert the values and the driver binds them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import peewee

from models.core.bulk_arrays import column_type, unnest_source
from models.core.bulk_copy import copy_dicts
from models.core.bulk_values import CHUNK, driver_value, quote, unchanged_by
from models.core.db import database, is_sqlite
from models.core.model_rows import instances_of

COPY_FROM_ROWS = 20  # rows from which a plain insert goes by COPY on PostgreSQL (below, one INSERT costs less)


def insert_values(model: type[peewee.Model], rows: Sequence[dict], *, returning: Sequence[str] = (),
                  ignore_conflicts: bool = False, replace_on: Sequence[str] = ()) -> list[tuple]:
    """``INSERT INTO model (…) VALUES (…), (…) [ON CONFLICT …] [RETURNING …]``, one statement per 500 rows (on
    PostgreSQL the rows as one array a column, ``SELECT * FROM unnest(…)``).
    ``rows`` are dicts by field name, as ``insert_many`` takes them; a field left out gets its default (a callable
    default called once for all rows). ``ignore_conflicts``: a row that breaks a unique key is skipped;
    ``replace_on`` (the columns of a unique key): such a row replaces the other columns of the one there. Returns
    the ``returning`` columns of the rows written.

    On PostgreSQL, COPY_FROM_ROWS rows or more with nothing to return and no conflict to settle go in by one COPY
    (``models.core.bulk_copy``): the same constraints, defaults and triggers apply, at a third of the server's CPU a
    row."""
    if not rows:
        return []
    if len(rows) >= COPY_FROM_ROWS and not (returning or ignore_conflicts or replace_on) and not is_sqlite():
        insert_rows(model, rows)
        return []
    fields, defaults = _fields_and_defaults(model)
    columns = ", ".join(quote(field.column_name) for field in fields)
    one_row = "(" + ", ".join([database.param] * len(fields)) + ")"
    conflict = ""
    if replace_on:
        updated = [field.column_name for field in fields if field.column_name not in replace_on]
        conflict = (f" ON CONFLICT ({', '.join(quote(name) for name in replace_on)}) DO UPDATE SET "
                    + ", ".join(f"{quote(name)} = excluded.{quote(name)}" for name in updated))
    elif ignore_conflicts:
        conflict = " ON CONFLICT DO NOTHING"
    tail = conflict + (" RETURNING " + ", ".join(quote(name) for name in returning) if returning else "")
    inserted: list[tuple] = []
    columns_in = [(field.name, defaults[field.name], _parameter(field)) for field in fields]
    types = None if is_sqlite() else [column_type(field) for field in fields]
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        source = None
        if types is not None and None not in types:  # one array a column (models.core.bulk_arrays)
            source = unnest_source([[form(row.get(name, default)) for row in chunk]
                                    for name, default, form in columns_in], types)
        into = f"INSERT INTO {quote(model._meta.table_name)} ({columns})"
        if source is not None:
            sql, params = f"{into} SELECT * FROM {source[0]}", source[1]
        else:
            params = [form(row.get(name, default)) for row in chunk for name, default, form in columns_in]
            sql = f"{into} VALUES {', '.join([one_row] * len(chunk))}"
        cursor = database.execute_sql(sql + tail, params)
        if returning:
            inserted.extend(tuple(row) for row in cursor.fetchall())
    return inserted


def insert_models(model: type[peewee.Model], rows: Sequence[dict], *,
                  ignore_conflicts: bool = False) -> list[peewee.Model]:
    """``insert_values`` returning the rows written as model instances (every column, as the fields read them)."""
    fields = model._meta.sorted_fields
    written = insert_values(model, rows, returning=[field.column_name for field in fields],
                            ignore_conflicts=ignore_conflicts)
    return instances_of(model, fields, written)


def insert_rows(model: type[peewee.Model], rows: Sequence[dict]) -> int:
    """Insert tens of thousands of ``rows`` (as ``insert_values`` takes them): ``executemany`` of one prepared
    statement on SQLite, one COPY on PostgreSQL (``models.core.bulk_copy``); returns how many."""
    if not rows:
        return 0
    fields, defaults = _fields_and_defaults(model)
    if not is_sqlite():
        copy_dicts(model, fields, rows, defaults)
        return len(rows)
    values = [tuple(field.db_value(row.get(field.name, defaults[field.name])) for field in fields) for row in rows]
    columns = ", ".join(quote(field.column_name) for field in fields)
    database.cursor().executemany(f'INSERT INTO {quote(model._meta.table_name)} ({columns}) '
                                  f'VALUES ({", ".join("?" * len(fields))})', values)
    return len(values)


def _parameter(field: peewee.Field) -> Callable[[object], object]:
    """``driver_value(field.db_value(value))``, at once for a value ``db_value`` gives back unchanged (a Decimal
    still through ``driver_value``: SQLite binds it as text)."""
    unchanged = unchanged_by(field)

    def generic(value):
        return driver_value(field.db_value(value))
    if unchanged is None or (isinstance(field, peewee.DecimalField) and is_sqlite()):
        return generic
    return lambda value: value if unchanged(value) else generic(value)


def _fields_and_defaults(model: type[peewee.Model]) -> tuple[list[peewee.Field], dict]:
    """The columns written (all but the auto id) and each one's default, a callable default called once."""
    fields = [field for field in model._meta.sorted_fields if not isinstance(field, peewee.AutoField)]
    return fields, {field.name: field.default() if callable(field.default) else field.default for field in fields}
