"""A domain sentence handed on where a plain string is expected (validation messages, refusals, alerts): it reads,
compares and serialises as its English, and keeps its ``Text`` for the portal to show in the reader's language.

``TextMessage(Text("unknown SKU %(sku)s", sku="'X'")) == "unknown SKU 'X'"``; ``message.text`` is the Text.
Framework-free, like models.core.texts.
"""
from __future__ import annotations

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

