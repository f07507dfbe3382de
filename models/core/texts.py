"""Sentences the domain writes for people, kept as an English template and its values, so that each page can show
them in its reader's language while logs, mails and the API keep the English.

``Text("exposure %(exposure)s %(currency)s is above the limit", exposure="120.00", currency="EUR")`` reads in
English with ``str()``; the portal looks the template up in its catalogue (``pybabel extract`` finds the calls to
``Text`` and ``N_`` in models/) and fills in the values, which may themselves be ``Text`` or lists of ``Text``.
Stored as JSON with ``as_json()`` and read back with ``Text.from_json``. Framework-free: no Babel here.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

TEMPLATE_KEY, VALUES_KEY, JOIN_KEY = "text", "values", "join"


def N_(template: str) -> str:
    """Mark ``template`` for the portal's catalogues; it stays as it is here."""
    return template


@dataclass(frozen=True, init=False)
class Text:
    """An English template with ``%(name)s`` placeholders and the values for them."""

    template: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, template: str, **values: Any) -> None:
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "values", values)

    def __str__(self) -> str:
        # The English is kept once built: a Text is never changed, and one Text (a compared plan, a count) may be
        # part of the sentences of every order in a batch.
        english = self.__dict__.get("_english")
        if english is None:
            english = self.template % {name: render(value, as_written) for name, value in self.values.items()}
            object.__setattr__(self, "_english", english)
        return english

    def as_json(self) -> dict:
        return {TEMPLATE_KEY: self.template, VALUES_KEY: {name: _json_value(value)
                                                          for name, value in self.values.items()}}

    @classmethod
    def from_json(cls, stored: object) -> Text | str:
        """A Text written by ``as_json``; anything else (text stored before templates were kept) as a string."""
        if isinstance(stored, Mapping) and TEMPLATE_KEY in stored:
            return cls(stored[TEMPLATE_KEY], **{name: _from_json_value(value)
                                                for name, value in (stored.get(VALUES_KEY) or {}).items()})
        return "" if stored is None else str(stored)


@dataclass(frozen=True)
class Joined:
    """Several texts read as one: ``Joined([a, b], "; ")``; the separator is translated like a template."""

    parts: tuple
    separator: str = "; "

    def __init__(self, parts, separator: str = "; ") -> None:
        object.__setattr__(self, "parts", tuple(parts))
        object.__setattr__(self, "separator", separator)

    def __str__(self) -> str:
        return render(self, as_written)


def as_written(template: str) -> str:
    """The English translation of a template: itself (``render``'s English, which a Text keeps once built)."""
    return template


def render(message: object, translate) -> str:
    """``message`` as a string, each template passed through ``translate`` (English: ``as_written``) first."""
    if isinstance(message, Text):
        if translate is as_written:
            return str(message)  # the Text's English, built once
        return translate(message.template) % {name: render(value, translate)
                                              for name, value in message.values.items()}
    if isinstance(message, Joined):
        return translate(message.separator).join(render(part, translate) for part in message.parts)
    if isinstance(message, (list, tuple)):
        return translate(", ").join(render(part, translate) for part in message)
    return "" if message is None else str(message)


def dumps(document: Any) -> str:
    """``document`` as JSON text, its Text and Joined values in the form ``as_json`` gives and Decimals and dates
    as they read: what ``json.dumps`` of the ``as_json`` tree writes, less its spaces, built by orjson in one pass
    instead of a Python dict for every template first (the pipeline stores a plan and three price notes an order).
    """
    if isinstance(document, (Text, Joined)):  # a note many lines share is written once, kept on it
        written = document.__dict__.get("_dumped")
        if written is None:
            written = orjson.dumps(_tree(document)).decode()
            object.__setattr__(document, "_dumped", written)
        return written
    return orjson.dumps(document, default=_orjson_default, option=_ORJSON_OPTIONS).decode()


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _orjson_default(value: Any) -> Any:
    if isinstance(value, (Text, Joined)):
        return _tree(value)
    return str(value)  # Decimal, dates: as they read


def _tree(value: Any) -> Any:
    """``value`` as orjson writes it without calling back: a Text or Joined as its template's dict, kept on it once
    built (the sentences many orders share are written out once, not walked again for every order)."""
    if isinstance(value, (Text, Joined)):
        tree = value.__dict__.get("_tree")
        if tree is None:
            if isinstance(value, Text):
                tree = {TEMPLATE_KEY: value.template,
                        VALUES_KEY: {name: _tree(item) for name, item in value.values.items()}}
            else:
                tree = {JOIN_KEY: value.separator, "parts": [_tree(part) for part in value.parts]}
            object.__setattr__(value, "_tree", tree)
        return tree
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_tree(item) for item in value]
    if isinstance(value, dict):
        return {name: _tree(item) for name, item in value.items()}
    return str(value)  # Decimal, dates: as they read


def _json_value(value: Any) -> Any:
    if isinstance(value, Text):
        return value.as_json()
    if isinstance(value, Joined):
        return {JOIN_KEY: value.separator, "parts": [_json_value(part) for part in value.parts]}
    if isinstance(value, (list, tuple)):
        return [_json_value(part) for part in value]
    if isinstance(value, (int, str)) or value is None:
        return value
    return str(value)  # Decimal, dates: as they read


def _from_json_value(value: Any) -> Any:
    if isinstance(value, Mapping) and TEMPLATE_KEY in value:
        return Text.from_json(value)
    if isinstance(value, Mapping) and JOIN_KEY in value:
        return Joined([_from_json_value(part) for part in value.get("parts", [])], value[JOIN_KEY])
    if isinstance(value, list):
        return [_from_json_value(part) for part in value]
    return value
