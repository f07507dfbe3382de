"""Writing a chunk's rows to PostgreSQL with COPY … FROM STDIN: one statement per table, the rows sent in
COPY's text format, and new ids reserved from the table's sequence beforehand instead of returned.

Why: a multi-row INSERT of a 500-order chunk costs PostgreSQL a parse and plan of ~15,000 literals per table,
and psycopg2 a client-side quoting of each; COPY parses none of it as SQL. Constraints, defaults, foreign
keys and the unique (channel, external_ref, intake_scope) index apply to copied rows as to inserted ones.
"""
from __future__ import annotations

import io
from functools import lru_cache

import peewee

from models.core.db import database

NULL = "\\N"
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(model: type[peewee.Model], fields: list, rows: list[tuple]) -> None:
    """COPY ``rows`` (tuples in ``fields`` order, each value in its column's Python type) into ``model``'s
    table; a broken constraint raises peewee's IntegrityError, as an INSERT would."""
    if not rows:
        return
    separators = len(fields) - 1
    text = io.StringIO()
    write = text.write
    for row in rows:
        line = "\t".join([NULL if value is None else str(value) for value in row])
        # Nearly every row has no tab, line break or backslash in its texts (each NULL brings one backslash):
        # escape only the rare row that has.
        if (line.count("\t") != separators or line.count("\\") != row.count(None)
                or "\n" in line or "\r" in line):
            line = "\t".join([_escaped(value) for value in row])
        write(line)
        write("\n")
    text.seek(0)
    with peewee.__exception_wrapper__, database.cursor() as cursor:
        cursor.copy_expert(_copy_sql(model, tuple(fields)), text)


def reserve_ids(model: type[peewee.Model], count: int) -> list[int]:
    """``count`` new ids from the sequence behind ``model``'s id, in one statement, ascending."""
    if not count:
        return []
    sql = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
    rows = database.execute_sql(sql, (f'"{model._meta.table_name}"', count)).fetchall()
    return sorted(row[0] for row in rows)


def _escaped(value) -> str:
    if value is None:
        return NULL
    return value.translate(_SPECIAL) if isinstance(value, str) else str(value)


@lru_cache(maxsize=16)
def _copy_sql(model: type[peewee.Model], fields: tuple) -> str:
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    return f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN'
