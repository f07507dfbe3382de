"""JSON API for stock: positions per warehouse and SKU, and ops adjustments, transfers and purchase-order receipts.

Ops tokens see every position; a supplier token sees the SKUs it supplies; a distributor token sees only
the units available per SKU over all warehouses (what it may order), never warehouse detail.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from models.core.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from models.inventory.moves import adjust_stock, transfer_stock
from models.inventory.tables import Stock
from models.inventory.views import (
    decode_cursor,
    encode_cursor,
    sku_availability,
    stock_positions,
)
from models.supply.purchasing import purchase_order_by_number
from models.supply.receipts import receive_purchase_order
from models.supply.views import purchase_order_resource
from portal.api import (
    answer_errors_as_json,
    api_error,
    json_object_body,
    token_required,
)
from schemas.stock import (
    adjustment_schema,
    movement_out,
    receipt_schema,
    sku_availability_out,
    stock_position_out,
    stock_query_schema,
    transfer_schema,
)

bp = Blueprint("api_stock", __name__, url_prefix="/api/v1")

STOCK_EDITORS = ("ops_admin", "ops_agent")

answer_errors_as_json(bp)


@bp.get("/stock")
@token_required
def list_stock():
    """Stock positions (ops, supplier) or availability per SKU (distributor), ``?sku=&warehouse=&low=&after=``."""
    user = g.api_user
    query = stock_query_schema.load(request.args)
    if user.role == "distributor":
        items, next_key = sku_availability(sku=query["sku"], limit=query["limit"],
                                           after=decode_cursor(query["after"], parts=1))
        return jsonify({"items": sku_availability_out.dump(items, many=True), "next": encode_cursor(next_key)})
    if not (user.is_ops or user.role == "supplier"):
        raise PermissionDenied(f"role {user.role} may not read stock")
    supplier_id = user.partner_id if user.role == "supplier" else None
    items, next_key = stock_positions(sku=query["sku"], warehouse=query["warehouse"], supplier_id=supplier_id,
                                      low_only=query["low"], limit=query["limit"],
                                      after=decode_cursor(query["after"], parts=2))
    return jsonify({"items": stock_position_out.dump(items, many=True), "next": encode_cursor(next_key)})


@bp.post("/stock/adjustments")
@token_required
def create_adjustment():
    """Adjust on-hand stock: ``{warehouse, sku, quantity_change, reason_code, note}``; 201 with the movement."""
    _require_stock_editor("adjust stock")
    data = adjustment_schema.load(json_object_body())
    movement = adjust_stock(data["warehouse"], data["sku"], data["quantity_change"], reason_code=data["reason_code"],
                            note=data["note"], actor=f"api:{g.api_user.email}")
    return jsonify({"movement": movement_out.dump(movement), "stock": _stock_after(movement)}), 201


@bp.post("/stock/transfers")
@token_required
def create_transfer():
    """Move available units: ``{from_warehouse, to_warehouse, sku, quantity, reason_code, note}``; 201."""
    _require_stock_editor("transfer stock")
    data = transfer_schema.load(json_object_body())
    moved_out, moved_in = transfer_stock(data["from_warehouse"], data["to_warehouse"], data["sku"], data["quantity"],
                                         reason_code=data["reason_code"], note=data["note"],
                                         actor=f"api:{g.api_user.email}")
    return jsonify({"reference": moved_out.reference, "movements": movement_out.dump([moved_out, moved_in], many=True),
                    "stock": [_stock_after(moved_out), _stock_after(moved_in)]}), 201


@bp.post("/purchase-orders/<number>/receipts")
@token_required
def receive_purchase(number: str):
    """Receive units of a purchase order at its warehouse: ``{lines: [{sku, quantity, damaged?}], asn?, note?}``,
    matched against the shipping notice ``asn`` (default: the order's only one in transit); 201 with the receipt
    and its discrepancies."""
    _require_stock_editor("receive purchase orders")
    data = receipt_schema.load(json_object_body())
    quantities: dict[str, int] = {}
    damaged: dict[str, int] = {}
    for line in data["lines"]:
        if line["sku"] in quantities:
            raise ValidationFailed({f"lines.{line['sku']}": ["the SKU is listed twice; give it once"]})
        quantities[line["sku"]] = line["quantity"]
        if line["damaged"]:
            damaged[line["sku"]] = line["damaged"]
    try:
        movements = receive_purchase_order(number, quantities, actor=f"api:{g.api_user.email}", asn_id=data["asn"],
                                           damaged=damaged, note=data["note"])
    except NotFound as exc:
        return api_error(404, str(exc))
    except InvalidTransition as exc:
        return api_error(409, str(exc))
    resource = purchase_order_resource(purchase_order_by_number(number))
    return jsonify({"purchase_order": number, "status": resource["status"], "receipt": resource["receipts"][-1],
                    "movements": movement_out.dump(movements, many=True),
                    "stock": [_stock_after(movement) for movement in movements]}), 201


def _require_stock_editor(doing: str) -> None:
    if g.api_user.role not in STOCK_EDITORS:
        raise PermissionDenied(f"role {g.api_user.role} may not {doing}; an ops_admin or ops_agent may")


def _stock_after(movement) -> dict:
    stock = Stock.get(Stock.warehouse == movement.warehouse_id, Stock.product == movement.product_id)
    return {"warehouse": movement.warehouse.code, "sku": movement.product.sku, "on_hand": stock.on_hand,
            "reserved": stock.reserved, "available": stock.available}
