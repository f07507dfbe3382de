"""Webhook subscription bodies: URL and event types to subscribe, changes, and the delivery log's paging."""
from __future__ import annotations

from marshmallow import fields, validate

from schemas.fields import InputSchema

MAX_EVENTS = 20


class SubscriptionSchema(InputSchema):
    url = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                         validate=validate.Length(min=1, max=MAX_EVENTS))
    description = fields.String(load_default="", validate=validate.Length(max=200))


class SubscriptionChangeSchema(InputSchema):
    url = fields.String(validate=validate.Length(min=1, max=2000))
    events = fields.List(fields.String(validate=validate.Length(min=1, max=64)),
                         validate=validate.Length(min=1, max=MAX_EVENTS))
    description = fields.String(validate=validate.Length(max=200))
    active = fields.Boolean()


class DeliveriesQuerySchema(InputSchema):
    before = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


subscription_schema = SubscriptionSchema()
subscription_change_schema = SubscriptionChangeSchema()
deliveries_query_schema = DeliveriesQuerySchema()
