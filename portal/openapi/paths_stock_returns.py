"""Stock, returns and refunds, receivables, and the shipping documents."""
from __future__ import annotations

from portal.openapi.operations import PDF, Op, obj, query
from schemas.payments import payment_out, payment_schema, receivables_out
from schemas.returns import (
    inspection_schema,
    payout_paid_schema,
    return_decision_schema,
    return_request_schema,
)
from schemas.stock import (
    adjustment_schema,
    movement_out,
    sku_availability_out,
    stock_position_out,
    stock_query_schema,
    transfer_schema,
)

DESK = "ops_admin, ops_agent"
MONEY = "ops_admin, credit_controller"
STOCK_AFTER = obj("warehouse:string", "sku:string", "on_hand:integer", "reserved:integer", "available:integer")
RETURN = obj("id:integer", "order_id:integer", "status:string", "resolution:string", "reason:string",
             "lines:[object]", "history:[object]")
STOCK_PAGE = {"type": "object", "properties": {
    "items": {"type": "array", "items": {"anyOf": [stock_position_out, sku_availability_out]},
              "description": "positions per warehouse (ops, supplier) or available units per SKU (distributor)"},
    "next": {"type": ["string", "null"]}}}


def _return_step(rule: str, summary: str, body, *, required: bool = False) -> Op:
    return Op("POST", rule, summary, "returns", roles=DESK, body=body, body_required=required,
              answers={200: RETURN}, errors=(403, 404, 409, 422))


OPERATIONS = [
    Op("GET", "/stock", "Stock positions, or availability per SKU for a distributor", "stock",
       roles="every role: ops all, a supplier its SKUs, a distributor availability only", query=stock_query_schema,
       answers={200: STOCK_PAGE}, errors=(403, 422)),
    Op("POST", "/stock/adjustments", "Adjust on-hand stock", "stock", roles=DESK, body=adjustment_schema,
       answers={201: {"type": "object", "properties": {"movement": movement_out, "stock": STOCK_AFTER}}},
       errors=(403, 404, 409, 422)),
    Op("POST", "/stock/transfers", "Move available units between warehouses", "stock", roles=DESK,
       body=transfer_schema,
       answers={201: {"type": "object", "properties": {
           "reference": {"type": "string"}, "movements": {"type": "array", "items": movement_out},
           "stock": {"type": "array", "items": STOCK_AFTER}}}},
       errors=(403, 404, 409, 422)),
    Op("POST", "/returns", "Request a return of delivered lines", "returns",
       roles="ops roles and distributors (their own orders)", body=return_request_schema, answers={201: RETURN},
       errors=(403, 404, 409, 422)),
    Op("GET", "/returns/<int:return_id>", "Read a return", "returns", roles="ops roles; a distributor its own",
       answers={200: RETURN}, errors=(404,)),
    _return_step("/returns/<int:return_id>/approve", "Approve a return waiting for a decision",
                 return_decision_schema),
    _return_step("/returns/<int:return_id>/reject", "Reject a return waiting for a decision", return_decision_schema),
    _return_step("/returns/<int:return_id>/receive", "Record the returned parcel as received",
                 return_decision_schema),
    _return_step("/returns/<int:return_id>/inspection", "Record each returned line's condition", inspection_schema,
                 required=True),
    Op("GET", "/refunds", "Payouts still to make", "returns", roles=MONEY,
       answers={200: obj("payouts:[object]")}, errors=(403,)),
    Op("POST", "/refunds/<int:refund_id>/paid", "Record that a payout left the bank", "returns", roles=MONEY,
       body=payout_paid_schema, answers={200: obj("id:integer", "status:string")}, errors=(403, 404, 409, 422)),
    Op("POST", "/payments", "Record a payment and apply it to the oldest invoices due", "receivables", roles=MONEY,
       body=payment_schema, answers={201: payment_out, 200: payment_out}, errors=(403, 404, 422),
       description="201 when recorded, 200 when the customer's reference was recorded before."),
    Op("GET", "/customers/<code>/receivables", "A customer's outstanding and overdue amounts", "receivables",
       roles="ops roles", answers={200: receivables_out}, errors=(403, 404)),
    Op("GET", "/shipments/<int:shipment_id>/dispatch-note.pdf", "A shipment's dispatch note", "documents",
       roles="ops roles and distributors (their own orders)", answers={200: PDF}, errors=(403, 404)),
    Op("GET", "/warehouses/<code>/pick-list.pdf", "A warehouse's pick list", "documents", roles="ops roles",
       query=query(("shipment", "integer", "a shipment id; repeat it for a batch (default: every one not picked)")),
       answers={200: PDF}, errors=(403, 404, 422)),
]
