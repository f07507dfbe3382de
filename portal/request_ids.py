"""A request id for every request: the caller's X-Request-ID when it is a sane one, else a new one. It goes
into every log line of the request and back to the caller in the same header."""
from __future__ import annotations

import re
import uuid

from flask import Flask, g, request

from models.core import logs

HEADER = "X-Request-ID"
ACCEPTED = re.compile(r"^[A-Za-z0-9._:/+=-]{1,128}$")  # a proxy's or client's id; anything else is replaced


def add_request_ids(app: Flask) -> None:
    @app.before_request
    def _take_request_id() -> None:
        offered = request.headers.get(HEADER, "")
        g.request_id = offered if ACCEPTED.match(offered) else uuid.uuid4().hex
        logs.request_id.set(g.request_id)

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers[HEADER] = g.request_id
        return response

    @app.teardown_request
    def _forget_request_id(exc) -> None:
        # waitress reuses its threads: the next request must not inherit this id
        logs.request_id.set(None)
