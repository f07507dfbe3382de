"""The domain's sentences (models.core.texts) in the page's language: the ``text`` template filter and the function
views call for flash messages."""
from __future__ import annotations

from flask import Flask
from flask_babel import gettext

from models.core.texts import Text, render


def translate_text(message: object) -> str:
    """A ``Text`` (or ``Joined``, or a list of them, or their stored JSON) in the page's language; any other value
    as written."""
    if isinstance(message, dict):
        message = Text.from_json(message)
    return render(message, _catalogue_text)


def _catalogue_text(template: str) -> str:
    # gettext fills %(name)s itself when given values; given none, it returns the template untouched to fill here
    return gettext(template) if template else template


def init_domain_text(app: Flask) -> None:
    app.add_template_filter(translate_text, "text")
