"""The pieces of SQL text and parameters the set-based writes share: identifiers quoted, values as the drivers
take them, and how many rows a statement carries."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal

import peewee

from models.core.bulk_arrays import id_parameter
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


def is_text(value) -> bool:
    return type(value) is str


def unchanged_by(field: peewee.Field) -> Callable[[object], bool] | None:
    """A test of the values ``field.db_value`` gives back as they are: an int, text, time or boolean of the field's
    own type, a Decimal already at a rounding decimal field's places; None for a field that changes every value."""
    if isinstance(field, peewee.DecimalField) and field.auto_round:
        places = -field.decimal_places
        return lambda value: type(value) is Decimal and value.as_tuple().exponent == places
    kind = passed_on_kind(field)
    if kind is None:
        return None
    if kind is str:
        return is_text
    return lambda value: type(value) is kind


def passed_on_kind(field: peewee.Field) -> type | None:
    """The type of value ``field.db_value`` gives back as it is (int, str, datetime, bool), or None."""
    if type(field) is peewee.ForeignKeyField and type(field.rel_field) in (peewee.AutoField, peewee.IntegerField):
        return int
    return _PASSED_ON.get(type(field))


# Field types whose db_value gives back a value of these types unchanged.
_PASSED_ON = {peewee.IntegerField: int, peewee.BigIntegerField: int, peewee.SmallIntegerField: int,
              peewee.CharField: str, peewee.TextField: str, peewee.DateTimeField: datetime,
              peewee.BooleanField: bool}


def among(column: peewee.ColumnBase, ids: Iterable[int]) -> peewee.Expression:
    """``column IN ids`` for a batch's integer ids. On PostgreSQL one array parameter, ``= ANY(%s::integer[])``,
    written as the text of an array: peewee builds an IN list value by value (a few microseconds each, thousands in
    a batch's statements), psycopg2 an ARRAY[…] constructor the server parses element by element. SQLite, which has
    no arrays: IN."""
    ids = list(ids)
    if is_sqlite():
        return column.in_(ids)
    placeholder, value = id_parameter(ids)
    return peewee.Expression(column, peewee.OP.EQ, peewee.SQL(f"ANY({placeholder})", [value]))
