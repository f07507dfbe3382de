"""Waybills and dispatch: the database side of asking a carrier for a waybill, exactly once per shipment.

The carrier call itself happens between ``prepare_waybill`` (which commits the ``requested`` row, its carrier
and its idempotency key first) and ``record_waybill`` (which stores the number and dispatches the stock).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Callable

import peewee

from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.errors import InvariantViolated
from models.core.transitions import transition
from models.inventory.tables import Stock
from models.orders.tables import Order, Reservation
from models.shipping.completion import ship_order_when_complete
from models.shipping.events import record_shipment_event
from models.shipping.rules import ParcelFacts
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_DISPATCHED,
    SHIPMENT_FAILED,
    SHIPMENT_READY,
    WAYBILL_CANCELLED,
    WAYBILL_FAILED,
    WAYBILL_ISSUED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import (
    CancelledWaybill,
    Shipment,
    ShipmentAlert,
    ShipmentLine,
    Waybill,
)


@dataclass(frozen=True)
class CarrierChoice:
    """The carrier (and why) that books a shipment; kept on the waybill row for every retry."""

    carrier: str
    service_level: str
    reason: str
    tracking_mode: str = "webhook"
    quoted_price: Decimal | None = None
    quoted_currency: str = ""


@dataclass(frozen=True)
class Parcel:
    """What choosing a carrier needs to know about a shipment."""

    facts: ParcelFacts
    ship_to: dict


@dataclass(frozen=True)
class WaybillJob:
    """Everything the carrier needs for one shipment, read from the database."""

    shipment_id: int
    carrier: str
    service_level: str
    reference: str
    idempotency_key: str
    weight_kg: Decimal
    ship_to: dict
    attempt: int


def parcel_of(shipment: Shipment, order: Order) -> Parcel:
    ship_to = {"name": order.ship_to_name, "phone": order.ship_to_phone, "address": order.ship_to_address,
               "city": order.ship_to_city, "region": order.ship_to_region, "postcode": order.ship_to_postcode,
               "country": order.ship_to_country}
    facts = ParcelFacts(region=order.ship_to_region, country=order.ship_to_country, weight_kg=shipment.weight_kg,
                        service_level=shipment.service_level)
    return Parcel(facts=facts, ship_to=ship_to)


def prepare_waybill(shipment_id: int, *, choose: Callable[[Parcel], CarrierChoice]) -> WaybillJob | None:
    """Commit a ``requested`` waybill row (once, with the carrier ``choose`` picks) and count an attempt.

    Returns the job, or None when nothing is to be asked (not ready, already issued, parked as failed).
    ``choose`` may call carriers for quotes, so it runs outside any transaction, and only while no row exists.
    """
    shipment = Shipment.select(Shipment, Order).join(Order).where(Shipment.id == shipment_id).first()
    if shipment is None or shipment.status != SHIPMENT_READY:
        return None
    parcel = parcel_of(shipment, shipment.order)
    if not Waybill.select().where(Waybill.shipment == shipment_id).exists():
        if waits_for_ops(shipment):
            return None  # a late message must not book what ops cancelled
        _open_waybill(shipment_id, choose(parcel))
    with database.atomic():
        waybill = Waybill.get(Waybill.shipment == shipment_id)
        if waybill.status != WAYBILL_REQUESTED:
            return None
        current = Shipment.select(Shipment.status).where(Shipment.id == shipment_id).scalar()
        if current != SHIPMENT_READY:
            return None
        (Waybill.update(attempts=Waybill.attempts + 1, last_attempt_at=utc_now())
         .where(Waybill.id == waybill.id).execute())
    return WaybillJob(
        shipment_id=shipment_id, carrier=waybill.carrier, service_level=waybill.service_level,
        reference=waybill_reference(shipment, waybill),
        idempotency_key=waybill.idempotency_key, weight_kg=shipment.weight_kg, ship_to=parcel.ship_to,
        attempt=waybill.attempts + 1,
    )


def waybill_reference(shipment: Shipment, waybill: Waybill) -> str:
    """Our reference for one booking at the carrier, by which an unanswered call is looked up afterwards."""
    return f"{shipment.order.external_ref}/S{shipment.id}-{waybill.idempotency_key[:8]}"


def waits_for_ops(shipment: Shipment) -> bool:
    """True when ops cancelled the shipment's booking and have not asked for a new one since."""
    cancelled = (CancelledWaybill.select(peewee.fn.MAX(CancelledWaybill.cancelled_at))
                 .where(CancelledWaybill.shipment == shipment.id).scalar())
    return cancelled is not None and (shipment.rebook_requested_at is None or shipment.rebook_requested_at < cancelled)


def _open_waybill(shipment_id: int, choice: CarrierChoice) -> None:
    """The ``requested`` row with a fresh idempotency key; a concurrent run that got there first wins."""
    try:
        with database.atomic():
            Waybill.create(shipment=shipment_id, carrier=choice.carrier, service_level=choice.service_level,
                           idempotency_key=uuid.uuid4().hex, choice_reason=choice.reason[:500],
                           tracking_mode=choice.tracking_mode, quoted_price=choice.quoted_price,
                           quoted_currency=choice.quoted_currency)
            Shipment.update(carrier=choice.carrier).where(Shipment.id == shipment_id).execute()
    except peewee.IntegrityError:
        pass


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
    Waybill.update(last_error=error[:2000]).where(Waybill.shipment == shipment_id).execute()


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
    """Store the issued waybill, dispatch the shipment's stock and ship the order when every part of it left."""
    with database.atomic():
        shipment = Shipment.get_or_none(Shipment.id == shipment_id)
        if shipment is None:
            return False
        order = Order.locked(shipment.order_id)
        if not transition("shipment", shipment_id, SHIPMENT_DISPATCHED, actor=actor,
                          reason=f"waybill {waybill_number}", expected=SHIPMENT_READY):
            return False  # already dispatched by a duplicate run, or cancelled meanwhile
        next_poll = utc_now() + poll_every if poll_every else None
        (Waybill.update(status=WAYBILL_ISSUED, waybill_number=waybill_number, tracking_url=tracking_url,
                        issued_at=utc_now(), last_error="", next_poll_at=next_poll,
                        tracking_mode="poll" if poll_every else "webhook")
         .where(Waybill.shipment == shipment_id).execute())
        _consume_reservations(shipment)
        record_shipment_event(shipment_id, "shipped")
        ship_order_when_complete(order, actor=actor)  # not while a drop-ship part waits for its supplier
    return True


def shipment_reservations(shipment: Shipment, status: str) -> peewee.ModelSelect:
    """The reservations a shipment carries: its lines at its warehouse, in stock-row order for locking."""
    line_ids = ShipmentLine.select(ShipmentLine.order_line).where(ShipmentLine.shipment == shipment.id)
    return lock_for_update(Reservation.select().where(
        Reservation.order_line.in_(line_ids), Reservation.warehouse == shipment.warehouse_id,
        Reservation.status == status).order_by(Reservation.stock))


def _consume_reservations(shipment: Shipment) -> None:
    """The goods left the warehouse: on_hand and reserved both drop, the reservations are fulfilled."""
    for reservation in list(shipment_reservations(shipment, "active")):
        moved = (Stock.update(on_hand=Stock.on_hand - reservation.quantity,
                              reserved=Stock.reserved - reservation.quantity, updated_at=utc_now())
                 .where(Stock.id == reservation.stock_id, Stock.reserved >= reservation.quantity).execute())
        if not moved:
            raise InvariantViolated(f"stock {reservation.stock_id} holds less than reservation {reservation.id}")
        (Reservation.update(status="fulfilled", updated_at=utc_now())
         .where(Reservation.id == reservation.id, Reservation.status == "active").execute())
