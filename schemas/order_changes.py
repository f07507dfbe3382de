"""The body of PATCH /api/v1/orders/<id> and the portal's change form: any of ship_to (the fields to change),
requested_delivery_date (null clears it), lines (replace the order's lines; a line without unit_price keeps the
order's price for its SKU). Shape only: what may change, and by whom, is models.orders.change_rules."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.core.text_messages import TextMessage
from models.core.texts import Text
from schemas.fields import InputSchema, OptionalEmail
from schemas.orders import OrderLineSchema


class ShipToChangeSchema(Schema):
    """Every ship-to field optional; those given replace the order's."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    phone = fields.String(validate=validate.Length(max=64))
    email = OptionalEmail()
    address = fields.String(validate=validate.Length(min=1, max=1000))
    city = fields.String(validate=validate.Length(min=1, max=128))
    region = fields.String(validate=validate.Length(min=1, max=64))
    postcode = fields.String(validate=validate.Length(max=32))
    country = fields.String(validate=validate.Length(equal=2))

    def load(self, data, *args, **kwargs):
        loaded = super().load(data, *args, **kwargs)
        # OptionalEmail loads a missing address as "": only a given one changes the order's
        if isinstance(data, dict) and "email" not in data:
            loaded.pop("email", None)
        return loaded


class OrderChangeSchema(InputSchema):
    ship_to = fields.Nested(ShipToChangeSchema)
    requested_delivery_date = fields.Date(allow_none=True)
    lines = fields.List(fields.Nested(OrderLineSchema), validate=validate.Length(min=1, max=500))
    note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _one_line_per_sku(self, data: dict, **kwargs) -> None:
        skus = [line["sku"] for line in data.get("lines", [])]
        duplicates = sorted({sku for sku in skus if skus.count(sku) > 1})
        if duplicates:
            raise ValidationError(TextMessage(Text("each SKU once per order; repeated: %(skus)s",
                                                   skus=", ".join(duplicates))), "lines")


order_change_schema = OrderChangeSchema()
