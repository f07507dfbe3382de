"""A database outage answers 503 with Retry-After: JSON for the API and probes, a page for people, never a trace."""
from __future__ import annotations

import logging

import peewee
from flask import Flask, jsonify, render_template, request

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30
# What peewee raises when the database cannot be reached or went away mid-request (and, on SQLite, when it
# stayed locked past busy_timeout): all of them may clear by themselves, so the client is told to come back.
DATABASE_UNAVAILABLE = (peewee.OperationalError, peewee.InterfaceError)
JSON_PATHS = ("/api/", "/healthz")


def answer_database_outages(app: Flask) -> None:
    """Map DATABASE_UNAVAILABLE, raised anywhere in a request, to a 503."""
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _database_unavailable)


def _database_unavailable(exc: Exception):
    logger.error("database unavailable for %s %s: %s", request.method, request.path, str(exc).strip()[:300])
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.path.startswith(JSON_PATHS):
        return jsonify({"error": "the database is unavailable; try again shortly"}), 503, headers
    return render_template("errors/unavailable.html", retry_after=RETRY_AFTER_SECONDS), 503, headers
