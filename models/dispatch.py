"""Waybills and dispatch: the database side of asking a carrier for a waybill, exactly once per shipment.

The carrier call itself happens between ``prepare_waybill`` (which commits the ``requested`` row and
its idempotency key first) and ``record_waybill`` (which stores the number and dispatches the stock).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import peewee

from models.base import utc_now
from models.db import database, lock_for_update
from models.errors import InvariantViolated
from models.orders import Order, Reservation
from models.receivables import issue_invoice
from models.shipping import Shipment, ShipmentLine, Waybill
from models.inventory import Stock
from models.transitions import transition


@dataclass(frozen=True)
class WaybillJob:
    """Everything the carrier needs for one shipment, read from the database."""

    shipment_id: int
    reference: str
    idempotency_key: str
    weight_kg: Decimal
    ship_to: dict


def prepare_waybill(shipment_id: int, *, carrier: str) -> WaybillJob | None:
    """Commit a ``requested`` waybill row (once) and return the job; None if nothing is to be asked."""
    with database.atomic():
        shipment = (Shipment.select(Shipment, Order).join(Order).where(Shipment.id == shipment_id).first())
        if shipment is None or shipment.status != "ready":
            return None
        waybill = Waybill.get_or_none(Waybill.shipment == shipment_id)
        if waybill is None:
            try:
                with database.atomic():
                    waybill = Waybill.create(shipment=shipment_id, carrier=carrier,
                                             idempotency_key=uuid.uuid4().hex)
            except peewee.IntegrityError:  # a concurrent delivery of the same message won
                waybill = Waybill.get(Waybill.shipment == shipment_id)
        if waybill.status == "issued":
            return None
        (Waybill.update(attempts=Waybill.attempts + 1, last_attempt_at=utc_now())
         .where(Waybill.id == waybill.id).execute())
    order = shipment.order
    return WaybillJob(
        shipment_id=shipment_id,
        reference=f"{order.external_ref}/S{shipment_id}-{waybill.idempotency_key[:8]}",
        idempotency_key=waybill.idempotency_key,
        weight_kg=shipment.weight_kg,
        ship_to={"name": order.ship_to_name, "phone": order.ship_to_phone, "address": order.ship_to_address,
                 "city": order.ship_to_city, "region": order.ship_to_region, "postcode": order.ship_to_postcode,
                 "country": order.ship_to_country},
    )


def note_waybill_error(shipment_id: int, error: str) -> None:
    """Keep the carrier's last error on the waybill so ops see why a shipment waits."""
    Waybill.update(last_error=error[:2000]).where(Waybill.shipment == shipment_id).execute()


def fail_waybill(shipment_id: int, error: str, *, actor: str) -> None:
    """The carrier refused the shipment: park it as ``failed`` for ops, with the reason."""
    with database.atomic():
        Waybill.update(status="failed", last_error=error[:2000]).where(Waybill.shipment == shipment_id).execute()
        transition("shipment", shipment_id, "failed", actor=actor, reason=error[:500], expected="ready")


def record_waybill(shipment_id: int, *, waybill_number: str, tracking_url: str, actor: str) -> bool:
    """Store the issued waybill, dispatch the shipment's stock and ship the order when all its shipments left."""
    with database.atomic():
        shipment = Shipment.get_or_none(Shipment.id == shipment_id)
        if shipment is None:
            return False
        order = Order.locked(shipment.order_id)
        if not transition("shipment", shipment_id, "dispatched", actor=actor,
                          reason=f"waybill {waybill_number}", expected="ready"):
            return False  # already dispatched by a duplicate run, or cancelled meanwhile
        (Waybill.update(status="issued", waybill_number=waybill_number, tracking_url=tracking_url,
                        issued_at=utc_now(), last_error="")
         .where(Waybill.shipment == shipment_id).execute())
        _consume_reservations(shipment)
        if not Shipment.select().where(Shipment.order == order.id, Shipment.status.in_(("ready", "failed"))).exists():
            if transition("order", order.id, "shipped", actor=actor, reason="all shipments dispatched",
                          expected=("allocated", "partially_allocated")):
                issue_invoice(order, actor=actor)  # the receivable: it raises the outstanding balance
    return True


def _consume_reservations(shipment: Shipment) -> None:
    """The goods left the warehouse: on_hand and reserved both drop, the reservations are fulfilled."""
    line_ids = [row.order_line_id for row in ShipmentLine.select(ShipmentLine.order_line)
                .where(ShipmentLine.shipment == shipment.id)]
    held = list(lock_for_update(Reservation.select().where(
        Reservation.order_line.in_(line_ids), Reservation.warehouse == shipment.warehouse_id,
        Reservation.status == "active").order_by(Reservation.stock)))
    for reservation in held:
        moved = (Stock.update(on_hand=Stock.on_hand - reservation.quantity, reserved=Stock.reserved - reservation.quantity,
                              updated_at=utc_now())
                 .where(Stock.id == reservation.stock_id, Stock.reserved >= reservation.quantity).execute())
        if not moved:
            raise InvariantViolated(f"stock {reservation.stock_id} holds less than reservation {reservation.id}")
        (Reservation.update(status="fulfilled", updated_at=utc_now())
         .where(Reservation.id == reservation.id, Reservation.status == "active").execute())
