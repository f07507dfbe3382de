"""Tens of thousands of rows in one prepared statement: what a forecast run and a history seed write.

peewee's ``insert_many`` renders every value into the SQL text through the field's converter, about 20 µs a value:
five seconds for the periods of 5,000 forecasts. Here the fields convert the values, and the driver binds them to
one statement: ``executemany`` on SQLite, ``execute_values`` (pages of multi-row VALUES) on PostgreSQL.
"""
from __future__ import annotations

from typing import Sequence

import peewee

from models.core.db import database, is_sqlite

PAGE_ROWS = 1000


def insert_rows(model: type[peewee.Model], rows: Sequence[dict]) -> int:
    """Insert ``rows`` (dicts by field name, as ``insert_many`` takes them; a field left out gets its default,
    a callable default called once for all rows) into ``model``'s table; returns how many rows."""
    if not rows:
        return 0
    fields = [field for field in model._meta.sorted_fields if not isinstance(field, peewee.AutoField)]
    defaults = {field.name: field.default() if callable(field.default) else field.default for field in fields}
    values = [tuple(field.db_value(row.get(field.name, defaults[field.name])) for field in fields) for row in rows]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    table = model._meta.table_name
    cursor = database.cursor()
    if is_sqlite():
        cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join("?" * len(fields))})', values)
    else:
        from psycopg2.extras import execute_values

        execute_values(cursor, f'INSERT INTO "{table}" ({columns}) VALUES %s', values, page_size=PAGE_ROWS)
    return len(values)
