"""The pieces of SQL text and parameters the set-based writes share: identifiers quoted, values as the drivers
take them, and how many rows a statement carries."""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import peewee

from models.core.db import is_sqlite

CHUNK = 500  # rows per statement: far below SQLite's 32,766 parameters and PostgreSQL's 65,535


def quote(name: str) -> str:
    """A quoted identifier, as both PostgreSQL and SQLite read it."""
    return '"' + name.replace('"', '""') + '"'


def driver_value(value):
    """Values as the drivers take them: sqlite3 cannot bind a Decimal, so it goes as exact text (the NUMERIC
    column's affinity converts it, as peewee's own writes do); psycopg2 sends it as a numeric literal."""
    if isinstance(value, Decimal) and is_sqlite():
        return str(value)
    return value


def among(column: peewee.ColumnBase, ids: Iterable[int]) -> peewee.Expression:
    """``column IN ids`` for a batch's integer ids. On PostgreSQL one array parameter, ``= ANY(%s)``: peewee builds
    an IN list value by value (a few microseconds each, thousands in a batch's statements), and the server parses
    one array instead of a parameter per id. SQLite, which has no arrays: IN."""
    ids = list(ids)
    if is_sqlite():
        return column.in_(ids)
    return peewee.Expression(column, peewee.OP.EQ, peewee.fn.ANY(peewee.Value(ids, converter=False, unpack=False)))
