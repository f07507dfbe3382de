"""PostgreSQL's set-based statements with each column of a batch sent as one array literal (``'{1,2,3}'``) and
unnested on the server, instead of a VALUES list with a parameter per value.

psycopg2 writes every parameter into the statement's text, and a VALUES list of 500 rows is then parsed, typed and
planned value by value: in a pipeline run the server's parser and planner took 6 % of all CPU, and psycopg2's
quoting of each value 14 % of a worker's. An array literal is one string a column, built here in one join and read
by the server's array parser. Values this module cannot write exactly (bytes, subclasses of the plain types) give
None, and the caller keeps its VALUES statement.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timezone
from decimal import Decimal

import peewee

from models.core.db import database

INT4 = (-2**31, 2**31 - 1)


def column_type(field: peewee.Field) -> str | None:
    """The PostgreSQL type a column of ``field`` is read as (a foreign key as its target's), None when unknown."""
    if isinstance(field, peewee.ForeignKeyField):
        field = field.rel_field
    return _FIELD_TYPES.get(field.field_type)


def inferred_type(values: Sequence) -> str | None:
    """The type PostgreSQL gives a VALUES column of these Python values (integer, numeric, text, …), None when they
    mix kinds it would not unify."""
    kinds = {type(value) for value in values if value is not None}
    if not kinds or kinds == {str}:
        return "text"
    if kinds == {int}:
        return _int_type(value for value in values if value is not None)
    if kinds <= {int, Decimal}:
        return "numeric"
    if kinds <= {int, float}:
        return "double precision"
    return _ONE_KIND.get(kinds.pop()) if len(kinds) == 1 else None


def array_literal(values: Iterable) -> str | None:
    """``values`` as the text of a PostgreSQL array (``{1,NULL,"a \\"b\\""}``), None if one cannot be written. A
    column holding one timestamp object for every row (a batch's reading of the clock) is spelled once."""
    values = values if isinstance(values, Sequence) else list(values)
    first = values[0] if values else None
    if type(first) is datetime and all(value is first for value in values):
        one = _element(first)
        return None if one is None else "{" + ",".join([one] * len(values)) + "}"
    kinds = set(map(type, values))
    if kinds <= _AS_STR:  # numbers only, or (below) text only: spelled in one pass, not value by value
        return "{" + ",".join(map(str, values)) + "}"
    if kinds == _TEXT:
        return '{"' + '","'.join([value.replace("\\", "\\\\").replace('"', '\\"') for value in values]) + '"}'
    elements = [_element(value) for value in values]
    return None if None in elements else "{" + ",".join(elements) + "}"


def unnest_source(columns: Sequence[Sequence], types: Sequence[str]) -> tuple[str, list[str]] | None:
    """``unnest(%s::type[], …)`` over the ``columns`` (each a sequence of one column's values) and its parameters,
    None when a value cannot be written as an array element."""
    params = []
    for values in columns:
        literal = array_literal(values)
        if literal is None:
            return None
        params.append(literal)
    casts = ", ".join(f"{database.param}::{kind}[]" for kind in types)
    return f"unnest({casts})", params


def id_array(ids: Sequence[int]) -> tuple[str, str] | None:
    """The literal and element type of a batch's integer ids, None if one is not a plain int."""
    if not all(type(value) is int for value in ids):
        return None
    return "{" + ",".join(map(str, ids)) + "}", _int_type(ids)


def id_parameter(ids: Sequence[int]) -> tuple[str, object]:
    """A batch's ids as one statement parameter: its placeholder (``%s::integer[]``, to stand in ``= ANY(…)``) and
    its value, the array's text; a list psycopg2 writes as ARRAY[…] when an id is not a plain int."""
    literal = id_array(ids)
    if literal is None:
        return database.param, list(ids)
    text, kind = literal
    return f"{database.param}::{kind}[]", text


def _int_type(values: Iterable[int]) -> str:
    low, high = INT4
    return "integer" if all(low <= value <= high for value in values) else "bigint"


def _element(value) -> str | None:
    """One value as an array element, None when it has no exact spelling here."""
    kind = type(value)
    if value is None:
        return "NULL"
    if kind is str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind is int or kind is Decimal:
        return str(value)
    if kind is bool:
        return "t" if value else "f"
    if kind is datetime:
        if value.tzinfo is not None:  # stored as UTC without an offset, as psycopg2 would not
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return '"' + value.isoformat(" ") + '"'
    if kind is date or kind is time:
        return value.isoformat()
    if kind is float:
        return repr(value)
    return None


_AS_STR = frozenset({int, Decimal})  # str() is their element's spelling
_TEXT = frozenset({str})
_FIELD_TYPES = {"AUTO": "integer", "INT": "integer", "BIGAUTO": "bigint", "BIGINT": "bigint",
                "SMALLINT": "smallint", "VARCHAR": "text", "CHAR": "text", "TEXT": "text", "DECIMAL": "numeric",
                "DATETIME": "timestamp", "DATE": "date", "TIME": "time", "BOOL": "boolean", "FLOAT": "real",
                "DOUBLE": "double precision"}
_ONE_KIND = {bool: "boolean", datetime: "timestamp", date: "date", time: "time", Decimal: "numeric",
             float: "double precision"}
