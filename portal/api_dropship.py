"""JSON API for drop-ship parcels: the supplier (or ops) reports the tracking events of a drop-ship delivery, which
move the sales order's shipment and order on as a carrier's events would.

A supplier token reaches only its own purchase orders: another supplier's number or ASN answers 404, no data."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from models.core.errors import PermissionDenied
from models.supply.dropship import record_supplier_events, supplier_parcel
from portal.api import answer_errors_as_json, token_required
from portal.json_body import json_object_body
from schemas.dropship import supplier_events_schema

bp = Blueprint("api_dropship", __name__, url_prefix="/api/v1")

TRACKERS = ("ops_admin", "ops_agent")  # ops who act on purchase orders

answer_errors_as_json(bp)


@bp.post("/purchase-orders/<number>/asns/<int:asn_id>/events")
@token_required
def post_events(number: str, asn_id: int):
    """``{events: [{code, occurred_at, location?, description?, event_id?}]}`` for the parcel of a drop-ship ASN;
    a repeated event is ignored. 200 with how many were stored and how many were repeats."""
    user = g.api_user
    if user.role == "supplier":
        supplier_id = user.partner_id if user.partner_id else -1  # a supplier user without its supplier sees nothing
    elif user.role in TRACKERS:
        supplier_id = None
    else:
        raise PermissionDenied(f"role {user.role} may not report tracking events")
    body = json_object_body()  # a malformed body is 400 on every JSON endpoint, whatever the URL names
    supplier_parcel(number, asn_id, supplier_id=supplier_id)  # 404 before the events are validated
    events = supplier_events_schema.load(body)["events"]
    result = record_supplier_events(number, asn_id, events, supplier_id=supplier_id, actor=f"api:{user.email}")
    return jsonify({"stored": result.stored, "duplicates": result.duplicates})
