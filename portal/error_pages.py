"""Styled 403, 404 and 500 pages with the portal's navigation; the API and the probes answer the same codes as
JSON. The 500 page renders without the database: a failing request may have lost it."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_login import AnonymousUserMixin, current_user
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.outage import JSON_PATHS

logger = logging.getLogger(__name__)

PAGES = {403: "errors/403.html", 404: "errors/404.html", 500: "errors/500.html"}


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(403, _http_error)
    app.register_error_handler(404, _http_error)
    app.register_error_handler(500, _server_error)


def _http_error(exc: HTTPException):
    if request.path.startswith(JSON_PATHS):
        return jsonify({"error": exc.description}), exc.code
    return render_template(PAGES[exc.code], description=exc.description), exc.code


def _server_error(exc: InternalServerError):
    # The signed-in user comes from the database, which may be what failed: without it, the page shows the
    # menu of someone signed out rather than failing again.
    try:
        current_user._get_current_object()
    except Exception:  # noqa: BLE001 - any failure loading the user
        g._login_user = AnonymousUserMixin()
    if request.path.startswith(JSON_PATHS):
        return jsonify({"error": "internal error"}), 500
    return render_template(PAGES[500]), 500
