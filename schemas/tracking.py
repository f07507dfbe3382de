"""Tracking events as carriers post them to /api/v1/carriers/<carrier>/events."""
from __future__ import annotations

from datetime import timezone

from marshmallow import EXCLUDE, Schema, fields, post_load, validate

from models.shipping.tracking import CarrierEvent
from schemas.fields import InputSchema


class CarrierEventSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # carriers add fields over time; we keep what we know
    event_id = fields.String(required=True, validate=validate.Length(min=1, max=128))
    waybill_number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    description = fields.String(load_default="", validate=validate.Length(max=1000))
    location = fields.String(load_default="", validate=validate.Length(max=200))
    occurred_at = fields.AwareDateTime(required=True, default_timezone=timezone.utc)

    @post_load
    def _to_event(self, data: dict, **kwargs) -> CarrierEvent:
        data["occurred_at"] = data["occurred_at"].astimezone(timezone.utc).replace(tzinfo=None)
        return CarrierEvent(**data)


class TrackingEventsSchema(InputSchema):
    class Meta:
        unknown = EXCLUDE
    events = fields.List(fields.Nested(CarrierEventSchema), required=True, validate=validate.Length(max=500))


tracking_events_schema = TrackingEventsSchema()
