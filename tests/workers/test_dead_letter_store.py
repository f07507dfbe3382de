"""On the in-process broker: a message that dies becomes an open dead letter with its error; a retry goes through
the outbox and the relay, and one that dies again comes back as a new open dead letter; the drainer records a
death nobody recorded."""
from __future__ import annotations

import dramatiq

from models.core.outbox import OutboxMessage, mark_sent
from models.core.stages import INTAKE
from models.intake.entry import place_order
from models.operations.dead_letters import (
    FoundDeadLetter,
    decide_dead_letter,
    open_count,
    record_dead_letters,
)
from models.operations.queue_tables import DeadLetter
from models.orders.tables import Order
from schemas.orders import order_schema
from tests.factories import make_world, order_body
from workers.dead_letter_drain import drain_dead_letters
from workers.relay import relay_once


def poison(broker) -> dramatiq.Message:
    return broker.enqueue(dramatiq.Message(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name,
                                           args=(["not-an-order-id"],), kwargs={}, options={}))


def settle(broker, worker) -> None:
    """Relay the outbox once and let the worker take every message, failures included."""
    relay_once(broker)
    broker.join(INTAKE.queue_name, fail_fast=False)
    worker.join()


def test_a_poisoned_message_becomes_an_open_dead_letter_and_a_failed_retry_comes_back(worker):
    broker = worker.broker
    message = poison(broker)
    broker.join(INTAKE.queue_name, fail_fast=False)
    worker.join()
    [dead] = DeadLetter.select()
    assert (dead.message_id, dead.queue, dead.actor, dead.status) == \
        (message.message_id, "oms_intake", "intake_orders", "open")
    assert dead.arguments == [["not-an-order-id"]] and "not an id" in dead.error

    decide_dead_letter(dead.id, "retry", actor="agent@relay.test", note="try again")
    settle(broker, worker)
    rows = list(DeadLetter.select().order_by(DeadLetter.id))
    assert [row.status for row in rows] == ["retried", "open"]
    assert rows[1].message_id != message.message_id and rows[1].arguments == [["not-an-order-id"]]
    assert rows[0].retried_as.startswith("outbox:") and not OutboxMessage.unsent().exists()

    decide_dead_letter(rows[1].id, "discard", actor="agent@relay.test", note="bad input")
    settle(broker, worker)
    assert DeadLetter.select().count() == 2 and open_count() == 0


def test_a_retried_order_message_runs_the_stage(worker):
    make_world()
    order, _ = place_order(order_schema.load(order_body("PO-DEAD")), actor="api:test")
    [nudge] = OutboxMessage.unsent()
    mark_sent([nudge.id])  # its message was lost to the dead letters
    record_dead_letters([FoundDeadLetter("lost-1", nudge.queue_name, nudge.actor_name, nudge.args,
                                         "OperationalError: database away")])
    waiting = Order.get_by_id(order.id).status
    item = decide_dead_letter(DeadLetter.get().id, "retry", actor="agent@relay.test")
    assert item["order_ids"] == [order.id]
    relay_once(worker.broker)
    worker.broker.join(nudge.queue_name, fail_fast=True)
    worker.join()
    assert Order.get_by_id(order.id).status != waiting
    assert open_count() == 0


def test_the_drainer_records_a_death_nobody_recorded_and_empties_the_broker_list(worker):
    broker = worker.broker
    message = dramatiq.Message(queue_name=INTAKE.queue_name, actor_name=INTAKE.actor_name, args=([5],), kwargs={},
                               options={})
    broker.dead_letters_by_queue[INTAKE.queue_name].append(dramatiq.MessageProxy(message))
    assert drain_dead_letters(broker) == 1
    [dead] = DeadLetter.select()
    assert dead.message_id == message.message_id and dead.error == "not recorded: found in oms_intake.XQ"
    assert broker.dead_letters == []
    assert drain_dead_letters(broker) == 0
