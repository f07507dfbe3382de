"""Re-driving orders stuck in a working state: the safety net behind the outbox for lost messages."""
from __future__ import annotations

from datetime import timedelta

from models.core.base import utc_now
from models.core.db import database
from models.core.stages import ALLOCATION, INTAKE, RETURNS, REVIEW, SHIPPING
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_RECEIVED,
    ORDER_REVIEWING,
)
from models.orders.tables import Order, OrderLine, Reservation
from models.returns.states import RETURN_APPROVED, RETURN_INSPECTED
from models.returns.tables import ReturnLabel, ReturnRequest
from models.shipping.completion import awaiting_supplier_orders
from models.shipping.states import WAYBILL_REQUESTED
from models.shipping.tables import Shipment, Waybill

CHUNK = 500

# The stage that moves an order on from each working status (see models.orders.states.ORDER_WORKING_STATES).
STAGE_FOR_ORDER_STATUS = {
    ORDER_RECEIVED: INTAKE,
    ORDER_REVIEWING: REVIEW,
    ORDER_APPROVED: ALLOCATION,
    ORDER_ALLOCATED: SHIPPING,
}


def redrive_stuck_orders(older_than: timedelta) -> dict[str, int]:
    """Nudge again every order whose working status is older than ``older_than`` (once per such period).

    Steps are idempotent, so a nudge for an order that was only slow costs one no-op.
    Returns how many orders were re-driven per status.
    """
    cutoff = utc_now() - older_than
    counts: dict[str, int] = {}
    for status, stage in STAGE_FOR_ORDER_STATUS.items():
        stuck = Order.in_status_since((status,), cutoff).where(
            Order.redriven_at.is_null() | (Order.redriven_at < cutoff))
        if status == ORDER_ALLOCATED:
            # A shipment whose carrier call is in its retry backoff is busy, not stuck.
            retrying = (Shipment.select(Shipment.order).join(Waybill)
                        .where(Waybill.status == WAYBILL_REQUESTED, Waybill.last_attempt_at >= cutoff))
            stuck = stuck.where(Order.id.not_in(retrying))
            # Nothing of ours left to do while only a drop-ship supplier has units to ship: not stuck.
            ours = (Reservation.select(OrderLine.order).join(OrderLine)
                    .where(Reservation.status == "active"))
            stuck = stuck.where(Order.id.not_in(awaiting_supplier_orders()) | Order.id.in_(ours))
        ids = [row.id for row in stuck.select(Order.id).order_by(Order.id).limit(CHUNK * 10)]
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            with database.atomic():
                Order.update(redriven_at=utc_now()).where(Order.id.in_(chunk)).execute()
                stage.nudge(chunk)
        if ids:
            counts[status] = len(ids)
    return counts


def redrive_stuck_returns(older_than: timedelta) -> int:
    """Nudge again approved returns still without a label and inspected ones not settled, once they are older
    than ``older_than``; a label being retried (attempted within the period) or parked as failed is left alone."""
    cutoff = utc_now() - older_than
    busy = ReturnLabel.select(ReturnLabel.return_request).where(
        (ReturnLabel.status != "requested") | (ReturnLabel.last_attempt_at >= cutoff))
    stuck = [row.id for row in ReturnRequest.select(ReturnRequest.id)
             .where(ReturnRequest.status.in_((RETURN_APPROVED, RETURN_INSPECTED)),
                    ReturnRequest.status_changed_at < cutoff,
                    ReturnRequest.id.not_in(busy) | (ReturnRequest.status == RETURN_INSPECTED))
             .order_by(ReturnRequest.id).limit(CHUNK)]
    if stuck:
        with database.atomic():
            RETURNS.nudge(stuck)
    return len(stuck)
