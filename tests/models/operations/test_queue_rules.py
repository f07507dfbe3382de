"""The queue cockpit's pure rules: dead-letter decisions, notes, linked ids, alerts and rates."""
import pytest

from models.operations.queue_rules import (
    MAX_ERROR_CHARS,
    QueueReading,
    backlog_growing,
    linked_ids,
    may_decide,
    note_problem,
    queue_alerts,
    rates_per_minute,
    trimmed_error,
)


@pytest.mark.parametrize("status, target, allowed", [
    ("open", "retried", True), ("open", "discarded", True), ("retried", "retried", False),
    ("retried", "discarded", False), ("discarded", "retried", False), ("open", "open", False),
])
def test_only_an_open_dead_letter_is_decided(status, target, allowed):
    assert may_decide(status, target) is allowed


def test_a_note_is_optional_for_one_and_required_for_many():
    assert note_problem("", bulk=False) is None
    assert "required" in note_problem("  ", bulk=True)
    assert note_problem("fixed the SKU", bulk=True) is None
    assert "at most" in note_problem("x" * 2001, bulk=False)


def test_a_long_error_keeps_its_beginning_and_end():
    text = "start " + "x" * 5000 + " the cause"
    trimmed = trimmed_error(text)
    assert len(trimmed) <= MAX_ERROR_CHARS and trimmed.startswith("start ") and trimmed.endswith("the cause")
    assert trimmed_error("short") == "short"


def test_ids_are_linked_by_the_actor_that_takes_them():
    orders, returns = ("intake_orders",), ("advance_returns",)
    assert linked_ids("intake_orders", [[1, "x", 2]], order_actors=orders, return_actors=returns) == \
        {"order_ids": [1, 2], "return_ids": []}
    assert linked_ids("advance_returns", [7], order_actors=orders, return_actors=returns) == \
        {"order_ids": [], "return_ids": [7]}
    assert linked_ids("mail_stock_alerts", [[3]], order_actors=orders, return_actors=returns) == \
        {"order_ids": [], "return_ids": []}
    assert linked_ids("intake_orders", [], order_actors=orders, return_actors=returns)["order_ids"] == []


def reading(name, *, ready=0, dead=0, consumers=1):
    return QueueReading(name, ready, 0, 0, dead, consumers)


def test_alerts_for_dead_letters_a_queue_without_consumer_and_a_growing_backlog():
    queues = [reading("oms_intake", dead=2), reading("oms_review", ready=5, consumers=0),
              reading("oms_notify", ready=0, consumers=0), reading("oms_other", ready=5, consumers=0),
              reading("oms_carrier", ready=5, consumers=None)]
    alerts = queue_alerts(queues, [1, 2, 3, 4, 9], stage_queues=("oms_intake", "oms_review", "oms_notify",
                                                                  "oms_carrier"))
    assert len(alerts) == 3
    assert "oms_intake: 2 open dead letters" in alerts[0]
    assert alerts[1].startswith("oms_review: 5 messages ready and no consumer")
    assert "outbox backlog growing" in alerts[2] and "1 → 9" in alerts[2]
    assert queue_alerts([reading("oms_intake")], [5, 5, 5, 5, 5], stage_queues=("oms_intake",)) == []


@pytest.mark.parametrize("history, growing", [
    ([1, 2, 3, 4, 5], True), ([1, 2, 3, 3, 5], False), ([2, 3, 4, 5], False), ([9, 1, 2, 3, 4, 5], True),
    ([5, 4, 3, 2, 1], False), ([], False),
])
def test_backlog_growing_needs_each_sample_above_the_one_before(history, growing):
    assert backlog_growing(history, 5) is growing


def test_rates_per_minute_from_cumulative_counters():
    assert rates_per_minute([(0, 10), (60, 70), (120, 70), (150, 60), (210, None), (270, 5)]) == \
        [60.0, 0.0, None, None, None]
    assert rates_per_minute([(0, 0), (30, 15)]) == [30.0]
