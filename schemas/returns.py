"""Return requests as channels, distributors, ops and the self-service page send them."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from models.returns.rules import REASONS, RESOLUTIONS
from schemas.fields import InputSchema

MAX_LINES = 100
MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


class ReturnLineSchema(Schema):
    class Meta:
        unknown = RAISE
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100_000))
    exchange_sku = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))


class ReturnRequestSchema(InputSchema):
    class Meta:
        unknown = RAISE
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_DB_ID))
    resolution = fields.String(required=True, validate=validate.OneOf(RESOLUTIONS))
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    comment = fields.String(load_default="", validate=validate.Length(max=2000))
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))


class ReturnDecisionSchema(InputSchema):
    class Meta:
        unknown = RAISE
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class InspectionLineSchema(Schema):
    class Meta:
        unknown = RAISE
    line_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_DB_ID))
    condition = fields.String(required=True, validate=validate.OneOf(("resellable", "damaged", "defective")))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class InspectionSchema(InputSchema):
    class Meta:
        unknown = RAISE
    lines = fields.List(fields.Nested(InspectionLineSchema), required=True, validate=validate.Length(min=1))


class PayoutPaidSchema(InputSchema):
    class Meta:
        unknown = RAISE
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))


return_request_schema = ReturnRequestSchema()
payout_paid_schema = PayoutPaidSchema()
return_decision_schema = ReturnDecisionSchema()
inspection_schema = InspectionSchema()
