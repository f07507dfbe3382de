"""Waybills and dispatch, one shipment at a time: the wrappers over the batch booking (models.shipping.booking),
a carrier's refusal or last error, and the release of a cancelled shipment's booking.

The carrier call itself happens between ``prepare_waybill`` (which commits the ``requested`` row, its carrier
and its idempotency key first) and ``record_waybill`` (which stores the number and dispatches the stock).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import peewee

from models.core.bulk import update_from_values
from models.core.db import database, lock_for_update
from models.core.transitions import transition
from models.orders.tables import Order, Reservation
from models.shipping.booking import (
    BookedWaybill,
    CarrierChoice,
    Parcel,
    WaybillJob,
    booking_reference,
    left_to_ops,
    one_by_one,
    prepare_waybills,
    record_waybills,
)
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_FAILED,
    SHIPMENT_READY,
    WAYBILL_CANCELLED,
    WAYBILL_FAILED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import (
    CancelledWaybill,
    Shipment,
    ShipmentAlert,
    ShipmentLine,
    Waybill,
)


def prepare_waybill(shipment_id: int, *, choose: Callable[[Parcel], CarrierChoice]) -> WaybillJob | None:
    """``prepare_waybills`` for one shipment: its job, or None when nothing is to be asked (not ready, already
    issued, parked as failed, or its booking cancelled by ops)."""
    jobs = prepare_waybills([shipment_id], choose=one_by_one(choose))
    return jobs[0] if jobs else None


def waybill_reference(shipment: Shipment, waybill: Waybill) -> str:
    """Our reference for one booking at the carrier, by which an unanswered call is looked up afterwards."""
    return booking_reference(shipment.order.external_ref, shipment.id, waybill.idempotency_key)


def waits_for_ops(shipment: Shipment) -> bool:
    """True when ops cancelled the shipment's booking and have not asked for a new one since."""
    cancelled = (CancelledWaybill.select(peewee.fn.MAX(CancelledWaybill.cancelled_at))
                 .where(CancelledWaybill.shipment == shipment.id).scalar())
    return left_to_ops(shipment.rebook_requested_at, cancelled)


def booking_to_release(shipment_id: int) -> WaybillJob | None:
    """The attempted, never recorded booking of a cancelled shipment, to look up and cancel at the carrier."""
    shipment = Shipment.select(Shipment, Order).join(Order).where(Shipment.id == shipment_id).first()
    waybill = Waybill.get_or_none(Waybill.shipment == shipment_id,
                                  Waybill.status.in_((WAYBILL_REQUESTED, WAYBILL_FAILED)))
    if shipment is None or shipment.status != SHIPMENT_CANCELLED or waybill is None:
        return None
    return WaybillJob(
        shipment_id=shipment_id, carrier=waybill.carrier, service_level=waybill.service_level,
        reference=waybill_reference(shipment, waybill),
        idempotency_key=waybill.idempotency_key, weight_kg=shipment.weight_kg, ship_to={}, attempt=waybill.attempts)


def mark_booking_released(shipment_id: int, found: str | None) -> None:
    """The carrier holds no live booking for the cancelled shipment any more (``found``: the one cancelled)."""
    note = f"cancelled at the carrier: {found}" if found else "the carrier holds no booking"
    (Waybill.update(status=WAYBILL_CANCELLED, last_error=note)
     .where(Waybill.shipment == shipment_id, Waybill.status.in_((WAYBILL_REQUESTED, WAYBILL_FAILED))).execute())


def note_waybill_error(shipment_id: int, error: str) -> None:
    """Keep the carrier's last error on the waybill so ops see why a shipment waits."""
    note_waybill_errors({shipment_id: error})


def note_waybill_errors(errors: Mapping[int, str]) -> None:
    """``note_waybill_error`` for many shipments in one statement."""
    update_from_values(Waybill, ("shipment_id", "last_error"),
                       [(shipment_id, error[:2000]) for shipment_id, error in sorted(errors.items())],
                       set_from_values=("last_error",), match=(("shipment_id", "shipment_id"),))


def fail_waybill(shipment_id: int, error: str, *, actor: str) -> bool:
    """The carrier refused the shipment or kept failing: park it as ``failed`` with an alert for ops."""
    with database.atomic():
        if not transition("shipment", shipment_id, SHIPMENT_FAILED, actor=actor, reason=error[:500],
                          expected=SHIPMENT_READY):
            return False
        Waybill.update(status=WAYBILL_FAILED, last_error=error[:2000]).where(Waybill.shipment == shipment_id).execute()
        order_id = Shipment.select(Shipment.order).where(Shipment.id == shipment_id).scalar()
        ShipmentAlert.create(shipment=shipment_id, order=order_id, kind="waybill_failed",
                             message=f"No waybill: {error[:1000]}")
    return True


def record_waybill(shipment_id: int, *, waybill_number: str, tracking_url: str, actor: str,
                   poll_every: timedelta | None = None) -> bool:
    """Store the issued waybill, dispatch the shipment's stock and ship the order when every part of it left
    (``record_waybills`` for one shipment); False when it was dispatched already or cancelled meanwhile."""
    booked = BookedWaybill(waybill_number=waybill_number, tracking_url=tracking_url, poll_every=poll_every)
    return shipment_id in record_waybills({shipment_id: booked}, actor=actor)


def shipment_reservations(shipment: Shipment, status: str) -> peewee.ModelSelect:
    """The reservations a shipment carries: its lines at its warehouse, in stock-row order for locking."""
    line_ids = ShipmentLine.select(ShipmentLine.order_line).where(ShipmentLine.shipment == shipment.id)
    return lock_for_update(Reservation.select().where(
        Reservation.order_line.in_(line_ids), Reservation.warehouse == shipment.warehouse_id,
        Reservation.status == status).order_by(Reservation.stock))
