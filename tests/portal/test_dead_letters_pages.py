"""The queue cockpit pages: /ops/queues with its counts, alerts and chart, /ops/dead-letters with its filters,
links and bulk decisions; partners are kept out."""
from datetime import timedelta

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from models.operations.queue_samples import record_samples
from models.operations.queue_tables import DeadLetter


@pytest.fixture
def dead(app):
    record_dead_letters([FoundDeadLetter("m1", "oms_intake", "intake_orders", [[41, 42]], "ValueError: bad SKU"),
                         FoundDeadLetter("m2", "oms_returns", "advance_returns", [[7]], "KeyError: label"),
                         FoundDeadLetter("m3", "oms_notify", "mail_stock_alerts", [[3]], "SMTPError: away")])
    return [row.id for row in DeadLetter.select().order_by(DeadLetter.id)]


def test_the_queues_page_shows_counts_alerts_backlog_and_the_chart(client, auth, dead):
    now = utc_now()
    for minutes, published in ((3, 10), (2, 40), (1, 100)):
        record_samples({"oms_intake": {"ready": 1, "published": published, "delivered": published}},
                       now=now - timedelta(minutes=minutes))
    auth.login_as("credit_controller")
    page = client.get("/ops/queues")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "oms_intake" in text and "oms_returns" in text
    assert "oms_intake: 1 open dead letter" in text and 'href="/ops/dead-letters?queue=oms_intake"' in text
    assert '<svg' in text and "Messages per minute" in text and 'class="outbox-backlog">0<' in text
    assert "style=" not in text.split("<svg", 1)[0] and "<script" not in text


def test_the_dead_letters_page_lists_links_and_filters(client, auth, dead):
    auth.login_as("ops_agent")
    text = client.get("/ops/dead-letters").get_data(as_text=True)
    assert 'href="/orders/41"' in text and 'href="/orders/42"' in text and 'href="/ops/returns/7"' in text
    assert "ValueError: bad SKU" in text and "SMTPError: away" in text and 'name="ids"' in text
    only = client.get("/ops/dead-letters?queue=oms_returns").get_data(as_text=True)
    assert "KeyError: label" in only and "ValueError: bad SKU" not in only


def test_bulk_retry_with_a_note_and_single_discard(client, auth, dead):
    auth.login_as("ops_agent")
    refused = client.post("/ops/dead-letters", data={"decision": "retry", "note": "", "ids": dead[:2]},
                          follow_redirects=True)
    assert "a note is required" in refused.get_data(as_text=True)
    assert not OutboxMessage.unsent().exists()
    done = client.post("/ops/dead-letters", data={"decision": "retry", "note": "master data fixed",
                                                  "ids": dead[:2]}, follow_redirects=True)
    assert "2 dead letters retried" in done.get_data(as_text=True)
    assert sorted(m.actor_name for m in OutboxMessage.unsent()) == ["advance_returns", "intake_orders"]
    again = client.post("/ops/dead-letters", data={"decision": "discard", "ids": [dead[0], dead[2]]},
                        follow_redirects=True)
    assert "a note is required" in again.get_data(as_text=True)
    one = client.post("/ops/dead-letters", data={"decision": "discard", "ids": [dead[2]]}, follow_redirects=True)
    assert "1 dead letter discarded" in one.get_data(as_text=True)
    assert [r.status for r in DeadLetter.select().order_by(DeadLetter.id)] == ["retried", "retried", "discarded"]
    trail = StatusChange.select().where(StatusChange.entity == "dead_letter").order_by(StatusChange.id)
    assert [(r.to_status, r.actor, r.reason) for r in trail] == [
        ("retried", "agent@relay.test", "master data fixed"), ("retried", "agent@relay.test", "master data fixed"),
        ("discarded", "agent@relay.test", "")]


def test_a_credit_controller_sees_but_may_not_decide(client, auth, dead):
    auth.login_as("credit_controller")
    assert 'name="ids"' not in client.get("/ops/dead-letters").get_data(as_text=True)
    assert client.post("/ops/dead-letters", data={"decision": "retry", "ids": [dead[0]]}).status_code == 403
    assert DeadLetter.get_by_id(dead[0]).status == "open"


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_are_kept_out(client, auth, dead, role):
    auth.login_as(role)
    for path in ("/ops/queues", "/ops/dead-letters"):
        assert client.get(path).status_code == 403
    assert client.post("/ops/dead-letters", data={"decision": "retry", "ids": [dead[0]]}).status_code == 403
    assert DeadLetter.get_by_id(dead[0]).status == "open"
