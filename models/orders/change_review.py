"""An order change reviewed at once, so whoever changed it sees the new decision in the answer; the review nudge
written with the change stays in the outbox and re-drives review should this attempt fail."""
from __future__ import annotations

import logging
from dataclasses import replace

from models.orders.changes import OrderChangeResult, change_order
from models.orders.states import ORDER_REVIEWING
from models.orders.tables import Order
from models.review.step import review_orders

log = logging.getLogger(__name__)
REVIEW_ACTOR = "review:order_change"


def change_and_review(order_id: int, change: dict, *, actor: str, role: str, partner_id: int | None = None,
                      note: str = "") -> OrderChangeResult:
    """``change_order``, then the review step for this one order (the same guarded, idempotent batch step the
    workers run: whichever comes first decides, the other finds nothing in review)."""
    result = change_order(order_id, change, actor=actor, role=role, partner_id=partner_id, note=note)
    if not result.changed or result.status != ORDER_REVIEWING:
        return result
    try:
        reviewed = review_orders([order_id], actor=REVIEW_ACTOR)
    except Exception:  # noqa: BLE001 - the change is committed; the outbox nudge reviews it later
        log.warning("order %s changed; review deferred to the pipeline", order_id, exc_info=True)
        return result
    outcome = reviewed.outcomes.get(order_id)
    if outcome is None:
        return result
    return replace(result, status=_status_after(order_id))


def _status_after(order_id: int) -> str:
    return Order.select(Order.status).where(Order.id == order_id).scalar()
