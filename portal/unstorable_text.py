"""Text a database cannot store is a client error (400 naming the parameter), wherever it is found.

Query parameters and form fields are checked before any view (portal.params), JSON bodies by their reader
(portal.json_body), schemas field by field (schemas.fields); what still reaches the database fails there:
psycopg2 refuses NUL ("A string literal cannot contain NUL (0x00) characters."), and encoding a lone surrogate
for PostgreSQL or SQLite raises UnicodeEncodeError. Those are answered here with a 400 instead of a 500.
"""
from __future__ import annotations

import logging

import peewee
from flask import Flask, jsonify, request
from werkzeug.exceptions import BadRequest

from portal.params import printable, refuse_unstorable_params
from schemas.fields import text_problem

logger = logging.getLogger(__name__)

# PostgreSQL's SQLSTATEs for text it cannot take: character_not_in_repertoire, untranslatable_character.
UNSTORABLE_SQLSTATES = ("22021", "22P05")


def refuse_unstorable_text(app: Flask) -> None:
    """Check every request's parameters first, and map unstorable-text failures from the database to 400."""
    app.before_request(refuse_unstorable_params)
    app.register_error_handler(ValueError, _reached_the_database)
    app.register_error_handler(peewee.DataError, _reached_the_database)


def is_unstorable_text_error(exc: Exception) -> bool:
    if isinstance(exc, UnicodeEncodeError):
        return "surrogate" in exc.reason
    if isinstance(exc, peewee.DataError):
        return getattr(exc.args[0] if exc.args else None, "pgcode", None) in UNSTORABLE_SQLSTATES
    return isinstance(exc, ValueError) and "cannot contain NUL" in str(exc)  # psycopg2's own check


def _reached_the_database(exc: Exception):
    if not is_unstorable_text_error(exc):
        raise exc  # any other ValueError or DataError stays what it was: a 500, logged
    name = _unstorable_input()
    message = (f"{name}: a NUL character or invalid Unicode (an unpaired surrogate) cannot be stored" if name
               else "a value holds a NUL character or invalid Unicode (an unpaired surrogate), which cannot be stored")
    logger.warning("refused %s %s: %s (%s)", request.method, request.path, message, exc)
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), 400
    return BadRequest(description=message)


def _unstorable_input() -> str | None:
    """The name of the first parameter, form field or file name of this request holding unstorable text."""
    named = [*request.args.items(multi=True), *request.form.items(multi=True),
             *((f"{field} file name", upload.filename or "") for field, upload in request.files.items(multi=True))]
    for name, value in named:
        if text_problem(name) or text_problem(value):
            return printable(name)
    return None
