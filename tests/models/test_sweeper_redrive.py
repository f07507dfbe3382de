"""Re-driving given orders and returns goes through the code the periodic sweep uses: the same stage message, the
same redriven_at stamp; ops' re-drives are on the audit trail."""
from datetime import timedelta

import pytest

import models.sweeper as sweeper
from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.orders.tables import Order
from models.returns.tables import ReturnRequest
from models.sweeper import (
    redrive_orders,
    redrive_returns,
    redrive_stuck_orders,
    redrive_stuck_returns,
)
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

AGE = timedelta(minutes=2)


def order_in(status: str, ref: str, *, age: timedelta = AGE * 2) -> int:
    order, _ = place_order(order_schema.load(order_body(ref)), actor="test")
    path = {"reviewing": [], "approved": ["approved"], "on_hold": ["on_hold"]}[status]
    for step in path:
        assert transition("order", order.id, step, actor="test")
    Order.update(status_changed_at=utc_now() - age).where(Order.id == order.id).execute()
    return order.id


def sent() -> list[tuple]:
    return [(m.queue_name, m.actor_name, m.args) for m in OutboxMessage.select().order_by(OutboxMessage.id)]


@pytest.fixture
def world(any_db):
    make_world()
    allow_repeat_orders()
    return any_db


def test_manual_redrive_sends_what_the_sweep_sends(world):
    first, second = order_in("reviewing", "PO-1"), order_in("reviewing", "PO-2")
    OutboxMessage.delete().execute()
    assert redrive_stuck_orders(AGE) == {"reviewing": 2}
    swept = sent()
    swept_stamps = {o.id: o.redriven_at for o in Order.select().where(Order.id.in_((first, second)))}
    assert swept == [("oms_review", "review_orders", [[first, second]])]
    assert all(swept_stamps.values())

    OutboxMessage.delete().execute()
    Order.update(redriven_at=None).execute()
    assert redrive_orders("reviewing", [second, first], by="agent@relay.test") == [first, second]
    assert sent() == swept
    assert all(o.redriven_at for o in Order.select().where(Order.id.in_((first, second))))


def test_only_orders_still_in_the_status_are_redriven(world):
    reviewing, held = order_in("reviewing", "PO-1"), order_in("on_hold", "PO-2")
    OutboxMessage.delete().execute()
    assert redrive_orders("reviewing", [reviewing, held, 999_999]) == [reviewing]
    assert Order.get_by_id(held).redriven_at is None
    assert sent() == [("oms_review", "review_orders", [[reviewing]])]


def test_a_redrive_someone_asked_for_is_on_the_audit_trail(world):
    order_id = order_in("approved", "PO-1")
    redrive_orders("approved", [order_id], by="agent@relay.test")
    change = StatusChange.select().where(StatusChange.entity_id == order_id).order_by(StatusChange.id.desc()).get()
    assert (change.actor, change.from_status, change.to_status, change.reason) == \
        ("agent@relay.test", "approved", "approved", "re-driven")
    before = StatusChange.select().count()
    redrive_stuck_orders(timedelta(seconds=-1))  # the sweep itself writes no trail rows
    assert StatusChange.select().count() == before


def test_waiting_status_is_refused(world):
    with pytest.raises(ValidationFailed):
        redrive_orders("on_hold", [order_in("on_hold", "PO-1")])


def test_the_sweep_goes_through_redrive_orders_and_redrive_returns(world, monkeypatch):
    order_id = order_in("reviewing", "PO-1")
    calls = []
    monkeypatch.setattr(sweeper, "redrive_orders", lambda status, ids, **kw: calls.append((status, ids)) or ids)
    monkeypatch.setattr(sweeper, "redrive_returns", lambda ids, **kw: calls.append(("returns", ids)) or ids)
    assert redrive_stuck_orders(AGE) == {"reviewing": 1}
    redrive_stuck_returns(AGE)
    assert ("reviewing", [order_id]) in calls
    assert ("returns", []) in calls


def test_returns_are_redriven_only_while_approved_or_inspected(world):
    order_id = order_in("reviewing", "PO-1")
    customer = Order.get_by_id(order_id).customer_id
    approved, requested = (ReturnRequest.create(order=order_id, customer=customer, status=status,
                                                resolution="refund", reason="damaged")
                           for status in ("approved", "requested"))
    OutboxMessage.delete().execute()
    assert redrive_returns([approved.id, requested.id], by="agent@relay.test") == [approved.id]
    assert sent() == [("oms_returns", "advance_returns", [[approved.id]])]
    assert StatusChange.select().where(StatusChange.entity == "return", StatusChange.entity_id == approved.id,
                                       StatusChange.actor == "agent@relay.test").count() == 1
