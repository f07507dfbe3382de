"""The stock API's boundary: list filters, adjustment and transfer bodies, and what the API returns."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.core.texts import N_
from models.inventory.moves import (
    MAX_NOTE,
    MAX_QUANTITY,
    REASON_CODES,
    TRANSFER_REASON_CODES,
)
from schemas.fields import InputSchema, UtcDateTime

CODE = validate.Length(min=1, max=64)
MAX_PAGE = 500


class StockQuerySchema(InputSchema):
    sku = fields.String(load_default=None, validate=CODE)
    warehouse = fields.String(load_default=None, validate=CODE)
    low = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))
    after = fields.String(load_default=None, validate=validate.Length(max=400))


class AdjustmentSchema(InputSchema):
    warehouse = fields.String(required=True, validate=CODE)
    sku = fields.String(required=True, validate=CODE)
    quantity_change = fields.Integer(required=True, strict=True, validate=[
        validate.Range(min=-MAX_QUANTITY, max=MAX_QUANTITY),
        validate.NoneOf([0], error=N_("must not be 0"))])
    reason_code = fields.String(required=True, validate=validate.OneOf(REASON_CODES))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class TransferSchema(InputSchema):
    from_warehouse = fields.String(required=True, validate=CODE)
    to_warehouse = fields.String(required=True, validate=CODE)
    sku = fields.String(required=True, validate=CODE)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    reason_code = fields.String(required=True, validate=validate.OneOf(TRANSFER_REASON_CODES))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class ReceiptLineSchema(Schema):
    sku = fields.String(required=True, validate=CODE)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    damaged = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=MAX_QUANTITY))

    @validates_schema
    def _something_counted(self, data: dict, **kwargs) -> None:
        if data.get("quantity", 1) + data.get("damaged", 0) < 1:
            raise ValidationError(N_("count at least one unit, good (quantity) or damaged"), "quantity")


class ReceiptSchema(InputSchema):
    lines = fields.List(fields.Nested(ReceiptLineSchema), required=True, validate=validate.Length(min=1))
    asn = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class StockPositionOut(Schema):
    sku = fields.String()
    warehouse = fields.String()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    available = fields.Integer()
    incoming = fields.Integer()
    incoming_on = fields.Date(allow_none=True)  # when the next incoming units are due (an ASN's date first)
    backordered = fields.Integer()  # per SKU, over every warehouse
    reorder_point = fields.Integer()
    low = fields.Boolean()
    alert_open = fields.Boolean()


class SkuAvailabilityOut(Schema):
    sku = fields.String()
    name = fields.String()
    available = fields.Integer()


class MovementOut(Schema):
    id = fields.Integer()
    warehouse = fields.Function(lambda movement: movement.warehouse.code)
    sku = fields.Function(lambda movement: movement.product.sku)
    kind = fields.String()
    quantity = fields.Integer()
    reason_code = fields.String()
    note = fields.String()
    reference = fields.String()
    actor = fields.String()
    at = UtcDateTime(format="iso")


stock_query_schema = StockQuerySchema()
adjustment_schema = AdjustmentSchema()
transfer_schema = TransferSchema()
receipt_schema = ReceiptSchema()
stock_position_out = StockPositionOut()
sku_availability_out = SkuAvailabilityOut()
movement_out = MovementOut()
