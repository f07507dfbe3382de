"""JSON API for returns: POST /api/v1/returns, GET /api/v1/returns/<id>, and the ops steps on a return."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from models.core.errors import InvalidTransition, NotFound, PermissionDenied
from models.orders.partner_view import own_actor_names
from models.partners.access import can_see_order
from models.returns.flow import Inspected, inspect_return, receive_return
from models.returns.partner_view import partner_return_document
from models.returns.refunds import mark_payout_paid
from models.returns.requesting import (
    RequestedLine,
    approve_return,
    reject_return,
    request_return,
)
from models.returns.views import payouts_to_make, return_document, visible_return
from portal.api import (
    answer_errors_as_json,
    json_object_body,
    require_order_desk,
    token_required,
)
from schemas.returns import (
    inspection_schema,
    payout_paid_schema,
    return_decision_schema,
    return_request_schema,
)

bp = Blueprint("api_returns", __name__, url_prefix="/api/v1")
answer_errors_as_json(bp)

# Deciding on a return and handling the parcel at the warehouse are ops work.
RETURN_DESK_ROLES = ("ops_admin", "ops_agent")
# Money back to customers is for the roles that record money in (see portal/api_payments.py).
MONEY_ROLES = ("ops_admin", "credit_controller")


@bp.post("/returns")
@token_required
def create_return():
    """Ask for a refund or an exchange of delivered lines; answers with the decision and its reasons."""
    user = g.api_user
    require_order_desk(user, "request returns")
    data = return_request_schema.load(json_object_body())
    if not can_see_order(user, data["order_id"]):
        raise NotFound(f"order {data['order_id']} not found")
    request = request_return(
        data["order_id"], resolution=data["resolution"], reason=data["reason"], comment=data["comment"],
        lines=[RequestedLine(**line) for line in data["lines"]], via="api", actor=f"api:{user.email}")
    return jsonify(_document(request.id)), 201


@bp.get("/returns/<int:return_id>")
@token_required
def get_return(return_id: int):
    return jsonify(_document(return_id))


@bp.post("/returns/<int:return_id>/approve")
@token_required
def approve(return_id: int):
    return _decide(return_id, approve_return)


@bp.post("/returns/<int:return_id>/reject")
@token_required
def reject(return_id: int):
    return _decide(return_id, reject_return)


def _decide(return_id: int, decide):
    """Approve or reject a return waiting for a person, with the body's note; 409 once it was decided."""
    note = _desk_body()["note"]
    visible_return(g.api_user, return_id)
    if not decide(return_id, actor=f"api:{g.api_user.email}", note=note):
        raise InvalidTransition(f"return {return_id} is not waiting for a decision")
    return jsonify(_document(return_id))


@bp.post("/returns/<int:return_id>/receive")
@token_required
def receive(return_id: int):
    _desk_body()
    request = visible_return(g.api_user, return_id)
    if not receive_return(return_id, actor=f"api:{g.api_user.email}"):
        raise InvalidTransition(f"return {return_id} is {request.status}: it cannot be received now")
    return jsonify(_document(return_id))


@bp.post("/returns/<int:return_id>/inspection")
@token_required
def inspect(return_id: int):
    _require_desk()
    data = inspection_schema.load(json_object_body())
    request = visible_return(g.api_user, return_id)
    inspected = [Inspected(line_id=line["line_id"], condition=line["condition"], note=line["note"])
                 for line in data["lines"]]
    if not inspect_return(return_id, inspected, actor=f"api:{g.api_user.email}"):
        raise InvalidTransition(f"return {return_id} is {request.status}: only a received return is inspected")
    return jsonify(_document(return_id))


@bp.get("/refunds")
@token_required
def list_payouts():
    """Payouts still to make (refunds whose invoice was already paid), for whoever sends the money."""
    _require_money_role()
    return jsonify({"payouts": payouts_to_make()})


@bp.post("/refunds/<int:refund_id>/paid")
@token_required
def payout_paid(refund_id: int):
    """Record that a payout left the bank, with the bank's reference; a repeat answers 409."""
    _require_money_role()
    data = payout_paid_schema.load(json_object_body())
    if not mark_payout_paid(refund_id, reference=data["reference"], actor=f"api:{g.api_user.email}"):
        raise InvalidTransition(f"refund {refund_id} is already paid")
    return jsonify({"id": refund_id, "status": "paid"})


def _document(return_id: int) -> dict:
    """The return as the token's user may read it: all of it for ops, a partner's view otherwise."""
    user = g.api_user
    document = return_document(visible_return(user, return_id))
    return document if user.is_ops else partner_return_document(document, own_actor_names(user.partner_id))


def _require_money_role() -> None:
    if g.api_user.role not in MONEY_ROLES:
        raise PermissionDenied(f"role {g.api_user.role} may not handle refunds; ops_admin or credit_controller may")


def _require_desk() -> None:
    if g.api_user.role not in RETURN_DESK_ROLES:
        raise PermissionDenied(f"role {g.api_user.role} may not handle returns; ops_admin or ops_agent may")


def _desk_body() -> dict:
    """The optional {"note": ...} of a step; no body at all is an empty note."""
    _require_desk()
    return return_decision_schema.load(json_object_body() if request.get_data() else {})
