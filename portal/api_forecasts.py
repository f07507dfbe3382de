"""JSON API for demand forecasts: per SKU × warehouse, and per SKU over every warehouse (warehouse "*").

Ops tokens see every forecast; a supplier token only the SKUs it supplies (another supplier's SKU answers an
empty list, as an unknown one does); other roles are refused.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from models.core.errors import PermissionDenied
from models.inventory.views import decode_cursor, encode_cursor
from models.planning.forecasts import forecast_items
from portal.api import answer_errors_as_json, token_required
from schemas.forecasts import forecast_item_out, forecast_query_schema

bp = Blueprint("api_forecasts", __name__, url_prefix="/api/v1")

answer_errors_as_json(bp)


@bp.get("/forecasts")
@token_required
def list_forecasts():
    """Forecasts with their weeks, ``?sku=&warehouse=&limit=&after=``; ``warehouse=*`` for the all-warehouse ones."""
    user = g.api_user
    if not (user.is_ops or (user.role == "supplier" and user.partner_id)):
        raise PermissionDenied(f"role {user.role} may not read forecasts")
    query = forecast_query_schema.load(request.args)
    items, next_key = forecast_items(sku=query["sku"], warehouse=query["warehouse"],
                                     supplier_id=user.partner_id if user.role == "supplier" else None,
                                     limit=query["limit"], after=decode_cursor(query["after"], parts=1))
    return jsonify({"items": forecast_item_out.dump(items, many=True), "next": encode_cursor(next_key)})
