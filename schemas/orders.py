"""The canonical order body accepted by the API and the portal's order entry form."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.core.currencies import CURRENCIES
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.orders.tables import CHANNELS
from schemas.fields import InputSchema, OptionalEmail
from schemas.plain_load import PlainLoader


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


# the schema's hooks the plain loader stands in for: unstorable text declines there, and _skus_once checks the SKUs
PLAIN_HOOKS = frozenset({"_refuse_unstorable_text", "_one_line_per_sku"})


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

    def load(self, data, *, many=None, partial=None, unknown=None):
        """A plain body (schemas.plain_load) loaded by a glance; any other through marshmallow, which words the
        errors."""
        if many is None and partial is None and unknown is None:
            plain = self.__dict__.get("_plain")
            if plain is None:  # read from this instance's own fields (``only``, ``exclude``), once
                plain = self._plain = PlainLoader(self, understood_hooks=PLAIN_HOOKS, check=_skus_once)
            loaded = plain.load(data)
            if loaded is not None:
                return loaded
        return super().load(data, many=many, partial=partial, unknown=unknown)

    @validates_schema
    def _one_line_per_sku(self, data: dict, **kwargs) -> None:
        duplicates = _repeated_skus(data.get("lines", []))
        if duplicates:
            raise ValidationError(TextMessage(Text("each SKU once per order; repeated: %(skus)s",
                                                   skus=", ".join(duplicates))), "lines")


def _repeated_skus(lines: list[dict]) -> list[str]:
    """The SKUs on more than one line, in order (counted once each: 500 lines are 500 steps, not 250,000)."""
    return sorted(sku for sku, count in Counter(line["sku"] for line in lines).items() if count > 1)


def _skus_once(loaded: dict) -> bool:
    return not _repeated_skus(loaded["lines"])


order_schema = OrderSchema()
