"""The API's order list: its query parameters, and an order as one row of it (dump only)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.orders.order_list import ORDER_STATUSES, PAGE_SIZE
from models.orders.tables import CHANNELS
from schemas.fields import InputSchema, UtcDateTime

MAX_PAGE = 200


class OrderListQuerySchema(InputSchema):
    status = fields.String(load_default=None, validate=validate.OneOf(ORDER_STATUSES))
    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    customer = fields.String(load_default=None, validate=validate.Length(min=1, max=64))  # a customer code
    q = fields.String(load_default="", validate=validate.Length(max=128))
    before = fields.Integer(load_default=None, validate=validate.Range(min=1))  # an order id: older ones follow
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE))


class OrderRowOut(Schema):
    id = fields.Integer()
    channel = fields.String()
    external_ref = fields.String()
    customer_code = fields.Function(lambda o: o.customer.code)
    customer_name = fields.Function(lambda o: o.customer.name)
    currency = fields.String()
    total = fields.Decimal(as_string=True)
    status = fields.String()
    created_at = UtcDateTime(format="iso")


order_list_query_schema = OrderListQuerySchema()
order_rows_out = OrderRowOut(many=True)
