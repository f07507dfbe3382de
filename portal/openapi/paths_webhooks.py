"""Outbound webhook subscriptions (Standard Webhooks): managing them and their delivery log."""
from __future__ import annotations

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
