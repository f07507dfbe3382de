"""Webhook subscriptions by API: create (the secret is in this answer only), list, read, change, delete,
enable, the delivery log and redelivery. Ops admins hold ops subscriptions; distributors and suppliers their own."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from models.core.errors import PermissionDenied
from models.webhooks.rules import EVENT_TYPES
from models.webhooks.subscriptions import (
    SubscriptionChange,
    create_subscription,
    delete_subscription,
    deliveries,
    delivery_document,
    may_manage_webhooks,
    redeliver,
    subscription_document,
    update_subscription,
    visible_subscription,
    visible_subscriptions,
)
from portal.api import (
    answer_errors_as_json,
    json_object_body,
    optional_json_object_body,
    token_required,
)
from schemas.webhooks import (
    deliveries_query_schema,
    subscription_change_schema,
    subscription_schema,
)

bp = Blueprint("api_webhooks", __name__, url_prefix="/api/v1")
answer_errors_as_json(bp)


@bp.post("/webhooks")
@token_required
def create():
    if not may_manage_webhooks(g.api_user):  # before the body, so a refused role learns nothing from a 422
        raise PermissionDenied(f"role {g.api_user.role} may not manage webhooks")
    data = subscription_schema.load(json_object_body())
    subscription, secret = create_subscription(g.api_user, data["url"], data["events"],
                                               description=data["description"])
    return jsonify(subscription_document(subscription, secret=secret)), 201


@bp.get("/webhooks")
@token_required
def list_subscriptions():
    return jsonify({"webhooks": [subscription_document(s) for s in visible_subscriptions(g.api_user)],
                    "event_types": list(EVENT_TYPES)})


@bp.get("/webhooks/<int:subscription_id>")
@token_required
def get(subscription_id: int):
    return jsonify(subscription_document(visible_subscription(g.api_user, subscription_id)))


@bp.patch("/webhooks/<int:subscription_id>")
@token_required
def change(subscription_id: int):
    data = subscription_change_schema.load(json_object_body())
    return jsonify(subscription_document(update_subscription(g.api_user, subscription_id,
                                                             SubscriptionChange(**data))))


@bp.delete("/webhooks/<int:subscription_id>")
@token_required
def delete(subscription_id: int):
    delete_subscription(g.api_user, subscription_id)
    return "", 204


@bp.post("/webhooks/<int:subscription_id>/enable")
@token_required
def enable(subscription_id: int):
    optional_json_object_body()
    return jsonify(subscription_document(update_subscription(g.api_user, subscription_id,
                                                             SubscriptionChange(active=True))))


@bp.get("/webhooks/<int:subscription_id>/deliveries")
@token_required
def delivery_log(subscription_id: int):
    """Newest first; ``next_before`` pages on."""
    query = deliveries_query_schema.load(request.args)
    rows = deliveries(g.api_user, subscription_id, before=query["before"], limit=query["limit"])
    return jsonify({"deliveries": [delivery_document(row) for row in rows],
                    "next_before": rows[-1].id if len(rows) == query["limit"] else None})


@bp.post("/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver")
@token_required
def send_again(subscription_id: int, delivery_id: int):
    """Send the delivery again now, with the same webhook-id."""
    optional_json_object_body()
    row = redeliver(g.api_user, delivery_id, subscription_id=subscription_id)
    return jsonify(delivery_document(row)), 202
