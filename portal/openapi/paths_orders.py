"""Orders: placing, reading, cancelling, deciding holds, changing them, and order files."""
from __future__ import annotations

from portal.openapi.operations import CSV, Op, obj, query
from schemas.order_changes import order_change_schema
from schemas.order_list import order_list_query_schema, order_rows_out
from schemas.order_resource import order_out, partner_order_out
from schemas.orders import order_schema

DESK = "ops roles and distributors (a distributor's own orders)"
ORDER = {"anyOf": [order_out, partner_order_out],
         "description": "ops tokens read the whole order; a partner's token its view without the OMS's workings"}
PLACED = obj("id:integer", "status:string", "external_ref:string", "channel:string", "created:boolean")
RESULTS = obj("results:" + "[object]")
COMMENT = {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 2000}},
           "additionalProperties": True}
IMPORT = obj("batch_id:integer", "status:string", "rows:integer", "orders_accepted:integer",
             "orders_rejected:integer", "orders_duplicate:integer", "lines_accepted:integer", "errors:array")
MULTIPART = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "a CSV or XLSX order file"}}}}}

OPERATIONS = [
    Op("POST", "/orders", "Place an order", "orders", roles=DESK, body=order_schema,
       answers={202: PLACED, 200: PLACED}, errors=(403, 422),
       description="202 when placed, 200 when the same channel and external_ref was placed before."),
    Op("GET", "/orders", "List orders, newest first", "orders", roles=DESK, query=order_list_query_schema,
       answers={200: {"type": "object", "properties": {"orders": order_rows_out,
                                                       "next_before": {"type": ["integer", "null"]}}}},
       errors=(403, 422)),
    Op("POST", "/orders/batch", "Place up to 500 orders", "orders", roles=DESK,
       body={"type": "object", "required": ["orders"],
             "properties": {"orders": {"type": "array", "minItems": 1, "maxItems": 500, "items": order_schema}}},
       answers={200: RESULTS, 207: RESULTS}, errors=(403, 422),
       description="``results`` by index, each the placed order or its errors; 207 when some were not placed."),
    Op("GET", "/orders/<int:order_id>", "Read an order", "orders", roles="ops roles; a partner its own",
       answers={200: ORDER}, errors=(404,)),
    Op("PATCH", "/orders/<int:order_id>", "Change an order's ship-to, delivery date or lines", "orders",
       roles=DESK, body=order_change_schema, answers={200: ORDER}, errors=(403, 404, 409, 422),
       description="The order goes back to review, which decides at once; 409 with ``reason`` when refused."),
    Op("GET", "/orders/<int:order_id>/changes", "An order's changes, oldest first", "orders", roles=DESK,
       answers={200: obj("order_id:integer", "status:string", "changes:array")}, errors=(403, 404)),
    Op("POST", "/orders/<int:order_id>/cancel", "Cancel an order that has not shipped", "orders", roles=DESK,
       body={"type": "object", "properties": {"reason": {"type": "string"}}, "additionalProperties": True},
       body_required=False, answers={200: obj("id:integer", "status:string")}, errors=(403, 404, 409, 422)),
    Op("POST", "/orders/<int:order_id>/release", "Release an order on hold", "orders",
       roles="the roles the hold names", body=COMMENT, body_required=False, answers={200: order_out},
       errors=(403, 404, 409, 422)),
    Op("POST", "/orders/<int:order_id>/reject", "Reject an order on hold", "orders",
       roles="the roles the hold names", body=COMMENT, body_required=False, answers={200: order_out},
       errors=(403, 404, 409, 422)),
    Op("POST", "/orders/import", "Import a CSV or XLSX order file", "orders", roles=DESK,
       query=query(("channel", "string", "file (default) or email")), body_content=MULTIPART,
       answers={200: IMPORT}, errors=(403, 413, 422)),
    Op("GET", "/imports/<int:batch_id>", "An import batch and its row errors", "orders", roles=DESK,
       answers={200: IMPORT}, errors=(404,)),
    Op("GET", "/imports/<int:batch_id>/errors.csv", "An import batch's row errors as CSV", "orders", roles=DESK,
       answers={200: CSV}, errors=(404,)),
]
