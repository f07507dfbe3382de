"""The order pipeline steps for one order at a time: thin wrappers over the set-based stages (review, allocation,
shipment creation), which load a batch of ids, apply the rules and persist the results with the next stage's outbox
row in one transaction. Every step is safe to run twice."""
from __future__ import annotations

from models.allocation.step import allocate  # noqa: F401 - the allocation stage's step
from models.core.db import database
from models.core.stages import REVIEW
from models.core.transitions import transition
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.review.step import review_orders
from models.shipping.creation import create_shipments_for


def start_review(order_id: int, *, actor: str) -> bool:
    """received → reviewing, and nudge the review stage."""
    with database.atomic():
        if not transition("order", order_id, ORDER_REVIEWING, actor=actor, expected=ORDER_RECEIVED):
            return False
        REVIEW.nudge([order_id])
    return True


def review(order_id: int, *, actor: str) -> str | None:
    """Decide approve/hold/reject for an order in review under the rule set in force; returns the
    outcome, or None if the order is not in review (the review stage's batch step, for one order)."""
    result = review_orders([order_id], actor=actor)
    if order_id in result.failed:
        raise result.failed[order_id]
    return result.outcomes.get(order_id)


def create_shipments(order_id: int, *, actor: str) -> list[int]:
    """Re-drive one allocated order: the shipments its reservations still lack (allocation creates them in its own
    transaction); returns the shipments still needing a waybill, nudged again."""
    return create_shipments_for([order_id], actor=actor)
