"""Cancelling a booking at the carrier before pickup, for the ops portal: the carrier call, then the record."""
from __future__ import annotations

from models.core.config import Settings
from models.shipping.waybill_changes import (
    cancellable_waybill,
    record_waybill_cancellation,
)
from workers.carriers import carrier_for


def cancel_booking(shipment_id: int, *, actor: str, reason: str, settings: Settings) -> bool:
    """Cancel the shipment's waybill at its carrier, then put the shipment back to ``ready`` with its stock
    still reserved. Carrier errors propagate (CarrierRejected: too late, e.g. picked up; CarrierUnavailable:
    try again) and nothing changes here; a repeated cancel of a cancelled waybill is harmless at the carrier."""
    waybill = cancellable_waybill(shipment_id)
    carrier_for(waybill.carrier, settings).cancel_waybill(waybill.waybill_number)
    return record_waybill_cancellation(shipment_id, actor=actor, reason=reason)
