"""Purchasing and supply: purchase orders, the supplier's answers, deliveries, receipts, drop-ship events,
replenishment, forecasts and the supplier scorecard."""
from __future__ import annotations

from portal.openapi.operations import CSV, PDF, Op, obj, query
from schemas.dropship import supplier_events_schema
from schemas.forecasts import forecast_item_out, forecast_query_schema
from schemas.purchasing import (
    asn_schema,
    confirmation_schema,
    purchase_order_change_schema,
    purchase_order_query_schema,
    purchase_order_schema,
    reason_schema,
)
from schemas.replenishment import (
    suggestion_order_schema,
    suggestion_out,
    suggestion_query_schema,
)
from schemas.stock import movement_out, receipt_schema

BUYERS = "ops_admin, ops_agent"
READERS = "ops roles; a supplier its own purchase orders"
SUPPLIER_OR_BUYER = "the supplier of the order, ops_admin, ops_agent"
PURCHASE_ORDER = obj("number:string", "kind:string", "supplier:string", "warehouse:string?", "status:string",
                     "currency:string", "revision:integer", "lines:[object]", "asns:[object]", "receipts:[object]")
PAGE = {"type": "object", "properties": {"items": {"type": "array", "items": PURCHASE_ORDER},
                                         "next": {"type": ["integer", "null"]}}}
RECEIPT = {"type": "object", "additionalProperties": True, "properties": {
    "purchase_order": {"type": "string"}, "status": {"type": "string"}, "receipt": {"type": "object"},
    "movements": {"type": "array", "items": movement_out}, "stock": {"type": "array"}}}
CONFIRMATION_CSV = {"application/json": {"schema": confirmation_schema},
                    "text/csv": {"schema": {"type": "string",
                                            "description": "columns sku, quantity, promised_date[, counter]"}}}


def _purchase_order_step(method: str, rule: str, summary: str, *, body=None, required: bool = True,
                         errors: tuple[int, ...] = (403, 404, 409, 422)) -> Op:
    return Op(method, rule, summary, "purchasing", roles=BUYERS, body=body, body_required=required,
              answers={200: PURCHASE_ORDER}, errors=errors)


OPERATIONS = [
    Op("GET", "/purchase-orders", "List purchase orders, newest first", "purchasing", roles=READERS,
       query=purchase_order_query_schema, answers={200: PAGE}, errors=(403, 422)),
    Op("POST", "/purchase-orders", "Create a draft purchase order", "purchasing", roles=BUYERS,
       body=purchase_order_schema, answers={201: PURCHASE_ORDER}, errors=(403, 404, 422)),
    Op("GET", "/purchase-orders/<number>", "Read a purchase order", "purchasing", roles=READERS,
       answers={200: PURCHASE_ORDER}, errors=(403, 404)),
    Op("GET", "/purchase-orders/<number>.pdf", "A purchase order as PDF", "purchasing", roles=READERS,
       answers={200: PDF}, errors=(403, 404)),
    Op("GET", "/purchase-orders/<number>.csv", "A purchase order's lines as CSV", "purchasing", roles=READERS,
       answers={200: CSV}, errors=(403, 404)),
    _purchase_order_step("PATCH", "/purchase-orders/<number>", "Change lines, expected_at or note",
                         body=purchase_order_change_schema),
    _purchase_order_step("POST", "/purchase-orders/<number>/send", "Send a draft to its supplier",
                         body={"type": "object"}, required=False),
    _purchase_order_step("POST", "/purchase-orders/<number>/cancel", "Cancel a purchase order", body=reason_schema),
    _purchase_order_step("POST", "/purchase-orders/<number>/close", "Close a purchase order short",
                         body=reason_schema),
    _purchase_order_step("POST", "/purchase-orders/<number>/counter/accept", "Accept the supplier's counter-proposal",
                         body={"type": "object"}, required=False),
    _purchase_order_step("POST", "/purchase-orders/<number>/counter/reject", "Reject the supplier's counter-proposal",
                         body=reason_schema),
    Op("POST", "/purchase-orders/<number>/confirmation", "The supplier's answer to every line", "purchasing",
       roles=SUPPLIER_OR_BUYER, body_content=CONFIRMATION_CSV, answers={200: PURCHASE_ORDER},
       errors=(403, 404, 409, 413, 422)),
    Op("POST", "/purchase-orders/<number>/asns", "Announce a delivery (advance shipping notice)", "purchasing",
       roles=SUPPLIER_OR_BUYER, body=asn_schema,
       answers={201: obj("id:integer", "purchase_order:string", "purchase_order_status:string")},
       errors=(403, 404, 409, 422)),
    Op("POST", "/purchase-orders/<number>/receipts", "Receive units of a purchase order", "purchasing",
       roles=BUYERS, body=receipt_schema,
       answers={201: RECEIPT},
       errors=(403, 404, 409, 422)),
    Op("POST", "/purchase-orders/<number>/asns/<int:asn_id>/events", "Tracking events of a drop-ship parcel",
       "purchasing", roles="the supplier of the order, ops_admin, ops_agent", body=supplier_events_schema,
       answers={200: obj("stored:integer", "duplicates:integer")}, errors=(403, 404, 409, 422)),
    Op("GET", "/replenishment", "Replenishment suggestions by SKU then warehouse", "planning", roles="ops roles",
       query=suggestion_query_schema,
       answers={200: {"type": "object", "properties": {"items": {"type": "array", "items": suggestion_out},
                                                       "next": {"type": ["string", "null"]}}}},
       errors=(403, 422)),
    Op("POST", "/replenishment/orders", "Turn suggestions into purchase orders", "planning", roles=BUYERS,
       body=suggestion_order_schema, answers={201: obj("purchase_orders:[string]")}, errors=(403, 409, 422)),
    Op("GET", "/forecasts", "Demand forecasts per SKU and warehouse", "planning",
       roles="ops roles; a supplier the SKUs it supplies", query=forecast_query_schema,
       answers={200: {"type": "object", "properties": {"items": {"type": "array", "items": forecast_item_out},
                                                       "next": {"type": ["string", "null"]}}}},
       errors=(403, 422)),
    Op("GET", "/suppliers/<code>/scorecard", "A supplier's scorecard", "purchasing",
       roles="ops roles; a supplier its own", query=query(("days", "string", "30, 90 (default), 365 or all")),
       answers={200: obj("supplier:string", "name:string", "window_days:integer?", "months:[object]")},
       errors=(403, 404, 422)),
]
