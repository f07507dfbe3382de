"""The review actor allocates the orders it approves that ship whole in its own transaction; the others it leaves
approved for the allocation stage."""
from __future__ import annotations

from models.core.audit import StatusChange
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.orders.flow import start_review
from models.orders.tables import Order
from schemas.orders import order_schema
from tests.dropship_support import add_dropship
from tests.factories import allow_repeat_orders, make_world, order_body
from workers.review import ACTOR, review_orders


def test_the_actor_allocates_what_ships_whole_and_nudges_allocation_with_the_rest(db):
    add_dropship(make_world())  # GADGET ships from its supplier
    allow_repeat_orders()
    ids = []
    for ref, lines in (("W-1", [{"sku": "WIDGET", "quantity": 2}]), ("W-2", None)):
        order, _ = place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")
        start_review(order.id, actor="test")
        ids.append(order.id)

    review_orders.fn(ids)

    whole, dropship = ids
    assert [Order.get_by_id(order_id).status for order_id in ids] == ["allocated", "approved"]
    steps = [(c.from_status, c.to_status, c.actor) for c in StatusChange.trail("order", whole)][-2:]
    assert steps == [("reviewing", "approved", ACTOR), ("approved", "allocated", ACTOR)]
    nudged = [message.args[0] for message in OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders")]
    assert nudged == [[dropship]]
