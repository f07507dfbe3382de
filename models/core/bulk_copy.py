"""Writing rows to PostgreSQL with COPY … FROM STDIN: one statement per table, the rows sent in COPY's text
format as they are formatted, and new ids reserved from the table's sequence beforehand instead of returned.
Used by the order file import and by ``models.core.bulk_insert.insert_values`` for the pipeline's larger writes.

Why: a multi-row INSERT of a 500-order chunk costs PostgreSQL a parse and plan of ~15,000 literals per table,
and psycopg2 a client-side quoting of each; COPY parses none of it as SQL (12,000 audit rows: 9–14 µs of server
CPU a row inserted, 3–7 µs copied; 9–10 µs of client CPU a row, 5–9 µs). Constraints, defaults, foreign
keys and the unique (channel, external_ref, intake_scope) index apply to copied rows as to inserted ones.
The text is read from an iterator as PostgreSQL takes it (``copy_lines``), so the server parses and checks
one block while Python formats the next.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache

import peewee

from models.core.bulk_values import is_text, passed_on_kind, unchanged_by
from models.core.db import database

NULL = "\\N"
MEMO = 4096  # amounts a money column remembers the text of
READ_CHARS = 32 * 1024  # text handed to the driver per read: a few hundred rows
_AS_THEY_READ = (int, float, Decimal, date, time)  # bool is an int: True and False read as PostgreSQL takes them
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_lines(model: type[peewee.Model], fields: Iterable, lines: Iterable[str]) -> None:
    """COPY into ``model``'s ``fields`` the rows of ``lines`` (each one row in COPY text format, "\\n" ended),
    drawn only as the driver sends them; a broken constraint raises peewee's IntegrityError, as an INSERT would,
    and an error raised while drawing a line comes out as itself."""
    stream = _LineStream(iter(lines))
    try:
        with peewee.__exception_wrapper__, database.cursor() as cursor:
            copy_expert(cursor, _copy_sql(model, tuple(fields)), stream)
    except Exception:
        if stream.failure is not None:  # psycopg2 reports it as a cancelled COPY: raise what really happened
            raise stream.failure from None
        raise


def copy_value(value) -> str:
    """A value in COPY's text format: None as NULL, text with its tabs, line breaks and backslashes escaped; a
    number, boolean, date or time as it reads (what a column's input takes). Anything else raises TypeError."""
    if value is None:
        return NULL
    if isinstance(value, str):
        return value.translate(_SPECIAL)
    if isinstance(value, _AS_THEY_READ):
        return str(value)
    raise TypeError(f"no COPY text for a {type(value).__name__}")


def copy_dicts(model: type[peewee.Model], fields: Sequence[peewee.Field], rows: Iterable[Mapping],
               defaults: Mapping[str, object]) -> None:
    """COPY into ``model``'s ``fields`` the ``rows``, dicts by field name as ``insert_many`` takes them (a field left
    out gets ``defaults[name]``), each value through its field's ``db_value`` as peewee would write it, except the
    values ``db_value`` would give back unchanged (``models.core.bulk_values.unchanged_by``), formatted at once."""
    columns = [(field.name, defaults[field.name], _formatter(field)) for field in fields]
    copy_lines(model, fields, ("\t".join([form(row.get(name, default)) for name, default, form in columns]) + "\n"
                               for row in rows))


def _formatter(field: peewee.Field) -> Callable[[object], str]:
    """``copy_value(field.db_value(value))``, written at once where ``db_value`` would give the value back as it is
    (``models.core.bulk_values.unchanged_by``): None as NULL, an int or boolean as it reads, text escaped only when
    it holds a character COPY reads specially, a batch's shared timestamp formatted once, a money amount formatted
    once per amount."""
    unchanged = unchanged_by(field)

    def generic(value) -> str:
        return copy_value(field.db_value(value))
    if unchanged is None:
        return generic
    if unchanged is is_text:
        return _text_formatter(generic)
    if type(field) is peewee.DateTimeField:
        return _timestamp_formatter(generic)
    if isinstance(field, peewee.DecimalField):
        return _money_formatter(unchanged, generic)
    kind = passed_on_kind(field)

    def as_it_reads(value) -> str:
        if type(value) is kind:
            return str(value)
        return NULL if value is None else generic(value)
    return as_it_reads


def _text_formatter(generic: Callable[[object], str]) -> Callable[[object], str]:
    def text(value) -> str:
        if type(value) is not str:
            return NULL if value is None else generic(value)
        return value if value.isprintable() and "\\" not in value else value.translate(_SPECIAL)
    return text


def _timestamp_formatter(generic: Callable[[object], str]) -> Callable[[object], str]:
    """A batch stamps its rows with one reading of the clock: the same object is formatted once."""
    last: list = [None, NULL]

    def timestamp(value) -> str:
        if value is last[0]:
            return last[1]
        written = str(value) if type(value) is datetime else generic(value)
        last[0], last[1] = value, written
        return written
    return timestamp


def _money_formatter(unchanged: Callable[[object], bool], generic: Callable[[object], str]) -> Callable[[object], str]:
    """Equal amounts read alike once rounded to the field's places, so each is formatted once (MEMO of them at a
    time); testing an amount's places, the costly part, is skipped for one seen before. Zeros are left out: 0.00
    and -0.00 are equal but read differently."""
    seen: dict[Decimal, str] = {}

    def money(value) -> str:
        if value is None:
            return NULL
        remembered = type(value) is Decimal and value.is_normal()  # not zeros (signed ones too), NaN, infinities
        written = seen.get(value) if remembered else None
        if written is None:
            written = str(value) if unchanged(value) else generic(value)
            if remembered:
                if len(seen) >= MEMO:
                    seen.clear()
                seen[value] = written
        return written
    return money


def copy_expert(cursor, sql: str, stream) -> None:
    """Where every COPY goes to the driver (tests count them here)."""
    cursor.copy_expert(sql, stream, size=READ_CHARS)


def copy_text(text: str) -> str:
    """A text value in COPY's text format."""
    return text.translate(_SPECIAL)


def reserve_ids(model: type[peewee.Model], count: int) -> list[int]:
    """``count`` new ids from the sequence behind ``model``'s id, in one statement, ascending."""
    if not count:
        return []
    sql = "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
    rows = database.execute_sql(sql, (f'"{model._meta.table_name}"', count)).fetchall()
    return sorted(row[0] for row in rows)


class _LineStream:
    """The file psycopg2 reads a COPY from: each read joins the next lines of an iterator."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.failure: BaseException | None = None

    def read(self, size: int = -1) -> str:
        parts, length = [], 0
        try:
            for line in self._lines:
                parts.append(line)
                length += len(line)
                if length >= size > 0:
                    break
        except BaseException as exc:
            self.failure = exc
            raise
        return "".join(parts)


@lru_cache(maxsize=16)
def _copy_sql(model: type[peewee.Model], fields: tuple) -> str:
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    return f'COPY "{model._meta.table_name}" ({columns}) FROM STDIN'
