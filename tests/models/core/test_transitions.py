import threading

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.errors import InvalidTransition
from models.core.transitions import transition
from models.intake.entry import place_order
from models.orders.tables import Order
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def new_order(ref: str = "PO-1") -> Order:
    """An order just received: placing puts it straight into review, so it is taken back to received here."""
    order, _ = place_order(order_schema.load(order_body(ref)), actor="test")
    Order.update(status="received").where(Order.id == order.id).execute()
    StatusChange.delete().where(StatusChange.entity_id == order.id, StatusChange.to_status == "reviewing").execute()
    return Order.get_by_id(order.id)


def trail(order_id: int) -> list[tuple]:
    return [(r.from_status, r.to_status, r.actor, r.reason) for r in StatusChange.trail("order", order_id)]


def test_transition_changes_status_once_and_audits_it(any_db):
    make_world()
    order = new_order()
    assert transition("order", order.id, "reviewing", actor="ops@relay.test", reason="manual review",
                      expected="received") is True
    stored = Order.get_by_id(order.id)
    assert (stored.status, stored.status_reason) == ("reviewing", "manual review")
    assert stored.status_changed_at >= order.status_changed_at
    assert trail(order.id) == [(None, "received", "test", "placed via api"),
                               ("received", "reviewing", "ops@relay.test", "manual review")]

    assert transition("order", order.id, "reviewing", actor="ops@relay.test", reason="manual review",
                      expected="received") is False
    assert len(trail(order.id)) == 2
    assert Order.get_by_id(order.id).status == "reviewing"


def test_default_expected_is_any_state_allowed_to_reach_the_target(any_db):
    make_world()
    order = new_order()
    assert transition("order", order.id, "cancelled", actor="ops", reason="customer called") is True
    assert transition("order", order.id, "cancelled", actor="ops") is False  # already cancelled
    assert trail(order.id)[-1] == ("received", "cancelled", "ops", "customer called")


def test_state_not_in_expected_returns_false_and_writes_nothing(any_db):
    make_world()
    order = new_order()
    assert transition("order", order.id, "approved", actor="ops", expected="reviewing") is False
    assert transition("order", order.id, "approved", actor="ops") is False  # received may not approve
    assert Order.get_by_id(order.id).status == "received"
    assert len(trail(order.id)) == 1


@pytest.mark.parametrize("entity, to, expected, message", [
    ("order", "shipped", "received", "may not move from 'received' to 'shipped'"),
    ("order", "received", None, "no order state may move to 'received'"),
    ("order", "approved", ("reviewing", "delivered"), "may not move from 'delivered'"),
    ("invoice", "paid", None, "unknown entity 'invoice'"),
])
def test_invalid_transition_raises_and_writes_nothing(any_db, entity, to, expected, message):
    make_world()
    order = new_order()
    with pytest.raises(InvalidTransition, match=message):
        transition(entity, order.id, to, actor="ops", expected=expected)
    assert Order.get_by_id(order.id).status == "received"
    assert len(trail(order.id)) == 1


def test_missing_id_returns_false(any_db):
    before = StatusChange.select().count()
    assert transition("order", 987654, "reviewing", actor="ops") is False
    assert transition("shipment", 987654, "dispatched", actor="ops", expected="ready") is False
    assert StatusChange.select().count() == before


def test_racing_threads_exactly_one_wins(pg_db):
    make_world()
    orders = [new_order(f"PO-{n}").id for n in range(5)]
    for order_id in orders:
        gate = threading.Barrier(2)
        results: list = []

        def attempt() -> None:
            with database.connection_context():
                gate.wait()
                results.append(transition("order", order_id, "reviewing", actor="worker:race", expected="received"))

        threads = [threading.Thread(target=attempt) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        assert sorted(results) == [False, True], order_id
        assert StatusChange.select().where(StatusChange.entity == "order", StatusChange.entity_id == order_id,
                                           StatusChange.to_status == "reviewing").count() == 1
