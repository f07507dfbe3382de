"""Loading a body that needs no more than a glance: every value of the plain JSON type its field takes and within
the bounds the field's validators declare, loaded by a few checks in place of marshmallow's field machinery (an
order of three lines cost 110 µs through OrderSchema.load, most of what placing an order costs in Python).

The checks are read from the schema's own fields when it is built, so they cannot drift from it; a field of a kind
not understood here, a field hook or a schema hook not named as understood makes the loader decline every body.
Anything outside the plain case — a value to coerce, a null where the field refuses one, a date or a price to parse,
an unknown key, text no database can store — returns None, and the schema loads it and words whatever is wrong:
errors come from marshmallow alone. tests/schemas/test_plain_load.py holds the two to the same result on valid and
invalid bodies alike."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import RAISE, Schema, fields, missing, validate

from schemas.fields import OptionalEmail, text_problem

Check = Callable[[Any], Any]  # the loaded value, or DECLINE
DECLINE = object()


class PlainLoader:
    """``load(data)``: what ``schema.load(data)`` returns, or None when the body is not plain."""

    def __init__(self, schema: Schema, *, understood_hooks: frozenset[str] = frozenset(),
                 check: Callable[[dict], bool] = lambda loaded: True) -> None:
        self.check = check
        self._load = _compile_schema(schema, understood_hooks)

    def load(self, data: Any) -> dict | None:
        if self._load is None:
            return None
        loaded = self._load(data)
        return None if loaded is DECLINE or not self.check(loaded) else loaded


def _compile_schema(schema: Schema, understood_hooks: frozenset[str]) -> Check | None:
    hooks = {name for entries in type(schema)._hooks.values() for name, *_ in entries}
    if hooks - understood_hooks or schema.unknown != RAISE or schema.many:
        return None
    compiled = {}
    for name, field in schema.load_fields.items():
        check = _compile_field(field)
        if check is None:
            return None
        compiled[field.data_key or name] = (name, field, check)
    keys = frozenset(compiled)

    def load(data: Any) -> Any:
        if type(data) is not dict or not keys.issuperset(data):
            return DECLINE
        loaded = {}
        for key, (name, field, check) in compiled.items():
            value = data.get(key, missing)
            if value is missing:
                if field.required:
                    return DECLINE
                loaded[name] = field.load_default
                continue
            value = check(value)
            if value is DECLINE:
                return DECLINE
            loaded[name] = value
        return loaded
    return load


def _compile_field(field: fields.Field) -> Check | None:
    """The check of one present value, or None for a field not understood here."""
    if field.pre_load or field.post_load or callable(field.load_default):
        return None
    kind = type(field)
    if kind is OptionalEmail:
        return _blank_email
    if field.allow_none and field.load_default is None and kind in (fields.Decimal, fields.Date):
        return _absent  # only a null is plain: a value to parse goes through the schema
    if field.allow_none:
        return None
    if kind is fields.String:
        bounds = _bounds(field, validate.Length, validate.OneOf)
        return None if bounds is None else _text(bounds)
    if kind is fields.Integer and field.strict:
        bounds = _bounds(field, validate.Range)
        return None if bounds is None else _integer(bounds)
    if field.validators and kind is fields.Nested:
        return None
    if kind is fields.Nested and not field.many and isinstance(field.schema, Schema):
        return _compile_schema(field.schema, frozenset())
    if kind is fields.List and type(field.inner) is fields.Nested:
        bounds = _bounds(field, validate.Length)
        inner = _compile_field(field.inner)
        return None if bounds is None or inner is None else _listed(inner, bounds)
    return None


def _bounds(field: fields.Field, *understood: type) -> list | None:
    validators = list(field.validators)
    return validators if all(type(validator) in understood for validator in validators) else None


def _within(value: Any, validators: list) -> bool:
    for validator in validators:
        if isinstance(validator, validate.Length):
            size = len(value)
            if validator.equal is not None:
                if size != validator.equal:
                    return False
            elif (validator.min is not None and size < validator.min) or (
                    validator.max is not None and size > validator.max):
                return False
        elif isinstance(validator, validate.OneOf):
            if value not in validator.choices:
                return False
        elif isinstance(validator, validate.Range):
            if validator.min is not None and (value < validator.min if validator.min_inclusive
                                              else value <= validator.min):
                return False
            if validator.max is not None and (value > validator.max if validator.max_inclusive
                                              else value >= validator.max):
                return False
    return True


def _text(validators: list) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not str or text_problem(value) is not None or not _within(value, validators):
            return DECLINE
        return value
    return check


def _integer(validators: list) -> Check:
    def check(value: Any) -> Any:
        return value if type(value) is int and _within(value, validators) else DECLINE
    return check


def _listed(inner: Check, validators: list) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not list or not _within(value, validators):
            return DECLINE
        loaded = [inner(item) for item in value]
        return DECLINE if any(item is DECLINE for item in loaded) else loaded
    return check


def _blank_email(value: Any) -> Any:
    """OptionalEmail's plain case: null or blank, loaded as ""; an address is validated by the schema."""
    if value is None or (type(value) is str and not value.strip() and text_problem(value) is None):
        return ""
    return DECLINE


def _absent(value: Any) -> Any:
    return None if value is None else DECLINE
