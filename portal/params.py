"""Reading ids from query strings: a number no database id can be is refused with 400, never a 500."""
from __future__ import annotations

from flask import abort, request

MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def id_arg(name: str) -> int | None:
    """The query parameter ``name`` as an id, None when absent; 400 naming it when it is not an id."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) <= MAX_DB_ID:
        abort(400, description=f"{name} must be an id from 1 to {MAX_DB_ID}")
    return int(raw)
