"""Model instances built straight from the driver's rows, for the pipeline's hot loads.

peewee builds each row of ``list(query)`` column by column: a converter call per column, then ``setattr`` through
the field's accessor, then the instance's dirty set cleared; a batch's orders and lines spend more on that than on
reading them. On PostgreSQL psycopg2 already gives every column type the pipeline's tables use as the field would
make it (``int``, ``str``, ``bool``, ``datetime``, ``date``, and ``Decimal`` at the column's scale, so a money
column NUMERIC(14, 2) reads with its cents), so ``model_rows`` puts the values in as they come and converts only
columns of other field types; on SQLite, whose driver hands back floats and strings, every column goes through its
field's converter, as peewee would.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import peewee

from models.core.base import MoneyField
from models.core.db import database, is_sqlite

# Field types whose PostgreSQL value is already what ``python_value`` would give (exact types: a subclass may
# convert otherwise, and goes through its converter).
NATIVE_ON_POSTGRES = frozenset({peewee.AutoField, peewee.BigAutoField, peewee.IntegerField, peewee.BigIntegerField,
                                peewee.SmallIntegerField, peewee.ForeignKeyField, peewee.CharField, peewee.TextField,
                                peewee.BooleanField, peewee.DateTimeField, peewee.DateField, peewee.DecimalField,
                                MoneyField})


def model_rows(query: peewee.ModelSelect) -> list[peewee.Model]:
    """``list(query)`` for a select of fields of its model, optionally followed by the fields of models its
    foreign keys name (joined): each such row comes back under that foreign key (``line.product``), as peewee
    attaches a joined row, and the foreign key keeps its value even when the joined row's key is not selected
    (peewee's would read None). Any other select is left to peewee."""
    plan = _plan(query)
    if plan is None:
        return list(query)
    model, names, parts, converters = plan
    rows = database.execute(query).fetchall()
    if converters:
        rows = [_converted(row, converters) for row in rows]
    width = len(names)
    made = []
    for row in rows:
        instance = _instance(model, dict(zip(names, row[:width])))
        for attribute, joined, joined_names, start in parts:
            values = row[start:start + len(joined_names)]
            if any(value is not None for value in values):
                instance.__rel__[attribute] = _instance(joined, dict(zip(joined_names, values)))
        made.append(instance)
    return made


def value_rows(query: peewee.ModelSelect) -> list[tuple]:
    """``list(query.tuples())`` for a select of plain fields (of any models joined), each value converted only
    where the driver does not already give it as the field would (on SQLite: all of them)."""
    selected = query._returning
    if not _plain_fields(selected):
        return list(query.tuples())
    converters = _converters(selected)
    rows = database.execute(query).fetchall()
    if converters:
        return [tuple(_converted(row, converters)) for row in rows]
    return rows


def instances_of(model: type[peewee.Model], fields: Sequence[peewee.Field], rows: Sequence[Sequence]) -> list:
    """Instances of ``model`` from driver rows holding ``fields`` in that order (an INSERT's RETURNING rows, say),
    each value converted only where the driver does not already give it as the field would."""
    converters = _converters(fields)
    names = [field.name for field in fields]
    return [_instance(model, dict(zip(names, _converted(row, converters) if converters else row))) for row in rows]


def _plain_fields(selected: Sequence) -> bool:
    """Every selected column a field of a model (no expression, alias or field of an aliased model)."""
    return bool(selected) and all(isinstance(node, peewee.Field) and not isinstance(node, peewee.FieldAlias)
                                  for node in selected)


def _converters(selected: Sequence[peewee.Field]) -> list[tuple[int, Callable]]:
    native = frozenset() if is_sqlite() else NATIVE_ON_POSTGRES
    return [(position, field.python_value) for position, field in enumerate(selected) if type(field) not in native]


def _instance(model: type[peewee.Model], data: dict) -> peewee.Model:
    instance = model.__new__(model)
    instance.__data__ = data
    instance._dirty = set()
    instance.__rel__ = {}
    return instance


def _converted(row: Sequence, converters: list[tuple[int, Callable]]) -> list:
    row = list(row)
    for index, convert in converters:
        if row[index] is not None:
            row[index] = convert(row[index])
    return row


def _plan(query: peewee.ModelSelect):
    """(model, its field names, [(foreign key name, joined model, its field names, first column)], converters)
    or None when a selected column is not a plain field of the model or of a model it names."""
    model = query.model
    selected = query._returning
    if not _plain_fields(selected):
        return None
    names = []
    index = 0
    while index < len(selected) and selected[index].model is model:
        names.append(selected[index].name)
        index += 1
    parts = []
    while index < len(selected):
        joined = selected[index].model
        keys = [field for field in model._meta.sorted_fields
                if isinstance(field, peewee.ForeignKeyField) and field.rel_model is joined]
        if len(keys) != 1:
            return None
        start, joined_names = index, []
        while index < len(selected) and selected[index].model is joined:
            joined_names.append(selected[index].name)
            index += 1
        parts.append((keys[0].name, joined, joined_names, start))
    return model, names, parts, _converters(selected)
