"""Printable shipment documents as PDF: a shipment's dispatch note and a warehouse's pick list, for the
portal (session login) and the API (bearer token)."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from models.core.errors import NotFound, PermissionDenied, ValidationFailed
from models.partners.access import can_see_order
from models.partners.tables import OPS_ROLES
from models.shipping.documents import DispatchNote, dispatch_note_data, pick_list_data
from portal.api import (
    answer_errors_as_json,
    api_error,
    require_order_desk,
    token_required,
)
from portal.auth import ops_required, role_required
from portal.documents.dispatch_note import render_dispatch_note
from portal.documents.pick_list import render_pick_list

bp = Blueprint("shipment_documents", __name__)
api_bp = Blueprint("shipment_documents_api", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)

order_desk = role_required(*OPS_ROLES, "distributor")


# --- portal ----------------------------------------------------------------------------------------

@bp.get("/ops/shipments/<int:shipment_id>/dispatch-note.pdf")
@order_desk
def ops_dispatch_note(shipment_id: int) -> ResponseReturnValue:
    """The shipment's dispatch note; 404 when the shipment is missing or its order is someone else's."""
    note = visible_dispatch_note(current_user, shipment_id)
    if note is None:
        abort(404)
    return pdf_response(render_dispatch_note(note), f"dispatch-note-{note.shipment_ref}.pdf")


@bp.get("/ops/pick-list.pdf")
@ops_required
def ops_pick_list() -> ResponseReturnValue:
    """The pick list of ``?warehouse=CODE``: the shipments named by ``&shipment=ID`` or every one not picked up."""
    code = request.args.get("warehouse", "").strip()
    if not code:
        abort(400, description="Give the warehouse: ?warehouse=CODE")
    try:
        pick_list = pick_list_data(code, shipment_ids_asked())
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        abort(422, description="; ".join(exc.messages.get("shipment", [str(exc)])))
    return pdf_response(render_pick_list(pick_list), f"pick-list-{safe_name(code)}.pdf")


# --- API -------------------------------------------------------------------------------------------

@api_bp.get("/shipments/<int:shipment_id>/dispatch-note.pdf")
@token_required
def api_dispatch_note(shipment_id: int):
    """The shipment's dispatch note as a PDF for ops and distributor tokens; 404 for a shipment not visible."""
    require_order_desk(g.api_user, "print dispatch notes")
    note = visible_dispatch_note(g.api_user, shipment_id)
    if note is None:
        return api_error(404, f"shipment {shipment_id} not found")
    return pdf_response(render_dispatch_note(note), f"dispatch-note-{note.shipment_ref}.pdf")


@api_bp.get("/warehouses/<code>/pick-list.pdf")
@token_required
def api_pick_list(code: str):
    """The warehouse's pick list as a PDF for ops tokens; ``?shipment=ID`` (repeated) picks the batch."""
    if not g.api_user.is_ops:
        raise PermissionDenied(f"role {g.api_user.role} may not print pick lists")
    try:
        pick_list = pick_list_data(code, shipment_ids_asked())
    except NotFound:
        return api_error(404, f"warehouse {code} not found")
    return pdf_response(render_pick_list(pick_list), f"pick-list-{safe_name(code)}.pdf")


# --- shared ----------------------------------------------------------------------------------------

def visible_dispatch_note(user, shipment_id: int) -> DispatchNote | None:
    """The dispatch note, or None when the shipment is missing or ``user`` may not see its order."""
    note = dispatch_note_data(shipment_id)
    return note if note is not None and can_see_order(user, note.order_id) else None


def shipment_ids_asked() -> list[int] | None:
    """The ``shipment`` query values (repeated or comma-separated) as ids; None when none were given."""
    values = [part.strip() for value in request.args.getlist("shipment") for part in value.split(",")]
    values = [value for value in values if value]
    if not values:
        return None
    wrong = [value for value in values if not (value.isascii() and value.isdigit()) or len(value) > 18]
    if wrong:
        raise ValidationFailed({"shipment": [f"{value!r} is not a shipment id" for value in wrong[:10]]})
    return [int(value) for value in values]


def pdf_response(body: bytes, filename: str) -> Response:
    """``body`` shown inline as a PDF named ``filename``; not cached, since it carries addresses."""
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)[:64]
