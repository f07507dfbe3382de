"""JSON API under /api/v1: bearer-token order intake and reads, and the carriers' tracking webhook."""
from __future__ import annotations

import time
from functools import wraps
from typing import Callable

from flask import Blueprint, current_app, g, jsonify, request
from marshmallow import ValidationError

from models.core.errors import (
    BodyNotAnObject,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SignatureInvalid,
    ValidationFailed,
)
from models.intake.batch_entry import place_orders
from models.intake.entry import place_order
from models.orders.cancellation import cancel_order
from models.orders.order_list import OrderListFilter, customer_filter, order_page
from models.orders.partner_view import load_partner_order_view
from models.orders.states import ORDER_CANCELLED, ORDER_ON_HOLD
from models.orders.tables import Order
from models.orders.views import load_order_view
from models.partners.access import can_see_order
from models.partners.tables import ApiToken
from models.review.hold_decisions import reject_held_order, release_held_order
from models.review.rules import HOLD_DECIDERS
from models.shipping.tracking import record_tracking_events
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_body,
)
from portal.json_body import json_object_body, optional_json_object_body, parse_json
from schemas.order_list import order_list_query_schema, order_rows_out
from schemas.order_resource import order_out, partner_order_out
from schemas.orders import order_schema
from schemas.tracking import tracking_events_schema

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_COMMENT = 2000  # as the portal's decision forms allow
MAX_BATCH_ORDERS = 500  # orders per POST /orders/batch: one transaction, a few statements per 500 rows


def api_error(status: int, message: str, **extra):
    """The JSON error body every API endpoint answers with."""
    return jsonify({"error": message, **extra}), status


def require_order_desk(user, doing: str) -> None:
    """Ops roles and distributors work with orders; anyone else is refused with 403."""
    if not (user.is_ops or user.role == "distributor"):
        raise PermissionDenied(f"role {user.role} may not {doing}")


def _invalid_body(exc: ValidationError):
    return api_error(422, "validation failed", errors=exc.messages)


def _invalid_data(exc: ValidationFailed):
    return api_error(422, str(exc), errors=exc.messages)


def forbidden(exc: PermissionDenied):
    return api_error(403, str(exc))


def _not_an_object(exc: BodyNotAnObject):
    return api_error(400, str(exc))


def answer_errors_as_json(blueprint: Blueprint) -> None:
    """A body that is not an object answers 400, bad bodies and failed validation 422, refused
    permissions 403, a missing (or another partner's) record 404, a move its state forbids 409, as JSON
    error bodies."""
    blueprint.register_error_handler(BodyNotAnObject, _not_an_object)
    blueprint.register_error_handler(ValidationError, _invalid_body)
    blueprint.register_error_handler(ValidationFailed, _invalid_data)
    blueprint.register_error_handler(PermissionDenied, forbidden)
    blueprint.register_error_handler(NotFound, _not_found)
    blueprint.register_error_handler(InvalidTransition, _conflict)


def _not_found(exc: NotFound):
    return api_error(404, str(exc))


def _conflict(exc: InvalidTransition):
    return api_error(409, str(exc))


answer_errors_as_json(bp)


def token_required(view):
    """Resolve ``Authorization: Bearer <token>`` to ``g.api_user`` or answer 401."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        user = ApiToken.user_for(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        if user is None:
            return api_error(401, "missing or invalid bearer token")
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


@bp.post("/orders")
@token_required
def create_order():
    user = g.api_user
    require_order_desk(user, "place orders")
    data = order_schema.load(json_object_body())
    placed_by = user.partner if user.role == "distributor" else None
    order, created = place_order(data, actor=f"api:{user.email}", placed_by=placed_by)
    payload = {"id": order.id, "status": order.status, "external_ref": order.external_ref,
               "channel": order.channel, "created": created}
    return jsonify(payload), 202 if created else 200


@bp.post("/orders/batch")
@token_required
def create_orders():
    """Place up to MAX_BATCH_ORDERS orders, each validated as POST /orders does: ``results`` by index, each the
    order (id, created, status) or its errors; 200 when all were placed, 207 when some were not."""
    user = g.api_user
    require_order_desk(user, "place orders")
    envelope = json_object_body()
    orders = envelope.get("orders")
    if set(envelope) != {"orders"} or not isinstance(orders, list) or not orders:
        return api_error(422, 'expected a body {"orders": [order, …]} with 1 to '
                              f"{MAX_BATCH_ORDERS} orders as POST /api/v1/orders takes them")
    if len(orders) > MAX_BATCH_ORDERS:
        return api_error(422, f"{len(orders)} orders in one request; send at most {MAX_BATCH_ORDERS} a request")
    results, valid = {}, {}
    for index, body in enumerate(orders):
        try:
            valid[index] = order_schema.load(body)
        except (ValidationError, ValidationFailed) as exc:
            results[index] = {"index": index, "errors": exc.messages}
    placed_by = user.partner if user.role == "distributor" else None
    for index, placed in zip(valid, place_orders(list(valid.values()), actor=f"api:{user.email}",
                                                 placed_by=placed_by)):
        results[index] = ({"index": index, "id": placed.order_id, "created": placed.created, "status": placed.status}
                          if placed.placed else {"index": index, "errors": placed.errors})
    answer = [results[index] for index in range(len(orders))]
    return jsonify({"results": answer}), 207 if any("errors" in result for result in answer) else 200


@bp.get("/orders")
@token_required
def list_orders():
    """The orders the token's user may see, newest first: ``orders`` and the ``next_before`` of the next page."""
    user = g.api_user
    require_order_desk(user, "list orders")
    args = order_list_query_schema.load(request.args)
    page = order_page(user, OrderListFilter(status=args["status"], channel=args["channel"],
                                            customer=customer_filter(args["customer"]), search=args["q"].strip(),
                                            before=args["before"], limit=args["limit"]))
    return jsonify({"orders": order_rows_out.dump(page.orders), "next_before": page.next_before})


@bp.get("/orders/<int:order_id>")
@token_required
def get_order(order_id: int):
    if not can_see_order(g.api_user, order_id):
        return api_error(404, f"order {order_id} not found")
    if not g.api_user.is_ops:  # a partner's token: what concerns it, without the OMS's inner workings
        return jsonify(partner_order_out.dump(load_partner_order_view(order_id, g.api_user.partner_id)))
    return jsonify(order_out.dump(load_order_view(order_id)))


@bp.post("/orders/<int:order_id>/cancel")
@token_required
def cancel(order_id: int):
    """Cancel an order that has not shipped; its reservations are released."""
    if not can_see_order(g.api_user, order_id):
        return api_error(404, f"order {order_id} not found")
    require_order_desk(g.api_user, "cancel orders")
    reason = optional_json_object_body().get("reason") or "cancelled via API"
    if not isinstance(reason, str):
        return api_error(422, "validation failed", errors={"reason": ["Not a valid string."]})
    reason = reason[:500]
    if not cancel_order(order_id, actor=f"api:{g.api_user.email}", reason=reason):
        status = Order.select(Order.status).where(Order.id == order_id).scalar()
        return api_error(409, f"order {order_id} is {status} and can no longer be cancelled")
    return jsonify({"id": order_id, "status": ORDER_CANCELLED})


@bp.post("/orders/<int:order_id>/release")
@token_required
def release(order_id: int):
    """Release an order on hold to allocation; body ``{"comment": "..."}`` (optional)."""
    return _decide_hold(order_id, release_held_order, "release")


@bp.post("/orders/<int:order_id>/reject")
@token_required
def reject(order_id: int):
    """Reject an order on hold; body ``{"comment": "..."}`` with the reason (required)."""
    return _decide_hold(order_id, reject_held_order, "reject")


def _decide_hold(order_id: int, decide: Callable[..., bool], doing: str):
    user = g.api_user
    if not can_see_order(user, order_id):
        return api_error(404, f"order {order_id} not found")
    if user.role not in HOLD_DECIDERS:
        raise PermissionDenied(f"role {user.role} may not {doing} held orders")
    comment = optional_json_object_body().get("comment", "")  # no body: no comment
    if not isinstance(comment, str):
        return api_error(400, 'expected a JSON object body such as {"comment": "..."}')
    if len(comment) > MAX_COMMENT:
        return api_error(422, "validation failed", errors={"comment": [f"at most {MAX_COMMENT} characters"]})
    if not _on_hold(order_id) or not decide(order_id, actor=f"api:{user.email}", role=user.role,
                                            comment=comment):
        status = Order.select(Order.status).where(Order.id == order_id).scalar()
        return api_error(409, f"order {order_id} is {status}, not on hold")
    return jsonify(order_out.dump(load_order_view(order_id)))


def _on_hold(order_id: int) -> bool:
    return Order.select().where(Order.id == order_id, Order.status == ORDER_ON_HOLD).exists()


@bp.post("/carriers/<carrier>/events")
def carrier_events(carrier: str):
    settings = current_app.config["OMS_SETTINGS"]
    body = request.get_data()
    try:
        verify_body(settings.carrier_webhook_secret, request.headers.get(TIMESTAMP_HEADER),
                    request.headers.get(SIGNATURE_HEADER), body, now=time.time())
    except SignatureInvalid as exc:
        return api_error(401, str(exc))
    events = tracking_events_schema.load(parse_json(body or b"{}"))["events"]
    result = record_tracking_events(carrier, events, actor=f"carrier:{carrier}")
    return jsonify({"stored": result.stored, "duplicates": result.duplicates,
                    "unknown_waybills": result.unknown_waybills})
