"""One row of a price-list CSV file: shape only. Codes (SKUs, parties, base lists) are checked against the database
and the price book by models.pricing.price_import."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from models.core.currencies import CURRENCIES
from models.pricing.price_import import PRICE_LIST_HEADERS  # noqa: F401 - re-exported: a fact of models
from models.pricing.rules import APPLIES_TO
from schemas.fields import InputSchema
from schemas.master_data import (
    REQUIRED,
    CsvBoolean,
    CsvRowSchema,
    code_field,
    money_field,
)

CONTRACT = "contract"
MAX_QUANTITY = 2**31 - 1


def percent_field(**kwargs) -> fields.Decimal:
    return fields.Decimal(allow_nan=False, error_messages=REQUIRED, **kwargs,
                          validate=validate.Range(min=Decimal(0), max=Decimal(100), error="must be from 0 to 100"))


class PriceListRowSchema(CsvRowSchema):
    """A price (a SKU's break in a list, or a contract price) or, with no SKU, a list's own discount off its base."""

    LOWER_CASE = ("applies_to",)
    UPPER_CASE = ("currency",)

    list_code = code_field(required=True)
    list_name = fields.String(validate=validate.Length(max=200))
    applies_to = fields.String(required=True, validate=validate.OneOf((*APPLIES_TO, CONTRACT)),
                               error_messages=REQUIRED)
    party = code_field()
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES), error_messages=REQUIRED)
    sku = code_field()
    min_quantity = fields.Integer(load_default=1, error_messages=REQUIRED,
                                  validate=validate.Range(min=1, max=MAX_QUANTITY, error="must be from {min} to {max}"))
    price = money_field()
    discount_percent = percent_field()
    base = code_field()
    valid_from = fields.Date()
    valid_to = fields.Date()
    tax_included = CsvBoolean()
    tolerance_percent = percent_field()

    @validates_schema
    def _consistent(self, data: dict, **kwargs) -> None:
        applies_to, has_price, has_discount = data.get("applies_to"), "price" in data, "discount_percent" in data
        if applies_to == "catalogue" and data.get("party"):
            raise ValidationError("a catalogue list has no party; leave it blank", "party")
        if applies_to and applies_to != "catalogue" and not data.get("party"):
            raise ValidationError(f"the {'customer' if applies_to == CONTRACT else applies_to} this "
                                  f"{'contract' if applies_to == CONTRACT else 'list'} is for", "party")
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError(f"before valid_from {data['valid_from']}", "valid_to")
        if applies_to == CONTRACT:
            _contract_row(data)
        elif "sku" not in data:
            if has_price or "discount_percent" not in data or data.get("min_quantity", 1) != 1:
                raise ValidationError("a row without a SKU gives the list's discount_percent off its base, and "
                                      "no price or min_quantity", "sku")
        elif has_price == has_discount:
            raise ValidationError("give either a price or a discount_percent, not both"
                                  if has_price else "give a price or a discount_percent", "price")


def _contract_row(data: dict) -> None:
    if "sku" not in data:
        raise ValidationError("a contract price is for one SKU", "sku")
    if "price" not in data:
        raise ValidationError("a contract price needs a price", "price")
    for name in ("discount_percent", "base"):
        if name in data:
            raise ValidationError("a contract price is a fixed price; leave it blank", name)


price_list_row_schema = PriceListRowSchema()


class PriceQuerySchema(InputSchema):
    """GET /api/v1/prices and /my/prices: whose prices, which SKUs (comma-separated; none: all), how many, when."""

    customer = fields.String(validate=validate.Length(min=1, max=64))
    sku = fields.String(validate=validate.Length(min=1, max=4000))
    quantity = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_QUANTITY))
    currency = fields.String(validate=validate.OneOf(CURRENCIES))
    day = fields.Date()

    @post_load
    def _skus(self, data: dict, **kwargs) -> dict:
        if "sku" in data:
            data["sku"] = sorted({part.strip() for part in data["sku"].split(",") if part.strip()}) or None
        return data


price_query_schema = PriceQuerySchema()
