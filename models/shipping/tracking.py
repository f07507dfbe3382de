"""Carrier tracking events: stored once each, in order, moving shipments and orders to delivered."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import peewee

from models.core.audit_reasons import (
    ALL_DELIVERED,
    CARRIER_EVENT,
    CARRIER_EVENT_AT,
    DELIVERED_TO_CUSTOMER,
    say,
)
from models.core.base import utc_now
from models.core.db import database
from models.core.transitions import transition
from models.orders.states import ORDER_DELIVERED, ORDER_SHIPPED
from models.reports.sales_rollup import record_orders_delivered
from models.returns.labels import is_return_label, mark_in_transit
from models.shipping.completion import awaiting_supplier_purchases
from models.shipping.events import record_shipment_event
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_DELIVERED,
    SHIPMENT_EXCEPTION,
    SHIPMENT_IN_TRANSIT,
    SHIPMENT_RETURNED,
)
from models.shipping.tables import Shipment, ShipmentAlert, TrackingEvent, Waybill
from models.supply.states import PO_CLOSED, PO_SHIPPED
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder

# Which shipment status each carrier event code leads to (codes not listed are stored only).
SHIPMENT_STATUS_FOR_EVENT = {
    "picked_up": SHIPMENT_IN_TRANSIT,
    "in_transit": SHIPMENT_IN_TRANSIT,
    "out_for_delivery": SHIPMENT_IN_TRANSIT,
    "delivered": SHIPMENT_DELIVERED,
    "exception": SHIPMENT_EXCEPTION,
    "failed_attempt": SHIPMENT_EXCEPTION,
    "delivery_failed": SHIPMENT_EXCEPTION,
    "lost": SHIPMENT_EXCEPTION,
    "returned_to_sender": SHIPMENT_RETURNED,
}
FINAL_SHIPMENT_STATES = (SHIPMENT_DELIVERED, SHIPMENT_RETURNED)
RETURN_MOVING_CODES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
# Events ops must look at: each raises a shipment alert (and the customer's "exception" event).
EXCEPTION_CODES = ("exception", "failed_attempt", "delivery_failed", "lost", "returned_to_sender")
# Events the customer hears about, by the shipment event kind they become.
CUSTOMER_EVENT_FOR_CODE = {"out_for_delivery": "out_for_delivery", "delivered": "delivered"}


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
    return_events: int = 0  # events of reverse labels: they move returns, the warehouse receipt does the rest


def record_tracking_events(carrier: str, events: list[CarrierEvent], *, actor: str) -> TrackingResult:
    """Store each new event (a repeated event id is ignored) and apply its status change."""
    result = TrackingResult()
    for event in sorted(events, key=lambda e: e.occurred_at):
        with database.atomic():
            waybill = Waybill.get_or_none(Waybill.carrier == carrier, Waybill.waybill_number == event.waybill_number)
            if waybill is None:
                if is_return_label(carrier, event.waybill_number):
                    if event.code in RETURN_MOVING_CODES:
                        mark_in_transit(carrier, event.waybill_number, actor=actor)
                    result.return_events += 1
                else:
                    result.unknown_waybills += 1
                continue
            try:
                with database.atomic():
                    stored = TrackingEvent.create(shipment=waybill.shipment_id, carrier=carrier,
                                                  carrier_event_id=event.event_id, code=event.code,
                                                  description=event.description, location=event.location,
                                                  occurred_at=event.occurred_at)
            except peewee.IntegrityError:
                result.duplicates += 1
                continue
            result.stored += 1
            _apply(waybill.shipment_id, event, actor=actor)
            _tell(waybill.shipment_id, stored, event)
    return result


def _tell(shipment_id: int, stored: TrackingEvent, event: CarrierEvent) -> None:
    """Raise the ops alert of an exception and write the customer's event, in the event's transaction."""
    where = f" at {event.location}" if event.location else ""
    if event.code in EXCEPTION_CODES:
        order_id = Shipment.select(Shipment.order).where(Shipment.id == shipment_id).scalar()
        ShipmentAlert.create(shipment=shipment_id, order=order_id, tracking_event=stored.id, kind=event.code,
                             message=f"{event.code.replace('_', ' ')}{where}: {event.description}"[:2000])
        record_shipment_event(shipment_id, "exception", detail=f"{event.description}{where}")
    elif event.code in CUSTOMER_EVENT_FOR_CODE:
        record_shipment_event(shipment_id, CUSTOMER_EVENT_FOR_CODE[event.code], detail=f"{event.description}{where}")


def _apply(shipment_id: int, event: CarrierEvent, *, actor: str) -> None:
    target = SHIPMENT_STATUS_FOR_EVENT.get(event.code)
    if target is None:
        return
    reason = say(CARRIER_EVENT_AT, code=event.code, location=event.location) if event.location \
        else say(CARRIER_EVENT, code=event.code)
    if not transition("shipment", shipment_id, target, actor=actor, reason=reason):
        return
    if target in FINAL_SHIPMENT_STATES:
        Waybill.update(next_poll_at=None).where(Waybill.shipment == shipment_id).execute()
    if target == SHIPMENT_DELIVERED:
        _close_delivered_dropship(shipment_id, actor=actor)
        order_id = Shipment.select(Shipment.order).where(Shipment.id == shipment_id).scalar()
        undelivered = Shipment.select().where(Shipment.order == order_id, Shipment.status != SHIPMENT_DELIVERED,
                                              Shipment.status != SHIPMENT_CANCELLED).exists()
        if not undelivered:
            if transition("order", order_id, ORDER_DELIVERED, actor=actor, reason=ALL_DELIVERED,
                          expected=ORDER_SHIPPED):
                record_orders_delivered([order_id])


def _close_delivered_dropship(shipment_id: int, *, actor: str) -> None:
    """shipped → closed for the drop-ship purchase order of a delivered parcel, once the supplier shipped all it
    ordered and every one of its parcels is delivered."""
    purchase_ids = [asn.purchase_order_id for asn in AdvanceShippingNotice.select(AdvanceShippingNotice.purchase_order)
                    .where(AdvanceShippingNotice.shipment == shipment_id)]
    for purchase_id in purchase_ids:
        parcels = (Shipment.select(Shipment.status).join(AdvanceShippingNotice, on=(
            AdvanceShippingNotice.shipment == Shipment.id)).where(AdvanceShippingNotice.purchase_order == purchase_id))
        if (awaiting_supplier_purchases().where(PurchaseOrder.id == purchase_id).exists()
                or any(parcel.status != SHIPMENT_DELIVERED for parcel in parcels)):
            continue
        if transition("purchase_order", purchase_id, PO_CLOSED, actor=actor, reason=DELIVERED_TO_CUSTOMER,
                      expected=PO_SHIPPED):
            PurchaseOrder.update(closed_at=utc_now()).where(PurchaseOrder.id == purchase_id).execute()
