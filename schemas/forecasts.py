"""The forecasts API's boundary: the list filters, and a forecast with its weeks as the API returns it."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.fields import InputSchema, UtcDateTime

CODE = validate.Length(min=1, max=64)
MAX_PAGE = 500


class ForecastQuerySchema(InputSchema):
    sku = fields.String(load_default=None, validate=CODE)
    warehouse = fields.String(load_default=None, validate=CODE)  # "*": the SKUs' all-warehouse series
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))
    after = fields.String(load_default=None, validate=validate.Length(max=400))


class ForecastPeriodOut(Schema):
    week_start = fields.Date()
    quantity = fields.Float()
    low = fields.Float()
    high = fields.Float()


class ForecastItemOut(Schema):
    sku = fields.String()
    warehouse = fields.String()
    method = fields.String()
    mase = fields.Float(allow_none=True)
    history_weeks = fields.Integer()
    horizon_weeks = fields.Integer()
    mean_weekly = fields.Float()
    weekly_std = fields.Float()
    computed_at = UtcDateTime(format="iso")
    periods = fields.List(fields.Nested(ForecastPeriodOut))


forecast_query_schema = ForecastQuerySchema()
forecast_item_out = ForecastItemOut()
