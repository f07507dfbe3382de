"""Review's straight path: approved orders that ship whole from our warehouses are allocated in review's own
transaction (one write of the order, the approval and the allocation both in its trail); every other approved order
waits for the allocation stage, nudged as before."""
from __future__ import annotations

import models.allocation.step as step
from models.allocation.step import allocate_straight
from models.core.audit import StatusChange
from models.core.errors import StockMoved
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.orders.allocation_plans import OrderAllocationPlan, plan_of
from models.orders.flow import start_review
from models.orders.tables import Order, OrderLine, Reservation
from models.review.reviews import latest_review
from models.review.rules import ALL_CHECKS_PASSED
from models.review.step import review_orders
from models.shipping.tables import Shipment
from schemas.orders import order_schema
from tests.dropship_support import add_dropship
from tests.factories import allow_repeat_orders, make_world, order_body
from tests.models.allocation.test_batch_step import clean, statements_of, waybill_nudges

ACTOR = "worker:test"


def in_review(*bodies: dict) -> list[int]:
    ids = []
    for body in bodies:
        order, _ = place_order(order_schema.load(body), actor="test")
        start_review(order.id, actor=ACTOR)
        ids.append(order.id)
    return ids


def trail(order_id: int) -> list[tuple[str, str]]:
    return [(change.from_status, change.to_status) for change in StatusChange.trail("order", order_id)
            if change.from_status is not None]


def allocation_nudges() -> list[int]:
    return [order_id for message in OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders")
            for order_id in message.args[0]]


def test_orders_that_ship_whole_are_allocated_with_their_review(any_db):
    make_world()
    allow_repeat_orders()
    ids = in_review(order_body("S-1"), order_body("S-2"))

    result = review_orders(ids, actor=ACTOR, allocate_now=allocate_straight)

    assert result.outcomes == dict.fromkeys(ids, "approve") and not result.failed
    for order_id in ids:
        order = Order.get_by_id(order_id)
        assert order.status == "allocated" and order.total > 0  # the review's totals written with the status
        assert trail(order_id)[-2:] == [("reviewing", "approved"), ("approved", "allocated")]
        approval, allocation = list(StatusChange.trail("order", order_id))[-2:]
        assert approval.reason == ALL_CHECKS_PASSED and allocation.reason == order.status_reason
        assert latest_review(order_id).outcome == "approve"
        assert Reservation.select().join(OrderLine).where(OrderLine.order == order_id).count() == 2
        assert plan_of(order_id)["plan"]["complete"]
    shipments = [s.id for s in Shipment.select().where(Shipment.order.in_(ids)).order_by(Shipment.id)]
    assert len(shipments) == 2 and waybill_nudges() == shipments
    assert allocation_nudges() == []
    assert clean()


def test_an_order_with_a_drop_ship_part_waits_for_the_allocation_stage(any_db):
    add_dropship(make_world())  # GADGET now ships from its supplier
    allow_repeat_orders()
    whole, dropship = in_review(order_body("S-1", lines=[{"sku": "WIDGET", "quantity": 2}]), order_body("S-2"))

    review_orders([whole, dropship], actor=ACTOR, allocate_now=allocate_straight)

    assert (Order.get_by_id(whole).status, Order.get_by_id(dropship).status) == ("allocated", "approved")
    assert trail(dropship)[-1] == ("reviewing", "approved")
    assert allocation_nudges() == [dropship]
    assert not Reservation.select().join(OrderLine).where(OrderLine.order == dropship).exists()
    assert not Shipment.select().where(Shipment.order == dropship).exists()
    assert clean()


def test_stock_that_moved_leaves_every_approved_order_to_the_allocation_stage(any_db, monkeypatch):
    make_world()
    allow_repeat_orders()
    ids = in_review(order_body("S-1"), order_body("S-2"))

    def moved(*args, **kwargs):
        raise StockMoved("stock moved")

    monkeypatch.setattr(step, "_reserve", moved)
    review_orders(ids, actor=ACTOR, allocate_now=allocate_straight)

    assert [Order.get_by_id(order_id).status for order_id in ids] == ["approved", "approved"]
    assert sorted(allocation_nudges()) == ids
    assert not Shipment.select().exists() and not OrderAllocationPlan.select().exists()  # undone to the savepoint
    assert waybill_nudges() == []
    assert clean()


def test_a_redelivered_review_changes_nothing(any_db):
    make_world()
    allow_repeat_orders()
    ids = in_review(order_body("S-1"))
    review_orders(ids, actor=ACTOR, allocate_now=allocate_straight)
    before = (StatusChange.select().count(), Reservation.select().count(), Shipment.select().count(),
              OutboxMessage.select().count())

    assert review_orders(ids, actor=ACTOR, allocate_now=allocate_straight).outcomes == {}
    assert (StatusChange.select().count(), Reservation.select().count(), Shipment.select().count(),
            OutboxMessage.select().count()) == before


def test_a_batch_of_n_and_one_of_2n_send_the_same_statements(any_db, monkeypatch):
    make_world(on_hand=1000)
    allow_repeat_orders()
    warm = in_review(order_body("WARM"))
    review_orders(warm, actor=ACTOR, allocate_now=allocate_straight)  # the rule sets in force, parsed once
    small = in_review(*(order_body(f"A-{n}") for n in range(4)))
    large = in_review(*(order_body(f"B-{n}") for n in range(8)))

    counts = [statements_of(monkeypatch, lambda ids=ids: review_orders(ids, actor=ACTOR,
                                                                       allocate_now=allocate_straight))
              for ids in (small, large)]

    assert counts[0] == counts[1], counts
    assert Order.select().where(Order.id.in_(small + large), Order.status == "allocated").count() == 12
