"""Tracking events a supplier posts for its drop-ship parcels (POST /api/v1/purchase-orders/<n>/asns/<id>/events)."""
from __future__ import annotations

from datetime import timezone

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from models.shipping.tracking import SHIPMENT_STATUS_FOR_EVENT
from models.supply.dropship import SupplierEvent
from schemas.fields import InputSchema

EVENT_CODES = tuple(SHIPMENT_STATUS_FOR_EVENT)
MAX_EVENTS = 100


class SupplierEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE
    code = fields.String(required=True, validate=validate.OneOf(EVENT_CODES))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)
    location = fields.String(load_default="", validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    event_id = fields.String(load_default="", validate=validate.Length(max=64))  # the supplier's own, optional

    @post_load
    def _to_event(self, data: dict, **kwargs) -> SupplierEvent:
        data["occurred_at"] = data["occurred_at"].astimezone(timezone.utc).replace(tzinfo=None)
        return SupplierEvent(**data)


class SupplierEventsSchema(InputSchema):
    class Meta:
        unknown = EXCLUDE
    events = fields.List(fields.Nested(SupplierEventSchema), required=True,
                         validate=validate.Length(min=1, max=MAX_EVENTS))


supplier_events_schema = SupplierEventsSchema()
