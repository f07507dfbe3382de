"""Shipments, their lines, carrier waybills (one per shipment) and tracking events."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.registry import register_status_table, register_tables
from models.inventory.tables import Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.shipping.states import SHIPMENT_READY, WAYBILL_REQUESTED


class Shipment(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="shipments", on_delete="CASCADE",
                                   index=False)  # led by the unique (order, warehouse, wave)
    # None for a drop-ship shipment: the supplier ships it (see ``supplier`` and the ASN it came from)
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, backref="shipments", on_delete="RESTRICT")
    supplier = peewee.ForeignKeyField(Partner, null=True, backref="dropship_shipments", on_delete="RESTRICT",
                                      index=False)  # indexed where set (migration 0032)
    wave = peewee.IntegerField(default=1)  # a later wave ships what a backorder released
    status = peewee.CharField(max_length=32, default=SHIPMENT_READY)
    weight_kg = peewee.DecimalField(max_digits=10, decimal_places=3, auto_round=True, default=0)
    carrier = peewee.CharField(max_length=32, default="sandbox")
    service_level = peewee.CharField(max_length=16, default="standard")  # economy, standard, express
    rebook_requested_at = peewee.DateTimeField(null=True)  # ops asked for a new waybill after cancelling one
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = (
            (("order", "warehouse", "wave"), True),
            (("status", "status_changed_at"), False),
        )


class ShipmentLine(BaseModel):
    shipment = peewee.ForeignKeyField(Shipment, backref="lines", on_delete="CASCADE",
                                      index=False)  # led by the unique (shipment, order_line)
    order_line = peewee.ForeignKeyField(OrderLine, backref="shipment_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()

    class Meta:
        indexes = ((("shipment", "order_line"), True),)
        constraints = [peewee.Check("quantity > 0")]


class Waybill(BaseModel):
    """The carrier's consignment for a shipment. The row is committed as ``requested`` before the
    carrier is called, and its idempotency key is sent with every attempt."""

    shipment = peewee.ForeignKeyField(Shipment, backref="waybills", unique=True, on_delete="CASCADE")
    carrier = peewee.CharField(max_length=32)
    idempotency_key = peewee.CharField(max_length=64, unique=True)
    status = peewee.CharField(max_length=16, default=WAYBILL_REQUESTED)  # requested, issued, failed, cancelled
    waybill_number = peewee.CharField(max_length=64, null=True, unique=True)
    tracking_url = peewee.CharField(max_length=500, default="")
    attempts = peewee.IntegerField(default=0)
    last_attempt_at = peewee.DateTimeField(null=True)
    last_error = peewee.TextField(default="")
    requested_at = peewee.DateTimeField(default=utc_now)
    issued_at = peewee.DateTimeField(null=True)
    service_level = peewee.CharField(max_length=16, default="standard")
    quoted_price = MoneyField(null=True)
    quoted_currency = peewee.CharField(max_length=3, default="")
    choice_reason = peewee.CharField(max_length=500, default="")  # which rule or quote chose the carrier
    tracking_mode = peewee.CharField(max_length=8, default="webhook")  # webhook, or poll for carriers without
    next_poll_at = peewee.DateTimeField(null=True)  # when the polling actor asks the carrier next


class CancelledWaybill(BaseModel):
    """A booking ops cancelled at the carrier before pickup; the shipment's waybill row starts afresh."""

    shipment = peewee.ForeignKeyField(Shipment, backref="cancelled_waybills", on_delete="CASCADE")
    carrier = peewee.CharField(max_length=32)
    waybill_number = peewee.CharField(max_length=64)
    idempotency_key = peewee.CharField(max_length=64)
    issued_at = peewee.DateTimeField(null=True)
    cancelled_at = peewee.DateTimeField(default=utc_now)
    cancelled_by = peewee.CharField(max_length=254)
    reason = peewee.CharField(max_length=500, default="")


class TrackingEvent(BaseModel):
    shipment = peewee.ForeignKeyField(Shipment, backref="tracking_events", on_delete="CASCADE")
    carrier = peewee.CharField(max_length=32)
    carrier_event_id = peewee.CharField(max_length=128)
    code = peewee.CharField(max_length=32)  # picked_up, in_transit, out_for_delivery, delivered, exception…
    description = peewee.TextField(default="")
    location = peewee.CharField(max_length=200, default="")
    occurred_at = peewee.DateTimeField()
    received_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = (
            (("carrier", "carrier_event_id"), True),
            (("shipment", "occurred_at"), False),
        )


class ShipmentEvent(BaseModel):
    """An outbound event about a shipment (shipped, out for delivery, delivered, exception): once per kind and
    booking (a waybill cancelled and booked again is shipped anew), mailed to the customer and readable by the
    order's channel from the events feed."""

    order = peewee.ForeignKeyField(Order, backref="shipment_events", on_delete="CASCADE")
    shipment = peewee.ForeignKeyField(Shipment, backref="events", on_delete="CASCADE", index=False)
    kind = peewee.CharField(max_length=32)
    booking = peewee.IntegerField(default=0)  # how many bookings of the shipment were cancelled before this one
    payload_json = peewee.TextField()
    created_at = peewee.DateTimeField(default=utc_now)
    mailed_at = peewee.DateTimeField(null=True)
    mail_error = peewee.TextField(default="")

    class Meta:
        indexes = ((("shipment", "kind", "booking"), True),)


class ShipmentAlert(BaseModel):
    """Something ops must look at: a carrier exception on a parcel, or a shipment the carrier keeps refusing."""

    shipment = peewee.ForeignKeyField(Shipment, backref="alerts", on_delete="CASCADE")
    order = peewee.ForeignKeyField(Order, backref="shipment_alerts", on_delete="CASCADE")
    tracking_event = peewee.ForeignKeyField(TrackingEvent, null=True, unique=True, on_delete="CASCADE")
    kind = peewee.CharField(max_length=32)  # failed_attempt, lost, returned_to_sender, exception, waybill_failed
    message = peewee.TextField()
    status = peewee.CharField(max_length=8, default="open")  # open, resolved
    raised_at = peewee.DateTimeField(default=utc_now)
    resolved_at = peewee.DateTimeField(null=True)
    resolved_by = peewee.CharField(max_length=254, default="")

    class Meta:
        indexes = ((("status", "raised_at"), False),)


register_tables(Shipment, ShipmentLine, Waybill, TrackingEvent, CancelledWaybill, ShipmentEvent, ShipmentAlert)
register_status_table("shipment", Shipment)
