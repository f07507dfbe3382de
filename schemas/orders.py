"""The canonical order body accepted by the API and the portal's order entry form."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.core.currencies import CURRENCIES
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.orders.tables import CHANNELS
from schemas.fields import InputSchema, OptionalEmail


def _two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError(N_("at most 2 decimal places"))


class ShipToSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(load_default="", validate=validate.Length(max=64))
    email = OptionalEmail()
    address = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    city = fields.String(required=True, validate=validate.Length(min=1, max=128))
    region = fields.String(required=True, validate=validate.Length(min=1, max=64))
    postcode = fields.String(load_default="", validate=validate.Length(max=32))
    country = fields.String(required=True, validate=validate.Length(equal=2))


class OrderLineSchema(Schema):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=1_000_000))
    # Omitted: the catalogue price applies.
    unit_price = fields.Decimal(load_default=None, allow_none=True,
                                validate=[validate.Range(min=0), _two_decimals], allow_nan=False)


class OrderSchema(InputSchema):
    channel = fields.String(load_default="api", validate=validate.OneOf(CHANNELS))
    external_ref = fields.String(required=True, validate=validate.Length(min=1, max=128))
    customer_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    ship_to = fields.Nested(ShipToSchema, required=True)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True, validate=validate.Length(min=1, max=500))
    requested_delivery_date = fields.Date(load_default=None, allow_none=True)
    notes = fields.String(load_default="", validate=validate.Length(max=4000))
    priority = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=9))

    @validates_schema
    def _one_line_per_sku(self, data: dict, **kwargs) -> None:
        skus = [line["sku"] for line in data.get("lines", [])]
        duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
        if duplicates:
            raise ValidationError(TextMessage(Text("each SKU once per order; repeated: %(skus)s",
                                                   skus=", ".join(duplicates))), "lines")


order_schema = OrderSchema()
