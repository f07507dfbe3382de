"""Carrier tracking events: stored once each, in order, moving shipments and orders to delivered."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from models.db import database
from models.shipping import Shipment, TrackingEvent, Waybill
from models.transitions import transition

# Which shipment status each carrier event code leads to (codes not listed are stored only).
SHIPMENT_STATUS_FOR_EVENT = {
    "picked_up": "in_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "in_transit",
    "delivered": "delivered",
    "exception": "exception",
    "failed_attempt": "exception",
    "lost": "exception",
    "returned_to_sender": "returned",
}


@dataclass(frozen=True)
class CarrierEvent:
    event_id: str
    waybill_number: str
    code: str
    occurred_at: datetime  # naive UTC
    description: str = ""
    location: str = ""


@dataclass
class TrackingResult:
    stored: int = 0
    duplicates: int = 0
    unknown_waybills: int = 0


def record_tracking_events(carrier: str, events: list[CarrierEvent], *, actor: str) -> TrackingResult:
    """Store each new event (a repeated event id is ignored) and apply its status change."""
    result = TrackingResult()
    for event in sorted(events, key=lambda e: e.occurred_at):
        with database.atomic():
            waybill = Waybill.get_or_none(Waybill.carrier == carrier, Waybill.waybill_number == event.waybill_number)
            if waybill is None:
                result.unknown_waybills += 1
                continue
            try:
                with database.atomic():
                    TrackingEvent.create(shipment=waybill.shipment_id, carrier=carrier,
                                         carrier_event_id=event.event_id, code=event.code,
                                         description=event.description, location=event.location,
                                         occurred_at=event.occurred_at)
            except peewee.IntegrityError:
                result.duplicates += 1
                continue
            result.stored += 1
            _apply(waybill.shipment_id, event, actor=actor)
    return result


def _apply(shipment_id: int, event: CarrierEvent, *, actor: str) -> None:
    target = SHIPMENT_STATUS_FOR_EVENT.get(event.code)
    if target is None:
        return
    reason = f"carrier event {event.code}" + (f" at {event.location}" if event.location else "")
    if not transition("shipment", shipment_id, target, actor=actor, reason=reason):
        return
    if target == "delivered":
        order_id = Shipment.select(Shipment.order).where(Shipment.id == shipment_id).scalar()
        undelivered = Shipment.select().where(Shipment.order == order_id, Shipment.status != "delivered",
                                              Shipment.status != "cancelled").exists()
        if not undelivered:
            transition("order", order_id, "delivered", actor=actor, reason="all shipments delivered",
                       expected="shipped")
