"""What ops do to a shipment's booking: cancel it before pickup, book again, retry a failed one, close alerts."""
from __future__ import annotations

import uuid

from models.core.audit_reasons import (
    CHOSEN_BY,
    RETRY_REQUESTED,
    SHIPMENT_WAYBILL_CANCELLED,
    SHIPMENT_WAYBILL_CANCELLED_EARLY,
    WAYBILL_CANCELLED,
    say,
)
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import (
    InvalidTransition,
    InvariantViolated,
    NotFound,
    ValidationFailed,
)
from models.core.stages import WAYBILLS
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import transition
from models.inventory.tables import Stock
from models.orders.states import ORDER_ALLOCATED, ORDER_SHIPPED
from models.orders.tables import Order, Reservation
from models.receivables.ledger import withdraw_invoice
from models.reports.sales_rollup import record_orders_unshipped
from models.shipping.booking import record_shipment_movements
from models.shipping.dispatch import shipment_reservations
from models.shipping.rules import SERVICE_LEVELS
from models.shipping.states import (
    SHIPMENT_DISPATCHED,
    SHIPMENT_FAILED,
    SHIPMENT_READY,
    WAYBILL_FAILED,
    WAYBILL_ISSUED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import (
    CancelledWaybill,
    Shipment,
    ShipmentAlert,
    TrackingEvent,
    Waybill,
)


def cancellable_waybill(shipment_id: int) -> Waybill:
    """The issued waybill of a dispatched shipment the carrier has not picked up yet, or InvalidTransition."""
    shipment = Shipment.get_or_none(Shipment.id == shipment_id)
    if shipment is None:
        raise NotFound(f"no shipment {shipment_id}")
    if shipment.warehouse_id is None:
        raise InvalidTransition(TextMessage(Text(
            "shipment %(id)s is drop-shipped: its waybill is the supplier's booking", id=shipment_id)))
    waybill = Waybill.get_or_none(Waybill.shipment == shipment_id)
    if shipment.status != SHIPMENT_DISPATCHED or waybill is None or waybill.status != WAYBILL_ISSUED:
        raise InvalidTransition(TextMessage(Text(
            "shipment %(id)s is %(status)s: only a dispatched shipment's waybill can be cancelled", id=shipment_id,
            status=Text(shipment.status))))
    if TrackingEvent.select().where(TrackingEvent.shipment == shipment_id).exists():
        raise InvalidTransition(TextMessage(Text(
            "shipment %(id)s has tracking events: the carrier has it already", id=shipment_id)))
    return waybill


def record_waybill_cancellation(shipment_id: int, *, actor: str, reason: str) -> bool:
    """The carrier cancelled the waybill: keep it as history, put the goods back under their reservations
    (still reserved for the order) and the shipment back to ``ready``; the order is ``allocated`` again."""
    with database.atomic():
        shipment = Shipment.get_or_none(Shipment.id == shipment_id)
        if shipment is None:
            return False
        Order.locked(shipment.order_id)
        waybill = Waybill.get_or_none(Waybill.shipment == shipment_id, Waybill.status == WAYBILL_ISSUED)
        if waybill is None or not transition(
                "shipment", shipment_id, SHIPMENT_READY, actor=actor, expected=SHIPMENT_DISPATCHED,
                reason=say(WAYBILL_CANCELLED, waybill=waybill.waybill_number, reason=reason)[:500]):
            return False
        CancelledWaybill.create(shipment=shipment_id, carrier=waybill.carrier, waybill_number=waybill.waybill_number,
                                idempotency_key=waybill.idempotency_key, issued_at=waybill.issued_at,
                                cancelled_by=actor, reason=reason[:500])
        waybill.delete_instance()
        _restore_reservations(shipment, actor=actor)
        if transition("order", shipment.order_id, ORDER_ALLOCATED, actor=actor,
                      reason=say(SHIPMENT_WAYBILL_CANCELLED, shipment=shipment_id), expected=ORDER_SHIPPED):
            withdraw_invoice(Order.get_by_id(shipment.order_id), actor=actor,
                             reason=say(SHIPMENT_WAYBILL_CANCELLED_EARLY, shipment=shipment_id))
            record_orders_unshipped([shipment.order_id])
    return True


def _restore_reservations(shipment: Shipment, *, actor: str) -> None:
    """Undo the dispatch: the units are on hand again, back in the stock ledger, and stay reserved for the same
    lines."""
    restored = list(shipment_reservations(shipment, "fulfilled"))
    if restored:
        record_shipment_movements([shipment.id], [reservation.id for reservation in restored], kind="unshipped",
                                  sign=1, actor=actor, at=utc_now())
    for reservation in restored:
        moved = (Stock.update(on_hand=Stock.on_hand + reservation.quantity,
                              reserved=Stock.reserved + reservation.quantity, updated_at=utc_now())
                 .where(Stock.id == reservation.stock_id).execute())
        if not moved:
            raise InvariantViolated(f"stock {reservation.stock_id} of reservation {reservation.id} is gone")
        (Reservation.update(status="active", updated_at=utc_now())
         .where(Reservation.id == reservation.id, Reservation.status == "fulfilled").execute())


def book_again(shipment_id: int, *, actor: str, carrier: str | None = None,
               service_level: str | None = None, carriers: tuple[str, ...] = ()) -> None:
    """Ask for a new waybill for a ready shipment whose booking was cancelled; a named carrier skips the rules."""
    if service_level is not None and service_level not in SERVICE_LEVELS:
        raise ValidationFailed({"service_level": [TextMessage(Text("one of %(choices)s",
                                                                   choices=", ".join(SERVICE_LEVELS)))]})
    if carrier is not None and carrier not in carriers:
        raise ValidationFailed({"carrier": [TextMessage(Text("one of %(choices)s", choices=", ".join(carriers)))]})
    with database.atomic():
        shipment = Shipment.get_or_none(Shipment.id == shipment_id)
        if shipment is None:
            raise NotFound(f"no shipment {shipment_id}")
        if shipment.status != SHIPMENT_READY or Waybill.select().where(Waybill.shipment == shipment_id).exists():
            raise InvalidTransition(TextMessage(Text("shipment %(id)s is %(status)s with a booking under way",
                                                     id=shipment_id, status=Text(shipment.status))))
        Shipment.update(rebook_requested_at=utc_now(), service_level=service_level or shipment.service_level).where(
            Shipment.id == shipment_id).execute()
        if carrier:
            Waybill.create(shipment=shipment_id, carrier=carrier, service_level=service_level or shipment.service_level,
                           idempotency_key=uuid.uuid4().hex, choice_reason=say(CHOSEN_BY, actor=actor))
            Shipment.update(carrier=carrier).where(Shipment.id == shipment_id).execute()
        WAYBILLS.nudge([shipment_id])


def retry_failed_shipment(shipment_id: int, *, actor: str) -> bool:
    """Send a failed shipment to the carrier again with the same idempotency key (a booking made during an
    unanswered last attempt is then returned, not made twice); its waybill alerts are resolved."""
    with database.atomic():
        if not transition("shipment", shipment_id, SHIPMENT_READY, actor=actor, reason=RETRY_REQUESTED,
                          expected=SHIPMENT_FAILED):
            return False
        (Waybill.update(status=WAYBILL_REQUESTED, attempts=0, last_error="")
         .where(Waybill.shipment == shipment_id, Waybill.status == WAYBILL_FAILED).execute())
        (ShipmentAlert.update(status="resolved", resolved_at=utc_now(), resolved_by=actor)
         .where(ShipmentAlert.shipment == shipment_id, ShipmentAlert.kind == "waybill_failed",
                ShipmentAlert.status == "open").execute())
        WAYBILLS.nudge([shipment_id])
    return True


def resolve_alert(alert_id: int, *, actor: str) -> bool:
    """Close an open shipment alert; False if it was closed already."""
    return bool(ShipmentAlert.update(status="resolved", resolved_at=utc_now(), resolved_by=actor)
                .where(ShipmentAlert.id == alert_id, ShipmentAlert.status == "open").execute())
