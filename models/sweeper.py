"""Re-driving orders stuck in a working state: the safety net behind the outbox for lost messages."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.stages import ALLOCATION, INTAKE, RETURNS, REVIEW, SHIPPING
from models.core.text_messages import TextMessage
from models.core.texts import Text
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
# Returns the returns stage moves on by itself: approved (exchange, label) and inspected (settling).
RETURN_WORKING_STATES = (RETURN_APPROVED, RETURN_INSPECTED)

# The stage that moves an order on from each working status (see models.orders.states.ORDER_WORKING_STATES).
STAGE_FOR_ORDER_STATUS = {
    ORDER_RECEIVED: INTAKE,
    ORDER_REVIEWING: REVIEW,
    ORDER_APPROVED: ALLOCATION,
    ORDER_ALLOCATED: SHIPPING,
}


def stuck_orders(status: str, cutoff: datetime) -> peewee.ModelSelect:
    """Orders in the working ``status`` since before ``cutoff`` and not re-driven since: what the sweep nudges."""
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
    return stuck


def redrive_orders(status: str, order_ids: Iterable[int], *, by: str = "") -> list[int]:
    """Stamp ``redriven_at`` on those of ``order_ids`` still in the working ``status`` and send their stage's
    message again, in chunks: the sweep's own nudge. With ``by`` (someone who asked), each is also put on the
    order's audit trail. Returns the ids re-driven."""
    stage = STAGE_FOR_ORDER_STATUS.get(status)
    if stage is None:
        raise ValidationFailed({"status": [TextMessage(Text("not a working status: %(status)s", status=status))]},
                               TextMessage(Text("only working orders are re-driven")))
    wanted = sorted(set(order_ids))
    done: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        with database.atomic():
            chunk = [row.id for row in Order.select(Order.id)
                     .where(Order.id.in_(wanted[start:start + CHUNK]), Order.status == status)]
            if not chunk:
                continue
            Order.update(redriven_at=utc_now()).where(Order.id.in_(chunk)).execute()
            stage.nudge(chunk)
            _audit("order", status, chunk, by)
        done += chunk
    return done


def redrive_stuck_orders(older_than: timedelta) -> dict[str, int]:
    """Nudge again every order whose working status is older than ``older_than`` (once per such period).

    Steps are idempotent, so a nudge for an order that was only slow costs one no-op.
    Returns how many orders were re-driven per status.
    """
    cutoff = utc_now() - older_than
    counts: dict[str, int] = {}
    for status in STAGE_FOR_ORDER_STATUS:
        ids = [row.id for row in stuck_orders(status, cutoff).select(Order.id).order_by(Order.id)
               .limit(CHUNK * 10)]
        redriven = redrive_orders(status, ids)
        if redriven:
            counts[status] = len(redriven)
    return counts


def stuck_returns(cutoff: datetime) -> peewee.ModelSelect:
    """Approved returns still without a label and inspected ones not settled, in that status since before
    ``cutoff``; a label being retried (attempted since ``cutoff``) or parked as failed is left alone."""
    busy = ReturnLabel.select(ReturnLabel.return_request).where(
        (ReturnLabel.status != "requested") | (ReturnLabel.last_attempt_at >= cutoff))
    return (ReturnRequest.select()
            .where(ReturnRequest.status.in_(RETURN_WORKING_STATES),
                   ReturnRequest.status_changed_at < cutoff,
                   ReturnRequest.id.not_in(busy) | (ReturnRequest.status == RETURN_INSPECTED)))


def redrive_returns(return_ids: Iterable[int], *, by: str = "") -> list[int]:
    """Send the returns stage's message again for those of ``return_ids`` still approved or inspected: the
    sweep's own nudge; with ``by``, each is put on the return's audit trail. Returns the ids re-driven."""
    wanted = sorted(set(return_ids))
    done: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        with database.atomic():
            rows = list(ReturnRequest.select(ReturnRequest.id, ReturnRequest.status)
                        .where(ReturnRequest.id.in_(wanted[start:start + CHUNK]),
                               ReturnRequest.status.in_(RETURN_WORKING_STATES)))
            if not rows:
                continue
            chunk = [row.id for row in rows]
            RETURNS.nudge(chunk)
            for status in {row.status for row in rows}:
                _audit("return", status, [row.id for row in rows if row.status == status], by)
        done += chunk
    return done


def redrive_stuck_returns(older_than: timedelta) -> int:
    """Nudge again the returns ``stuck_returns`` finds once they are older than ``older_than``."""
    cutoff = utc_now() - older_than
    stuck = [row.id for row in stuck_returns(cutoff).select(ReturnRequest.id)
             .order_by(ReturnRequest.id).limit(CHUNK)]
    return len(redrive_returns(stuck))


def _audit(entity: str, status: str, ids: list[int], by: str) -> None:
    """The re-drive on each entity's trail (status unchanged), when someone asked for it."""
    if by:
        at = utc_now()
        StatusChange.insert_many([{"entity": entity, "entity_id": entity_id, "from_status": status,
                                   "to_status": status, "actor": by, "reason": "re-driven", "at": at}
                                  for entity_id in ids]).execute()
