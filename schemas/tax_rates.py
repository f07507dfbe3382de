"""A row of a tax rates CSV file: tax class, destination country (and region), the rate as a fraction, from when."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields, validate

from models.pricing.tax_import import TAX_RATE_HEADERS  # noqa: F401 - re-exported: a fact of models
from schemas.master_data import CsvRowSchema


def _four_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -4:
        raise ValidationError("at most 4 decimal places (a fraction: 0.2 = 20 %)")


class TaxRateRowSchema(CsvRowSchema):
    """One row of a tax rates file (country upper-cased; region blank for the whole country)."""

    UPPER_CASE = ("country",)

    tax_class = fields.String(required=True, validate=validate.Length(min=1, max=32))
    country = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$", error="a two-letter country code"))
    region = fields.String(load_default="", validate=validate.Length(max=64))
    rate = fields.Decimal(required=True, allow_nan=False, validate=[
        validate.Range(min=0, max=1, max_inclusive=False, error="a fraction from 0 up to 1 (0.2 = 20 %)"),
        _four_decimals])
    valid_from = fields.Date(load_default=None, allow_none=True)
    name = fields.String(load_default="", validate=validate.Length(max=100))


tax_rate_row_schema = TaxRateRowSchema()
