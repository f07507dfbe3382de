"""Polling carriers without webhooks: which issued waybills are due, claimed and nudged by the sweeper."""
from __future__ import annotations

from datetime import timedelta

from models.core.base import utc_now
from models.core.db import database
from models.core.stages import TRACKING_POLLS
from models.shipping.states import (
    SHIPMENT_DISPATCHED,
    SHIPMENT_EXCEPTION,
    SHIPMENT_IN_TRANSIT,
    WAYBILL_ISSUED,
)
from models.shipping.tables import Shipment, Waybill

CHUNK = 500
OPEN_SHIPMENT_STATES = (SHIPMENT_DISPATCHED, SHIPMENT_IN_TRANSIT, SHIPMENT_EXCEPTION)


def schedule_due_polls(every: timedelta) -> int:
    """Nudge the polling actor for each polled waybill whose time has come, and move its next poll on by
    ``every`` in the same transaction (a lost nudge is simply retried at the next due time)."""
    now = utc_now()
    with database.atomic():
        due = [row.id for row in Waybill.select(Waybill.id).join(Shipment)
               .where(Waybill.next_poll_at <= now, Waybill.status == WAYBILL_ISSUED, Waybill.tracking_mode == "poll",
                      Shipment.status.in_(OPEN_SHIPMENT_STATES))
               .order_by(Waybill.next_poll_at).limit(CHUNK)]
        if due:
            Waybill.update(next_poll_at=now + every).where(Waybill.id.in_(due)).execute()
            TRACKING_POLLS.nudge(due)
    return len(due)


def polled_waybill(waybill_id: int) -> Waybill | None:
    """The issued, polled waybill of a shipment still on its way; None when there is nothing to ask."""
    return (Waybill.select(Waybill).join(Shipment)
            .where(Waybill.id == waybill_id, Waybill.status == WAYBILL_ISSUED, Waybill.tracking_mode == "poll",
                   Shipment.status.in_(OPEN_SHIPMENT_STATES)).first())
