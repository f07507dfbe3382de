"""Exchange rates: a row of the rates CSV file, the API body that sets rates, the list query and the answer."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from models.core.currencies import CURRENCIES
from models.currency.rate_import import RATE_HEADERS  # noqa: F401 - re-exported: a fact of models
from models.currency.rates import MAX_RATE
from schemas.fields import InputSchema, UtcDateTime
from schemas.master_data import CsvRowSchema

MAX_RATES_PER_REQUEST = 1000


def _eight_places(value: Decimal) -> None:
    if value.as_tuple().exponent < -8:
        raise ValidationError("at most 8 decimal places")


class RateSchema(InputSchema):
    """One rate: ``rate`` units of ``currency`` per one unit of the base currency on ``day``."""

    day = fields.Date(required=True)
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    rate = fields.Decimal(required=True, allow_nan=False, validate=[
        validate.Range(min=0, min_inclusive=False, max=MAX_RATE, error="must be more than 0 and at most {max}"),
        _eight_places])
    source = fields.String(load_default="", validate=validate.Length(max=64))


class RateRowSchema(CsvRowSchema, RateSchema):
    """One row of a rates CSV file (currency in any case)."""

    UPPER_CASE = ("currency",)


class RatesBodySchema(InputSchema):
    """POST /api/v1/exchange-rates: {"rates": [rate, …]}; each rate is validated on its own."""

    rates = fields.List(fields.Dict(), required=True,
                        validate=validate.Length(min=1, max=MAX_RATES_PER_REQUEST,
                                                 error="send 1 to {max} rates a request"))


class RateQuerySchema(InputSchema):
    currency = fields.String(validate=validate.OneOf(CURRENCIES))
    from_ = fields.Date(data_key="from")
    to = fields.Date()

    @validates_schema
    def _ordered(self, data: dict, **kwargs) -> None:
        if "from_" in data and "to" in data and data["to"] < data["from_"]:
            raise ValidationError("must not be before from", "to")


class RateOut(Schema):
    day = fields.Date()
    currency = fields.String()
    rate = fields.Decimal(as_string=True)
    source = fields.String()
    created_by = fields.String()
    created_at = UtcDateTime(format="iso")


rate_schema = RateSchema()
rate_row_schema = RateRowSchema()
rates_body_schema = RatesBodySchema()
rate_query_schema = RateQuerySchema()
rates_out = RateOut(many=True)
