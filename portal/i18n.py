"""The portal's language: Flask-Babel wired to the session, the user's profile and the browser, the message
catalogues compiled when stale, and the date, number and money filters that follow the language."""
from __future__ import annotations

import os
import tempfile
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask, g, has_request_context, request, session
from flask_babel import (
    Babel,
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
)
from flask_login import current_user
from wtforms.i18n import messages_path

from portal.domain_text import init_domain_text
from portal.domain_words import init_domain_words
from portal.languages import DEFAULT, LANGUAGES, babel_locale, best_match, canonical

TRANSLATIONS = Path(__file__).with_name("translations")
SESSION_KEY = "lang"

babel = Babel()


def init_i18n(app: Flask) -> None:
    """Compile stale catalogues, install Flask-Babel with the portal's locale selector and the template helpers."""
    compile_catalogues(TRANSLATIONS)
    babel.init_app(app, default_locale=DEFAULT, default_timezone="UTC",
                   default_translation_directories=str(TRANSLATIONS), locale_selector=_babel_locale)
    app.before_request(_remember_requested_language)
    app.before_request(_choose_form_messages)
    app.context_processor(lambda: {"current_language": current_language(), "LANGUAGES": LANGUAGES,
                                   "language_url": language_url})
    app.add_template_filter(format_amount, "amount")
    app.add_template_filter(format_day, "day")
    init_domain_words(app)
    init_domain_text(app)


def current_language() -> str:
    """The request's language: ?lang=, else the one this session chose, else the user's profile, else the
    browser's Accept-Language, else English."""
    if not has_request_context():
        return DEFAULT
    if "language" not in g:
        g.language = _choose_language()
    return g.language


def _choose_language() -> str:
    for candidate in (request.args.get("lang"), session.get(SESSION_KEY), _profile_language()):
        language = canonical(candidate) if candidate else None
        if language in LANGUAGES:
            return language
    return best_match(request.accept_languages.values()) or DEFAULT


def language_url(language: str, path: str | None = None) -> str:
    """This page (or ``path``, which a template names when its answer may come from a form post) in
    ``language``. The query is dropped: a tracking lookup's postcode or email must not be echoed into links, nor
    make a wrong postcode's answer differ from a missing order's."""
    if path is None:
        path = request.path if request.method == "GET" else "/"
    return f"{path}?{urlencode({'lang': language})}"


def format_when(value: datetime | None) -> str:
    """A naive UTC timestamp the way the language writes it ("2024-05-01 14:03 UTC", "2024/5/1 下午2:03 UTC")."""
    if value is None:
        return ""
    if current_language() == DEFAULT:  # the form English pages, CSVs and mails have always used
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return f"{format_datetime(value, 'short', rebase=False)} UTC"


def format_day(value: date | datetime | None) -> str:
    """A day written out ("01 May 2024", "2024年5月1日")."""
    if value is None:
        return ""
    if current_language() == DEFAULT:
        return value.strftime("%d %B %Y")
    return format_date(value, "long", rebase=False)


def format_number(value) -> str:
    """An amount with two decimals, grouped the way the language groups digits; SQLite may hand back a float."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    if current_language() == DEFAULT:
        return f"{amount:,.2f}"
    return format_decimal(amount, "#,##0.00")


def format_amount(value, currency: str) -> str:
    """Money in its currency: "1,234.50 USD" in English, Babel's form for the language otherwise ("US$1,234.50")."""
    if value is None:
        return ""
    amount = Decimal(str(value))
    if current_language() == DEFAULT:
        return f"{amount:,.2f} {currency}"
    return format_currency(amount, currency)


def compile_catalogues(root: Path) -> list[Path]:
    """Compile each messages.po under ``root`` whose .mo is missing or older; returns the files written.

    The build compiles them (make install); this covers a checkout run without it. A directory that cannot be
    written (an installed package) keeps what the build left."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        try:  # written aside then renamed: two processes starting at once never read half a file
            handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a portal running as another user
            os.replace(temporary, mo_path)
        except OSError:
            continue
        written.append(mo_path)
    return written


def _babel_locale() -> str:
    return babel_locale(current_language())


def _profile_language() -> str | None:
    user = getattr(current_user, "user", None) if current_user.is_authenticated else None
    return getattr(user, "locale", None) or None


# WTForms ships its own messages ("This field is required.") by locale directory; Flask-WTF would look up
# "zh_Hant" and fall back to "zh", which is Simplified. Traditional is its zh_TW.
WTFORMS_LOCALES = {"zh-Hant": "zh_TW", "zh-Hans": "zh", "en": "en"}


@cache
def _wtforms_catalogue(locale: str) -> Translations:
    return Translations.load(messages_path(), [locale], domain="wtforms")


class _FormMessages:
    """WTForms' messages in the script of the page, looked up only when a form has something to say."""

    def ugettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)

    @staticmethod
    def _catalogue() -> Translations:
        return _wtforms_catalogue(WTFORMS_LOCALES.get(current_language(), "en"))


FORM_MESSAGES = _FormMessages()


def _choose_form_messages() -> None:
    """Flask-WTF reads the request's ``wtforms_translations`` first: give it the catalogue of the page's script
    (loaded once per script, and the language chosen only when a form needs a message)."""
    request.wtforms_translations = FORM_MESSAGES


def _remember_requested_language() -> None:
    requested = canonical(request.args.get("lang"))
    if requested and session.get(SESSION_KEY) != requested:
        session[SESSION_KEY] = requested

