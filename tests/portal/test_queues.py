"""The queue cockpit's API: queue figures with the outbox backlog, the dead letters, retry and discard (one or
many), each refused to the roles that may not."""
from types import SimpleNamespace

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.outbox import OutboxMessage, enqueue_after_commit
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from models.operations.queue_tables import DeadLetter
from models.partners.tables import ApiToken, Partner, User
from tests.factories import make_world
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    make_world()
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[role] = ApiToken.issue(user)
    record_dead_letters([FoundDeadLetter(f"m{i}", "oms_intake", "intake_orders", [[i + 1]], f"ValueError: {i}")
                         for i in range(3)] +
                        [FoundDeadLetter("r1", "oms_returns", "advance_returns", [[9]], "KeyError: 9")])
    yield SimpleNamespace(client=app.test_client(), tokens=tokens)
    if not database.is_closed():
        database.close()


def call(api, role, method, path, body=None):
    return api.client.open(f"/api/v1/{path}", method=method, json=body,
                           headers={"Authorization": f"Bearer {api.tokens[role]}"})


def ids() -> list[int]:
    return [row.id for row in DeadLetter.select().order_by(DeadLetter.id)]


def test_queues_list_each_stage_queue_with_dead_letters_backlog_and_alerts(api):
    enqueue_after_commit("oms_intake", "intake_orders", [1])
    answer = call(api, "credit_controller", "GET", "queues")
    assert answer.status_code == 200
    body = answer.get_json()
    queues = {q["name"]: q for q in body["queues"]}
    assert {"oms_intake", "oms_review", "oms_allocation", "oms_returns"} <= set(queues)
    assert set(queues["oms_intake"]) >= {"name", "ready", "unacked", "delayed", "dead", "consumers", "in_rate",
                                         "out_rate"}
    assert queues["oms_intake"]["dead"] == 3 and queues["oms_returns"]["dead"] == 1 and queues["oms_review"]["dead"] == 0
    assert body["outbox_backlog"] == 1 and body["relay_lag_seconds"] >= 0 and body["source"] == "in-process"
    assert any("oms_intake: 3 open dead letters" in alert for alert in body["alerts"])


def test_dead_letters_page_through_with_links(api):
    first = call(api, "ops_agent", "GET", "dead-letters?limit=2").get_json()
    assert [item["error"] for item in first["items"]] == ["KeyError: 9", "ValueError: 2"]
    assert first["items"][0]["return_ids"] == [9] and first["items"][1]["order_ids"] == [3]
    assert first["items"][0]["failed_at"].endswith("+00:00")
    rest = call(api, "ops_agent", "GET", f"dead-letters?limit=2&before={first['next']}").get_json()
    assert [item["args"] for item in rest["items"]] == [[[2]], [[1]]] and rest["next"] is None
    only = call(api, "ops_agent", "GET", "dead-letters?queue=oms_returns").get_json()
    assert [item["queue"] for item in only["items"]] == ["oms_returns"]
    assert call(api, "ops_agent", "GET", "dead-letters?status=nope").status_code == 422


def test_retry_then_retry_again_is_a_conflict_and_an_unknown_one_not_found(api):
    dead_id = ids()[0]
    answer = call(api, "ops_agent", "POST", f"dead-letters/{dead_id}/retry", {"note": "SKU added"})
    assert answer.status_code == 200, answer.get_json()
    item = answer.get_json()
    assert item["status"] == "retried" and item["decided_by"] == "api:ops_agent@relay.test"
    assert item["note"] == "SKU added"
    [message] = OutboxMessage.unsent()
    assert message.args == [[1]] and item["retried_as"] == f"outbox:{message.id}"
    assert call(api, "ops_admin", "POST", f"dead-letters/{dead_id}/retry", {}).status_code == 409
    assert call(api, "ops_admin", "POST", f"dead-letters/{dead_id}/discard", {}).status_code == 409
    assert call(api, "ops_admin", "POST", "dead-letters/999999/discard", {}).status_code == 404
    assert OutboxMessage.unsent().count() == 1
    assert [row.to_status for row in StatusChange.trail("dead_letter", dead_id)] == ["retried"]


def test_discard_one_and_bulk_retry_by_ids_or_queue(api):
    dead = ids()
    assert call(api, "ops_admin", "POST", f"dead-letters/{dead[0]}/discard").get_json()["status"] == "discarded"
    assert call(api, "ops_admin", "POST", "dead-letters/retry", {"ids": dead[:3]}).status_code == 422  # no note
    answer = call(api, "ops_admin", "POST", "dead-letters/retry", {"ids": dead[:3], "note": "fixed"})
    assert answer.get_json() == {"decided": dead[1:3], "count": 2}
    answer = call(api, "ops_admin", "POST", "dead-letters/discard", {"queue": "oms_returns", "note": "old"})
    assert answer.get_json() == {"decided": [dead[3]], "count": 1}
    assert call(api, "ops_admin", "POST", "dead-letters/retry", {"note": "x"}).status_code == 422
    assert OutboxMessage.unsent().count() == 2
    assert not DeadLetter.select().where(DeadLetter.status == "open").exists()


@pytest.mark.parametrize("role", ["credit_controller", "distributor", "supplier"])
def test_only_ops_admin_and_agent_decide(api, role):
    dead_id = ids()[0]
    for path, body in ((f"dead-letters/{dead_id}/retry", {}), (f"dead-letters/{dead_id}/discard", {}),
                       ("dead-letters/retry", {"ids": [dead_id], "note": "x"})):
        assert call(api, role, "POST", path, body).status_code == 403
    assert DeadLetter.get_by_id(dead_id).status == "open"


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_may_not_read_queues_or_dead_letters(api, role):
    for path in ("queues", "dead-letters", f"dead-letters/{ids()[0]}"):
        answer = call(api, role, "GET", path)
        assert answer.status_code == 403 and "ValueError" not in answer.get_data(as_text=True)
    assert api.client.get("/api/v1/queues").status_code == 401
