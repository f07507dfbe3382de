import threading
from datetime import timedelta

import dramatiq
import pytest

from models.core.base import utc_now
from models.core.outbox import OutboxMessage, enqueue_after_commit
from models.core.transitions import transition
from models.intake.entry import place_order
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order
from models.planning.tables import ForecastRun
from models.reports.inventory_rollup import keep_inventory_figures
from models.shipping.dispatch import prepare_waybill
from models.sweeper import redrive_stuck_orders
from schemas.orders import order_schema
from tests.factories import make_world, order_body, sandbox_choice
from tests.pipeline_support import wait_until
from workers.relay import relay_once, run_relay

AGE = timedelta(minutes=2)


class RecordingBroker:
    """Stands in for the dramatiq broker: keeps what was enqueued; raises for the calls listed in ``fail_on``."""

    def __init__(self, fail_on: tuple[int, ...] = ()) -> None:
        self.enqueued: list[dramatiq.Message] = []
        self.calls = 0
        self.fail_on = fail_on

    def enqueue(self, message: dramatiq.Message, *, delay=None) -> dramatiq.Message:
        self.calls += 1
        if self.calls in self.fail_on:
            raise ConnectionError("broker unreachable")
        self.enqueued.append(message)
        return message

    def sent(self) -> list[tuple]:
        return [(m.queue_name, m.actor_name, m.args) for m in self.enqueued]


def unsent() -> list[int]:
    return [row.id for row in OutboxMessage.unsent()]


# --- relay ---------------------------------------------------------------------------------------

def test_relay_publishes_every_unsent_row_in_order_and_marks_it_sent(db):
    first = enqueue_after_commit("oms_intake", "intake_orders", [1, 2])
    second = enqueue_after_commit("oms_review", "review_orders", [3], "note")
    broker = RecordingBroker()
    assert relay_once(broker) == 2
    assert broker.sent() == [("oms_intake", "intake_orders", ([1, 2],)), ("oms_review", "review_orders", ([3], "note"))]
    assert all(isinstance(m, dramatiq.Message) and m.kwargs == {} for m in broker.enqueued)
    assert unsent() == []
    assert all(OutboxMessage.get_by_id(m.id).sent_at is not None for m in (first, second))
    assert relay_once(broker) == 0
    assert len(broker.enqueued) == 2


def test_relay_respects_the_batch_size(db):
    written = [enqueue_after_commit("oms_intake", "intake_orders", [n]).id for n in range(5)]
    broker = RecordingBroker()
    assert relay_once(broker, batch=2) == 2
    assert unsent() == written[2:]
    assert relay_once(broker, batch=10) == 3
    # Rows nudging one actor are merged per pass: each pass is one message here.
    assert [m.args[0] for m in broker.enqueued] == [[0, 1], [2, 3, 4]]


def test_failed_publish_keeps_the_row_with_its_error_until_the_next_pass(db):
    row = enqueue_after_commit("oms_intake", "intake_orders", [7])
    assert relay_once(RecordingBroker(fail_on=(1,))) == 0
    stored = OutboxMessage.get_by_id(row.id)
    assert (stored.sent_at, stored.claimed_until) == (None, None)
    assert "broker unreachable" in stored.last_error
    broker = RecordingBroker()
    assert relay_once(broker) == 1
    assert broker.sent() == [("oms_intake", "intake_orders", ([7],))]
    assert unsent() == []


STAGES = [("oms_intake", "intake_orders"), ("oms_review", "review_orders"), ("oms_allocation", "allocate_orders")]


def alternating(count: int) -> list[int]:
    """Rows for alternating actors, so that each is its own message (same-actor rows are merged)."""
    return [enqueue_after_commit(*STAGES[n % len(STAGES)], [n]).id for n in range(count)]


def test_rows_published_before_a_failure_stay_sent(db):
    written = alternating(2)
    assert relay_once(RecordingBroker(fail_on=(2,))) == 1
    assert unsent() == [written[1]]


def test_rows_after_a_failure_are_retried_on_the_next_pass_in_order(db):
    written = alternating(3)
    assert relay_once(RecordingBroker(fail_on=(2,))) == 1
    assert unsent() == written[1:]
    assert all("broker unreachable" in OutboxMessage.get_by_id(i).last_error for i in written[1:])
    enqueue_after_commit(*STAGES[1], [3])
    broker = RecordingBroker()
    assert relay_once(broker) == 3
    assert [(m.actor_name, m.args[0]) for m in broker.enqueued] == [("review_orders", [1, 3]), ("allocate_orders", [2])]
    assert unsent() == []


def test_coalesce_merges_id_lists_per_actor_in_order_and_caps_the_batch(db, monkeypatch):
    from workers import relay

    monkeypatch.setattr(relay, "MAX_IDS", 3)
    enqueue_after_commit("oms_intake", "intake_orders", [1, 2])
    enqueue_after_commit("oms_review", "review_orders", [9])
    enqueue_after_commit("oms_intake", "intake_orders", [3])
    enqueue_after_commit("oms_intake", "intake_orders", [4])  # would make 4 ids: starts a new message
    enqueue_after_commit("oms_review", "review_orders", [10], "a note")  # not a bare id list: alone
    broker = RecordingBroker()
    assert relay_once(broker) == 5
    assert broker.sent() == [("oms_intake", "intake_orders", ([1, 2, 3],)), ("oms_review", "review_orders", ([9],)),
                             ("oms_intake", "intake_orders", ([4],)), ("oms_review", "review_orders", ([10], "a note"))]


# --- sweeper -------------------------------------------------------------------------------------

def order_in(status: str, *, ref: str = "PO-1", age: timedelta = AGE * 2) -> int:
    order, _ = place_order(order_schema.load(order_body(ref)), actor="test")
    # Placing puts an order straight into review; "received" is what an older release left behind.
    Order.update(status="received").where(Order.id == order.id).execute()
    path = {"received": [], "reviewing": ["reviewing"], "approved": ["reviewing", "approved"],
            "on_hold": ["reviewing", "on_hold"], "allocated": ["reviewing", "approved", "allocated"],
            "backordered": ["reviewing", "approved", "backordered"],
            "shipped": ["reviewing", "approved", "allocated", "shipped"]}[status]
    for step in path:
        assert transition("order", order.id, step, actor="test")
    Order.update(status_changed_at=utc_now() - age).where(Order.id == order.id).execute()
    return order.id


def nudges(actor_name: str, order_id: int) -> int:
    return sum(1 for m in OutboxMessage.select().where(OutboxMessage.actor_name == actor_name)
               if m.args == [[order_id]])


@pytest.mark.parametrize("status, actor_name", [
    ("received", "intake_orders"),
    ("reviewing", "review_orders"),
    ("approved", "allocate_orders"),
    ("allocated", "create_shipments"),
])
def test_stuck_working_order_is_redriven_once_per_age_window(db, status, actor_name):
    make_world()
    order_id = order_in(status)
    before = nudges(actor_name, order_id)
    assert redrive_stuck_orders(AGE) == {status: 1}
    assert nudges(actor_name, order_id) == before + 1
    assert redrive_stuck_orders(AGE) == {}
    assert nudges(actor_name, order_id) == before + 1
    # Once the window has passed again without progress, it is re-driven again.
    Order.update(redriven_at=utc_now() - AGE * 2).where(Order.id == order_id).execute()
    assert redrive_stuck_orders(AGE) == {status: 1}
    assert nudges(actor_name, order_id) == before + 2


def test_order_younger_than_the_age_is_left_alone(db):
    make_world()
    order_id = order_in("received", age=timedelta(seconds=30))
    assert redrive_stuck_orders(AGE) == {}
    assert nudges("intake_orders", order_id) == 0  # not re-driven


@pytest.mark.parametrize("status", ["on_hold", "backordered", "shipped"])
def test_waiting_orders_are_never_redriven(db, status):
    make_world()
    order_in(status, age=timedelta(days=30))
    count = OutboxMessage.select().count()
    assert redrive_stuck_orders(AGE) == {}
    assert OutboxMessage.select().count() == count


def test_redrive_counts_per_status_and_nudges_in_one_message(db):
    make_world()
    received = [order_in("received", ref=f"PO-{n}") for n in range(3)]
    order_in("approved", ref="PO-A")
    assert redrive_stuck_orders(AGE) == {"received": 3, "approved": 1}
    last_intake = OutboxMessage.select().where(OutboxMessage.actor_name == "intake_orders") \
        .order_by(OutboxMessage.id.desc()).get()
    assert last_intake.args == [received]


def test_sweeper_leaves_an_order_whose_carrier_call_is_retrying(db):
    make_world()
    order, _ = place_order(order_schema.load(order_body("RETRYING-1")), actor="test")
    for step in (review, allocate, create_shipments):
        step(order.id, actor="test")
    [shipment] = order.shipments
    Order.update(status_changed_at=utc_now() - timedelta(hours=1)).execute()
    prepare_waybill(shipment.id, choose=sandbox_choice)  # asked the carrier just now; it failed and will retry
    assert redrive_stuck_orders(timedelta(minutes=5)) == {}
    assert redrive_stuck_orders(timedelta(seconds=-1)) == {"allocated": 1}  # last attempt older than the age


def test_the_relay_sweep_prunes_rows_sent_before_the_retention_period(db):
    ForecastRun.create(status="done")  # a forecast run just now: the sweep has no forecast run to nudge
    keep_inventory_figures()  # the inventory report refreshed just now: none to nudge either
    old = [enqueue_after_commit("oms_intake", "intake_orders", [n]).id for n in range(3)]
    OutboxMessage.update(sent_at=utc_now() - timedelta(hours=25)).where(OutboxMessage.id.in_(old)).execute()
    unsent_row = enqueue_after_commit("oms_review", "review_orders", [9]).id
    broker, stop = RecordingBroker(), threading.Event()
    relay = threading.Thread(target=run_relay, args=(broker, stop), kwargs={
        "interval": 0.01, "sweep_interval": 0.01, "stuck_after": AGE, "keep_sent": timedelta(hours=24)})
    relay.start()
    try:
        wait_until(lambda: not OutboxMessage.select().where(OutboxMessage.id.in_(old)).exists(), timeout=10,
                   what="rows sent 25 hours ago pruned")
    finally:
        stop.set()
        relay.join(10)
    assert broker.sent() == [("oms_review", "review_orders", ([9],))]
    assert [row.id for row in OutboxMessage.select()] == [unsent_row]  # published just now: kept
