"""The replenishment API's boundary: list filters, the order body, and a suggestion as the API returns it."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from models.planning.replenishment_orders import MAX_QUANTITY
from models.planning.replenishment_rules import SKU_CLASSES
from models.planning.replenishment_views import SUGGESTION_STATUSES, effective_quantity
from schemas.fields import InputSchema, UtcDateTime

CODE = validate.Length(min=1, max=64)
MAX_PAGE = 500
MAX_ORDER_ITEMS = 1000


class SuggestionQuerySchema(InputSchema):
    sku = fields.String(load_default=None, validate=CODE)
    warehouse = fields.String(load_default=None, validate=CODE)
    supplier = fields.String(load_default=None, validate=CODE)
    sku_class = fields.String(load_default=None, validate=validate.OneOf(SKU_CLASSES))
    status = fields.String(load_default=None, validate=validate.OneOf(SUGGESTION_STATUSES))
    to_order = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))
    after = fields.String(load_default=None, validate=validate.Length(max=400))


class OrderItemSchema(Schema):
    sku = fields.String(required=True, validate=CODE)
    warehouse = fields.String(required=True, validate=CODE)
    # left out: ops' edited quantity, else the suggested one
    quantity = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class SuggestionOrderSchema(InputSchema):
    items = fields.List(fields.Nested(OrderItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_ORDER_ITEMS))
    send = fields.Boolean(load_default=False)


class SuggestionOut(Schema):
    sku = fields.Function(lambda row: row.product.sku)
    warehouse = fields.Function(lambda row: row.warehouse.code)
    supplier = fields.Function(lambda row: row.supplier.code if row.supplier_id else None)
    suggested_quantity = fields.Integer()
    edited_quantity = fields.Integer(allow_none=True)
    quantity = fields.Function(effective_quantity)  # what ordering it orders
    reorder_point = fields.Integer()
    order_up_to = fields.Integer()
    safety_stock = fields.Integer()
    lead_time_days = fields.Integer()
    service_level = fields.Float()
    sku_class = fields.String()
    forecast_over_lead = fields.Float()
    on_hand = fields.Integer()
    reserved = fields.Integer()
    incoming = fields.Integer()
    backordered = fields.Integer()
    explanation = fields.String()
    status = fields.String()
    purchase_order = fields.Function(lambda row: row.purchase_order.number if row.purchase_order_id else None)
    computed_at = UtcDateTime()


suggestion_query_schema = SuggestionQuerySchema()
suggestion_order_schema = SuggestionOrderSchema()
suggestion_out = SuggestionOut()
