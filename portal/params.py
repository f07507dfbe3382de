"""Request parameters a database could not take are refused with 400 naming them, never a 500: a number no
database id can be, and text holding NUL or an unpaired surrogate in any query parameter or form field."""
from __future__ import annotations

from flask import abort, jsonify, request

from schemas.fields import text_problem

MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def id_arg(name: str) -> int | None:
    """The query parameter ``name`` as an id, None when absent; 400 naming it when it is not an id."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_DB_ID:
        abort(400, description=f"{name} must be an id from 1 to {MAX_DB_ID}")
    return int(raw)


def refuse_unstorable_params():
    """Before every request: 400 naming the first query parameter or form field (name or value) whose text no
    database can store; JSON for the API. Multipart uploads are left to their views, which check sizes first."""
    sources = [("query parameter", request.args)]
    if request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True)  # parse from a copy: signed webhooks still read the raw body after this
        sources.append(("form field", request.form))
    for kind, values in sources:
        for name, value in values.items(multi=True):
            problem = text_problem(name) or text_problem(value)
            if problem:
                message = f"{kind} {printable(name)} {problem}"
                if request.path.startswith("/api/"):
                    return jsonify({"error": message, "errors": {printable(name): [problem]}}), 400
                abort(400, description=message)
    return None


def printable(text: str) -> str:
    """``text`` with NUL and other unprintable characters escaped, fit for a message."""
    return text if text.isprintable() else text.encode("unicode_escape", "backslashreplace").decode("ascii")
