"""Outbound webhook subscriptions (Standard Webhooks): managing them and their delivery log."""
from __future__ import annotations

from models.webhooks.rules import EVENT_TYPES
from portal.openapi.operations import Op, obj
from schemas.webhooks import (
    deliveries_query_schema,
    subscription_change_schema,
    subscription_schema,
)

OWNERS = "ops_admin (ops subscriptions); distributors and suppliers their own"
SUBSCRIPTION = obj("id:integer", "url:string", "events:[string]", "active:boolean")
DELIVERY = obj("id:integer", "status:string")
ERRORS = (403, 404, 409, 422)

OPERATIONS = [
    Op("POST", "/webhooks", "Subscribe a URL to event types", "webhooks", roles=OWNERS, body=subscription_schema,
       answers={201: SUBSCRIPTION}, errors=ERRORS,
       description="The answer holds the signing ``secret`` (whsec_…), shown this once."),
    Op("GET", "/webhooks", "The token's subscriptions and the event types", "webhooks", roles=OWNERS,
       answers={200: obj("webhooks:[object]", "event_types:[string]")}, errors=(403,)),
    Op("GET", "/webhooks/<int:subscription_id>", "Read a subscription", "webhooks", roles=OWNERS,
       answers={200: SUBSCRIPTION}, errors=(403, 404)),
    Op("PATCH", "/webhooks/<int:subscription_id>", "Change a subscription's URL, events, description or active",
       "webhooks", roles=OWNERS, body=subscription_change_schema, answers={200: SUBSCRIPTION}, errors=ERRORS),
    Op("DELETE", "/webhooks/<int:subscription_id>", "Delete a subscription", "webhooks", roles=OWNERS,
       answers={204: None}, errors=(403, 404, 409)),
    Op("POST", "/webhooks/<int:subscription_id>/enable", "Enable a subscription again", "webhooks", roles=OWNERS,
       body={"type": "object"}, body_required=False, answers={200: SUBSCRIPTION}, errors=ERRORS),
    Op("GET", "/webhooks/<int:subscription_id>/deliveries", "A subscription's deliveries, newest first",
       "webhooks", roles=OWNERS, query=deliveries_query_schema,
       answers={200: obj("deliveries:[object]", "next_before:integer?")}, errors=(403, 404, 422)),
    Op("POST", "/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver", "Send a delivery again",
       "webhooks", roles=OWNERS, body={"type": "object"}, body_required=False, answers={202: DELIVERY},
       errors=ERRORS),
]

# What each event's ``data`` holds (models/webhooks/sources.py writes them); posted as {type, timestamp, data}.
STATUS_CHANGE = ("from_status:string?", "to_status:string", "reason:string", "changed_at:string")
ORDER_REF = ("order_id:integer?", "order_ref:string?")
EVENT_DATA = {
    "order.status_changed": ("An order changed status", obj(*STATUS_CHANGE, *ORDER_REF)),
    "shipment.status_changed": ("A shipment changed status", obj(*STATUS_CHANGE, *ORDER_REF)),
    "shipment.tracking": ("A carrier reported a tracking event", obj(
        *ORDER_REF, "shipment_id:integer", "carrier:string", "code:string", "description:string",
        "location:string", "occurred_at:string")),
    "stock.low": ("Available stock fell to the reorder point", obj(
        "alert_id:integer", "sku:string", "warehouse:string", "available:integer", "reorder_point:integer")),
    "purchase_order.status_changed": ("A purchase order changed status", obj(
        *STATUS_CHANGE, "purchase_order_id:integer", "purchase_order_number:string")),
    "purchase_order.asn_received": ("A supplier announced a delivery (advance shipping notice)", obj(
        "asn_id:integer", "purchase_order_id:integer", "purchase_order_number:string", "reference:string",
        "carrier:string", "tracking_number:string", "shipped_at:string?", "expected_on:string?")),
    "return.status_changed": ("A return changed status", obj(*STATUS_CHANGE, *ORDER_REF)),
    "return.refunded": ("A refund was recorded for a return", obj(
        "return_id:integer", *ORDER_REF, "refund_id:integer", "amount:string", "currency:string", "method:string",
        "reference:string", "status:string")),
}
assert set(EVENT_DATA) == set(EVENT_TYPES), "every event type is described"
SIGNATURE_HEADERS = [
    {"in": "header", "name": "webhook-id", "required": True, "schema": {"type": "string"},
     "description": "msg_…, the same on every attempt of one delivery: deduplicate on it"},
    {"in": "header", "name": "webhook-timestamp", "required": True, "schema": {"type": "string"},
     "description": "Unix seconds of this attempt"},
    {"in": "header", "name": "webhook-signature", "required": True, "schema": {"type": "string"},
     "description": "v1,<base64 HMAC-SHA256 of id.timestamp.body with the secret after whsec_>"},
]


def webhook_operations() -> dict[str, dict]:
    """The OpenAPI 3.1 ``webhooks`` map: the POST a subscriber receives for each event type."""
    return {event_type: {"post": {
        "summary": summary, "tags": ["webhooks"], "operationId": "event_" + event_type.replace(".", "_"),
        "parameters": SIGNATURE_HEADERS,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["type", "timestamp", "data"], "properties": {
                "type": {"const": event_type}, "timestamp": {"type": "string", "format": "date-time"},
                "data": data}}}}},
        "responses": {"2XX": {"description": "Delivered; any other answer is retried on the schedule"}},
    }} for event_type, (summary, data) in EVENT_DATA.items()}
