"""Tracking stage: ask carriers without webhooks for their events and apply them like webhook events."""
from __future__ import annotations

import dramatiq

from models.core.stages import TRACKING_POLLS
from models.shipping.tracking import CarrierEvent, record_tracking_events
from models.shipping.tracking_polls import polled_waybill
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.carriers import carrier_for
from workers.options import CARRIER_STAGE


@dramatiq.actor(queue_name=TRACKING_POLLS.queue_name, actor_name=TRACKING_POLLS.actor_name, **CARRIER_STAGE)
def poll_tracking(waybill_ids: list[int]) -> None:
    run_for_each(waybill_ids, poll_waybill, what="tracking poll of waybill")


def poll_waybill(waybill_id: int) -> None:
    """Fetch the waybill's events and store the new ones; the sweeper schedules the next poll."""
    waybill = polled_waybill(waybill_id)
    if waybill is None:
        return
    updates = carrier_for(waybill.carrier, current_settings()).fetch_tracking(waybill.waybill_number)
    events = [CarrierEvent(event_id=u.event_id, waybill_number=u.waybill_number, code=u.code,
                           occurred_at=u.occurred_at.replace(tzinfo=None), description=u.description,
                           location=u.location) for u in updates]
    record_tracking_events(waybill.carrier, events, actor=f"worker:{TRACKING_POLLS.actor_name}")
