"""Every request has an id: the caller's X-Request-ID when sane, else a new one; echoed back and logged."""
from __future__ import annotations

import pytest

from portal.app import create_app
from tests.conftest import settings_for
from tests.log_support import json_log_lines


@pytest.mark.parametrize("offered, kept", [("abc-123", True), ("x" * 200, False), ("bad id;<script>", False)])
def test_the_request_id_is_echoed_or_made_up(client, offered, kept):
    answer = client.get("/healthz/live", headers={"X-Request-ID": offered})
    echoed = answer.headers["X-Request-ID"]
    if kept:
        assert echoed == offered
    else:
        assert echoed != offered and len(echoed) == 32 and echoed.isalnum()  # a new uuid4, in hex


def test_two_requests_get_two_ids(client):
    assert client.get("/healthz/live").headers["X-Request-ID"] != client.get("/healthz/live").headers["X-Request-ID"]


def test_a_log_line_written_during_a_request_carries_its_id(tmp_path):
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"),
                     test_config={"TESTING": True})
    with json_log_lines() as lines:
        answer = app.test_client().get("/login", headers={"X-Request-ID": "req-42"})
        after = app.test_client().get("/healthz/live")
    assert answer.status_code == 503 and after.status_code == 200
    [outage] = [line for line in lines() if line["logger"] == "portal.outage"]
    assert outage["request_id"] == "req-42" and outage["level"] == "ERROR"
    assert "database unavailable" in outage["message"]
