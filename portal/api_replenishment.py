"""JSON API for replenishment: the suggestions with every figure and their explanation, and turning chosen ones
into purchase orders (one per supplier and warehouse). Ops tokens only: a supplier or distributor token gets 403."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, g, jsonify, request

from models.core.errors import PermissionDenied, ValidationFailed
from models.inventory.views import decode_cursor, encode_cursor
from models.planning.replenishment_orders import order_suggestions
from models.planning.replenishment_views import (
    SuggestionFilter,
    effective_quantity,
    list_suggestions,
    suggestions_by_pair,
)
from portal.api import answer_errors_as_json, json_object_body, token_required
from schemas.replenishment import (
    suggestion_order_schema,
    suggestion_out,
    suggestion_query_schema,
)

bp = Blueprint("api_replenishment", __name__, url_prefix="/api/v1")

ORDERING_ROLES = ("ops_admin", "ops_agent")  # as for purchase orders

answer_errors_as_json(bp)


@bp.get("/replenishment")
@token_required
def list_replenishment():
    """Suggestions by SKU then warehouse, ``?sku=&warehouse=&supplier=&sku_class=&status=&to_order=&limit=&after=``."""
    if not g.api_user.is_ops:
        raise PermissionDenied(f"role {g.api_user.role} may not read replenishment suggestions")
    query = suggestion_query_schema.load(request.args)
    where = SuggestionFilter(sku=query["sku"], warehouse=query["warehouse"], supplier=query["supplier"],
                             sku_class=query["sku_class"], status=query["status"], to_order=query["to_order"])
    rows, next_key = list_suggestions(where, limit=query["limit"], after=decode_cursor(query["after"], parts=2))
    return jsonify({"items": suggestion_out.dump(rows, many=True), "next": encode_cursor(next_key)})


@bp.post("/replenishment/orders")
@token_required
def order_replenishment():
    """``{items: [{sku, warehouse, quantity}], send}`` → 201 ``{purchase_orders: [numbers]}``, one per supplier and
    warehouse; a quantity left out orders ops' edited quantity, else the suggested one."""
    if g.api_user.role not in ORDERING_ROLES:
        raise PermissionDenied(f"role {g.api_user.role} may not order; an ops_admin or ops_agent may")
    data = suggestion_order_schema.load(json_object_body())
    pairs = [(item["sku"], item["warehouse"]) for item in data["items"]]
    found = suggestions_by_pair(pairs)
    selections: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for index, (item, pair) in enumerate(zip(data["items"], pairs, strict=True)):
        row = found.get(pair)
        if row is None:
            errors[f"items[{index}]"] = [f"no suggestion for {pair[0]} at {pair[1]}"]
        elif row.id in selections:
            errors[f"items[{index}]"] = [f"{pair[0]} at {pair[1]} is listed twice; give it once"]
        else:
            quantity = item["quantity"] if item["quantity"] is not None else effective_quantity(row)
            if quantity < 1:
                errors[f"items[{index}].quantity"] = ["nothing is suggested here; give the quantity to order"]
            selections[row.id] = quantity
    if errors:
        raise ValidationFailed(errors, "nothing was ordered")
    settings = current_app.config["OMS_SETTINGS"]
    try:
        numbers = order_suggestions(selections, actor=f"api:{g.api_user.email}", send=data["send"],
                                    answer_within=timedelta(days=settings.po_confirm_days))
    except ValidationFailed as exc:
        item_of = {f"suggestion {found[pair].id}": f"items[{index}]" for index, pair in enumerate(pairs)}
        raise ValidationFailed({item_of.get(key, key): problems for key, problems in exc.messages.items()},
                               str(exc)) from exc
    return jsonify({"purchase_orders": numbers}), 201
