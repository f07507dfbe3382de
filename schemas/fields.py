"""Field types shared by the API schemas, and the refusal of text no database can store."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

import orjson
from marshmallow import Schema, ValidationError, fields, pre_load, validate

EMAIL_MAX = 254  # Order.ship_to_email; RFC 5321's limit for a forward path


class UtcDateTime(fields.DateTime):
    """A stored (naive, UTC) timestamp, written as ISO 8601 with its +00:00 offset."""

    def _serialize(self, value: datetime | None, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class OptionalEmail(fields.Email):
    """An email address that may be missing, null or blank, each loaded as "" (no address: no mail is sent).

    Marketplace and phone orders often come without one; a given address is trimmed, then validated.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(load_default="", validate=validate.Length(max=EMAIL_MAX), **kwargs)

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        return super().deserialize(value.strip() if isinstance(value, str) else value, attr, data, **kwargs)


# Text no database stores: PostgreSQL refuses NUL in text, and a lone surrogate (JSON's "\ud800") cannot even be
# encoded as UTF-8 for PostgreSQL or SQLite. Found at the boundary, it is a 4xx naming the field, not a 500.
NUL_TEXT = "must not contain NUL characters (\\u0000)"
SURROGATE_TEXT = "must be valid Unicode (it holds an unpaired surrogate such as \\ud800)"
MAX_SCAN_DEPTH = 64  # deeper input is refused for its depth before anyone scans it


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None."""
    if "\x00" in text:
        return NUL_TEXT
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return SURROGATE_TEXT
    return None


def unstorable_text(value, *, depth: int = 0) -> dict | list | None:
    """Where a loaded value (JSON-like: dicts, lists, text) holds text no database can store, as marshmallow's
    error messages nest (``{"lines": {0: {"sku": [why]}}}``); None when all of it can be stored."""
    if depth == 0 and type(value) in (dict, list) and _storable_at_a_glance(value):
        return None
    if isinstance(value, str):
        problem = text_problem(value)
        return [problem] if problem else None
    if depth >= MAX_SCAN_DEPTH:
        return None
    if isinstance(value, Mapping):
        pairs = value.items(multi=True) if hasattr(value, "getlist") else value.items()  # every value of a MultiDict
        found: dict = {}
        for key, item in pairs:
            if isinstance(key, str) and (problem := text_problem(key)):
                found[key.encode("unicode_escape").decode("ascii")] = [f"the field name {problem}"]
            elif (problems := unstorable_text(item, depth=depth + 1)) is not None:
                found.setdefault(key, problems)
        return found or None
    if isinstance(value, (list, tuple)):
        found = {index: problems for index, item in enumerate(value)
                 if (problems := unstorable_text(item, depth=depth + 1)) is not None}
        return found or None
    return None


def _storable_at_a_glance(value: dict | list) -> bool:
    """True when every text in ``value`` can be stored, as one pass of orjson in C sees it: it refuses a lone
    surrogate outright and writes a NUL as \\u0000. False (then the walk above finds where, if anywhere) for those,
    for what orjson does not write (keys that are not text, other types, great depth), and for a text that merely
    reads \\u0000 with its backslash escaped."""
    try:
        written = orjson.dumps(value)
    except TypeError:  # orjson.JSONEncodeError among them
        return False
    return b"\\u0000" not in written


class Text(fields.String):
    """A string a database can store: NUL characters and unpaired surrogates are refused."""

    default_error_messages = {"nul": NUL_TEXT, "surrogate": SURROGATE_TEXT}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise self.make_error("nul" if problem == NUL_TEXT else "surrogate")
        return text


class InputSchema(Schema):
    """Base of the schemas that load outside input: text no database can store is refused (422) in any field,
    however nested, and named by its path, before any field sees it."""

    @pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        problems = unstorable_text(data)
        if problems is not None:
            raise ValidationError(problems)
        return data
