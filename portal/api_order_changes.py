"""JSON API for changing an order after placement: PATCH /api/v1/orders/<id> and its history."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from models.core.errors import OrderChangeRefused
from models.orders.change_history import ChangeEntry, order_changes
from models.orders.change_review import change_and_review
from models.orders.partner_view import load_partner_order_view, own_actor_names
from models.orders.tables import Order
from models.orders.views import load_order_view
from models.partners.access import can_see_order
from portal.api import (
    answer_errors_as_json,
    api_error,
    json_object_body,
    require_order_desk,
    token_required,
)
from schemas.order_changes import order_change_schema
from schemas.order_resource import order_out, partner_order_out

bp = Blueprint("api_order_changes", __name__, url_prefix="/api/v1")
answer_errors_as_json(bp)


def _refused(exc: OrderChangeRefused):
    return api_error(409, "the order cannot be changed", reason=exc.reason)


bp.register_error_handler(OrderChangeRefused, _refused)


@bp.patch("/orders/<int:order_id>")
@token_required
def change(order_id: int):
    """Change ship_to fields, requested_delivery_date and/or the lines (replaced as given); the order goes back to
    review, which decides at once. Answers with the order as GET shows it, re-reviewed."""
    user = g.api_user
    if not can_see_order(user, order_id):
        return api_error(404, f"order {order_id} not found")
    require_order_desk(user, "change orders")
    data = order_change_schema.load(json_object_body())
    note = data.pop("note")
    change_and_review(order_id, data, actor=f"api:{user.email}", role=user.role, partner_id=user.partner_id,
                      note=note)
    return jsonify(_resource(order_id))


@bp.get("/orders/<int:order_id>/changes")
@token_required
def changes(order_id: int):
    """The order's changes, oldest first, each with before/after and review's outcome; and the status now."""
    user = g.api_user
    if not can_see_order(user, order_id):
        return api_error(404, f"order {order_id} not found")
    require_order_desk(user, "read order changes")
    own = None if user.is_ops else own_actor_names(user.partner_id)
    status = Order.select(Order.status).where(Order.id == order_id).scalar()
    return jsonify({"order_id": order_id, "status": status,
                    "changes": [_change_document(entry) for entry in order_changes(order_id, own_actors=own)]})


def _resource(order_id: int) -> dict:
    """The order as GET /api/v1/orders/<id> answers the caller."""
    if not g.api_user.is_ops:
        return partner_order_out.dump(load_partner_order_view(order_id, g.api_user.partner_id))
    return order_out.dump(load_order_view(order_id))


def _change_document(entry: ChangeEntry) -> dict:
    return {"id": entry.id, "actor": entry.actor, "role": entry.role, "note": entry.note,
            "at": entry.at.isoformat() + "+00:00", "status_before": entry.status_before,
            "before": entry.before, "after": entry.after, "outcome": entry.outcome}
