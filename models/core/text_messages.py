"""A domain sentence handed on where a plain string is expected (validation messages, refusals, alerts): it reads,
compares and serialises as its English, and keeps its ``Text`` for the portal to show in the reader's language.

``TextMessage(Text("unknown SKU %(sku)s", sku="'X'")) == "unknown SKU 'X'"``; ``message.text`` is the Text.
Framework-free, like models.core.texts.
"""
from __future__ import annotations

import json
from typing import Self

from models.core.texts import Text


class TextMessage(str):
    """The English of ``text`` as a ``str``, with the Text kept as ``.text``."""

    text: Text

    def __new__(cls, text: Text) -> Self:
        message = super().__new__(cls, str(text))
        message.text = text
        return message

    def __getnewargs__(self) -> tuple:  # copies and pickles rebuild from the Text, not from the English
        return (self.text,)



FIELD_PROBLEM = "%(field)s: %(problem)s"


def field_problem(field: str, problem: Text) -> TextMessage:
    """``field: problem``, as a ValueError naming its field reads; the portal shows the problem translated."""
    return TextMessage(Text(FIELD_PROBLEM, field=field, problem=problem))


def split_field_problem(message: object) -> tuple[str, object]:
    """(field, problem) of a ``field: problem`` message (the problem a TextMessage when it keeps its Text);
    ("", message) when it names no field."""
    if isinstance(message, TextMessage) and message.text.template == FIELD_PROBLEM:
        problem = message.text.values["problem"]
        return message.text.values["field"], TextMessage(problem) if isinstance(problem, Text) else problem
    field, _, problem = str(message).partition(": ")
    return (field, problem) if problem else ("", message)


def message_text_json(message: object) -> str | None:
    """A TextMessage's template and values as JSON text, to store beside its English; None for any other message."""
    return json.dumps(message.text.as_json(), ensure_ascii=False) if isinstance(message, TextMessage) else None


def stored_message(message: str, text_json: str | None) -> str:
    """A message read back from its English and its stored template: a TextMessage when the template was kept
    (rows written before templates were stored have none), else the English as it is."""
    if not text_json:
        return message
    try:
        text = Text.from_json(json.loads(text_json))
    except (ValueError, TypeError):
        return message
    return TextMessage(text) if isinstance(text, Text) else message
