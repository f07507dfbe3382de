"""Dead letters in the database: recorded once per message, decided once (guarded), audited, retried through
the outbox; queue samples and the outbox backlog the cockpit shows."""
import json
from datetime import timedelta

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage, enqueue_after_commit
from models.operations.dead_letters import (
    FoundDeadLetter,
    dead_letter_page,
    decide_dead_letter,
    decide_dead_letters,
    open_by_queue,
    open_count,
    record_dead_letters,
)
from models.operations.queue_rules import OUTBOX_QUEUE
from models.operations.queue_samples import (
    backlog_history,
    hourly_rates,
    outbox_backlog,
    record_samples,
)
from models.operations.queue_tables import DeadLetter, QueueSample


def found(message_id: str, queue: str = "oms_intake", actor: str = "intake_orders", args=([1, 2],),
          error: str = "ValueError: boom") -> FoundDeadLetter:
    return FoundDeadLetter(message_id, queue, actor, list(args), error)


def test_a_dead_letter_is_recorded_once_per_message_id(any_db):
    assert record_dead_letters([found("m1"), found("m2", queue="oms_review", actor="review_orders")]) == 2
    assert record_dead_letters([found("m1", error="not recorded: found in oms_intake.XQ"), found("m3")]) == 1
    first = DeadLetter.get(DeadLetter.message_id == "m1")
    assert first.error == "ValueError: boom" and first.status == "open" and first.arguments == [[1, 2]]
    assert open_count() == 3 and open_by_queue() == {"oms_intake": 2, "oms_review": 1}


def test_retry_marks_it_retried_writes_the_outbox_row_and_the_audit_row(any_db):
    record_dead_letters([found("m1")])
    dead = DeadLetter.get()
    item = decide_dead_letter(dead.id, "retry", actor="agent@relay.test", note="master data added")
    assert item["status"] == "retried" and item["decided_by"] == "agent@relay.test"
    assert item["order_ids"] == [1, 2]
    [message] = OutboxMessage.unsent()
    assert (message.queue_name, message.actor_name, message.args) == ("oms_intake", "intake_orders", [[1, 2]])
    assert item["retried_as"] == f"outbox:{message.id}"
    [audit] = StatusChange.trail("dead_letter", dead.id)
    assert (audit.from_status, audit.to_status, audit.actor, audit.reason) == \
        ("open", "retried", "agent@relay.test", "master data added")
    assert open_count() == 0


def test_a_decided_dead_letter_is_not_decided_again(any_db):
    record_dead_letters([found("m1")])
    dead = DeadLetter.get()
    decide_dead_letter(dead.id, "retry", actor="a@relay.test")
    for decision in ("retry", "discard"):
        with pytest.raises(InvalidTransition):
            decide_dead_letter(dead.id, decision, actor="b@relay.test")
    assert OutboxMessage.unsent().count() == 1
    assert StatusChange.trail("dead_letter", dead.id).count() == 1
    with pytest.raises(NotFound):
        decide_dead_letter(dead.id + 100, "retry", actor="a@relay.test")


def test_discard_sends_nothing(any_db):
    record_dead_letters([found("m1")])
    item = decide_dead_letter(DeadLetter.get().id, "discard", actor="a@relay.test")
    assert item["status"] == "discarded" and item["retried_as"] == ""
    assert not OutboxMessage.unsent().exists()


def test_bulk_needs_a_note_and_takes_only_the_open_ones(any_db):
    record_dead_letters([found(f"m{i}") for i in range(3)] + [found("r1", queue="oms_review", actor="review_orders")])
    ids = [row.id for row in DeadLetter.select().order_by(DeadLetter.id)]
    with pytest.raises(ValidationFailed):
        decide_dead_letters(ids[:2], "retry", actor="a@relay.test", note="")
    decide_dead_letter(ids[0], "discard", actor="a@relay.test")
    assert decide_dead_letters(ids[:3], "retry", actor="a@relay.test", note="fixed") == ids[1:3]
    assert sorted(json.dumps(m.args) for m in OutboxMessage.unsent()) == ['[[1, 2]]', '[[1, 2]]']
    assert decide_dead_letters(queue="oms_review", decision="discard", actor="a@relay.test", note="noise") == [ids[3]]
    assert open_count() == 0
    assert StatusChange.select().where(StatusChange.entity == "dead_letter").count() == 4


def test_the_list_is_keyset_paginated_newest_first_and_filtered(any_db):
    record_dead_letters([found(f"m{i}") for i in range(5)] + [found("r1", queue="oms_review")])
    page, following = dead_letter_page(queue="oms_intake", limit=3)
    assert [item["message_id"] for item in page] == ["m4", "m3", "m2"]
    rest, end = dead_letter_page(queue="oms_intake", limit=3, before=following)
    assert [item["message_id"] for item in rest] == ["m1", "m0"] and end is None
    decide_dead_letter(page[0]["id"], "discard", actor="a@relay.test")
    assert [i["message_id"] for i in dead_letter_page(status="discarded")[0]] == ["m4"]
    assert len(dead_letter_page(status="")[0]) == 6


def test_outbox_backlog_and_relay_lag(any_db):
    assert outbox_backlog() == (0, 0.0)
    enqueue_after_commit("oms_intake", "intake_orders", [1])
    OutboxMessage.update(created_at=utc_now() - timedelta(seconds=90)).execute()
    enqueue_after_commit("oms_intake", "intake_orders", [2])
    backlog, lag = outbox_backlog()
    assert backlog == 2 and 89 <= lag <= 120


def test_samples_are_taken_once_a_minute_pruned_after_a_week_and_charted(any_db):
    now = utc_now()
    QueueSample.create(queue="oms_intake", sampled_at=now - timedelta(days=8), ready=1)
    readings = {"oms_intake": {"ready": 3, "consumers": 1, "published": 100, "delivered": 97}}
    assert record_samples(readings, now=now - timedelta(minutes=2)) == 2
    assert record_samples(readings, now=now - timedelta(minutes=2, seconds=-10)) == 0  # too soon
    enqueue_after_commit("oms_intake", "intake_orders", [1])
    later = {"oms_intake": {"ready": 1, "consumers": 1, "published": 160, "delivered": 159}}
    assert record_samples(later, now=now - timedelta(minutes=1)) == 2
    assert not QueueSample.select().where(QueueSample.sampled_at < now - timedelta(days=7)).exists()
    assert backlog_history() == [0, 1]
    assert QueueSample.select().where(QueueSample.queue == OUTBOX_QUEUE).count() == 2
    rates = hourly_rates(now)
    assert rates["in"] == [60.0] and rates["out"] == [62.0] and rates["ready"] == [1] and rates["outbox"] == [1]
