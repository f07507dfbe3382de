"""Outbound shipment events: written once per shipment and kind in the transaction that caused them, then
mailed to the customer (through the outbox) and offered to the order's channel in the events feed."""
from __future__ import annotations

import json

import peewee

from models.db import database
from models.orders import Order
from models.shipping import Shipment, ShipmentEvent, Waybill
from models.stages import SHIPMENT_MAILS

EVENT_KINDS = ("shipped", "out_for_delivery", "delivered", "exception")
MAILED_KINDS = ("shipped", "out_for_delivery", "delivered")

def record_shipment_event(shipment_id: int, kind: str, *, detail: str = "") -> bool:
    """Write the ``kind`` event of a shipment once (False if it exists) and nudge its customer mail.

    Call inside the transaction that moved the shipment, so the event and its mail commit with the change.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown shipment event kind {kind!r}")
    shipment = (Shipment.select(Shipment, Order).join(Order).where(Shipment.id == shipment_id).get())
    waybill = Waybill.get_or_none(Waybill.shipment == shipment_id)
    payload = {
        "order_id": shipment.order_id, "order_ref": shipment.order.external_ref, "shipment_id": shipment_id,
        "kind": kind, "carrier": waybill.carrier if waybill else shipment.carrier,
        "waybill_number": waybill.waybill_number if waybill else None,
        "tracking_url": waybill.tracking_url if waybill else "", "detail": detail,
    }

    try:
        with database.atomic():
            event = ShipmentEvent.create(order=shipment.order_id, shipment=shipment_id, kind=kind,
                                         payload_json=json.dumps(payload))
    except peewee.IntegrityError:
        return False
    if kind in MAILED_KINDS and shipment.order.ship_to_email:
        SHIPMENT_MAILS.nudge([event.id])
    return True
