"""What ops watch and feed: queues and dead letters, stuck work, the events feed, exchange rates and prices,
and the signed webhooks carriers and shops call."""
from __future__ import annotations

from portal.openapi.operations import CARRIER, CHANNEL, Op, obj
from schemas.dead_letters import (
    bulk_decision_schema,
    dead_letter_out,
    dead_letter_query_schema,
    dead_letters_out,
    decision_schema,
)
from schemas.exchange_rates import rate_query_schema, rate_schema, rates_out
from schemas.price_lists import price_query_schema
from schemas.tracking import tracking_events_schema

DECIDERS = "ops_admin, ops_agent"
EVENTS_QUERY = [
    {"in": "query", "name": "after", "required": False, "description": "an event id: the events after it",
     "schema": {"type": "integer", "minimum": 0, "maximum": 2**63 - 1, "default": 0}},
    {"in": "query", "name": "limit", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
]
RESULTS = obj("results:[object]")

OPERATIONS = [
    Op("GET", "/queues", "Queue depths and open dead letters per queue", "operations", roles="ops roles",
       answers={200: {"type": ["object", "array"]}}, errors=(403,)),
    Op("GET", "/dead-letters", "Dead letters, newest first", "operations", roles="ops roles",
       query=dead_letter_query_schema,
       answers={200: {"type": "object", "properties": {"items": dead_letters_out,
                                                       "next": {"type": ["integer", "null"]}}}},
       errors=(403, 422)),
    Op("GET", "/dead-letters/<int:dead_letter_id>", "Read a dead letter", "operations", roles="ops roles",
       answers={200: dead_letter_out}, errors=(403, 404)),
    Op("POST", "/dead-letters/<int:dead_letter_id>/retry", "Retry a dead letter", "operations", roles=DECIDERS,
       body=decision_schema, body_required=False, answers={200: dead_letter_out}, errors=(403, 404, 409, 422)),
    Op("POST", "/dead-letters/<int:dead_letter_id>/discard", "Discard a dead letter", "operations", roles=DECIDERS,
       body=decision_schema, body_required=False, answers={200: dead_letter_out}, errors=(403, 404, 409, 422)),
    Op("POST", "/dead-letters/retry", "Retry dead letters by ids or queue", "operations", roles=DECIDERS,
       body=bulk_decision_schema, answers={200: obj("decided:[integer]", "count:integer")}, errors=(403, 422)),
    Op("POST", "/dead-letters/discard", "Discard dead letters by ids or queue", "operations", roles=DECIDERS,
       body=bulk_decision_schema, answers={200: obj("decided:[integer]", "count:integer")}, errors=(403, 422)),
    Op("GET", "/stuck", "Work stuck in a status longer than it should be", "operations", roles="ops roles",
       answers={200: obj("stuck_after_seconds:integer", "total:integer", "groups:[object]", "items:[object]")},
       errors=(403,)),
    Op("GET", "/events", "Shipment events after an event id, in id order", "events",
       roles="ops roles; a distributor the events of its orders", query=EVENTS_QUERY,
       answers={200: obj("events:[object]", "next_after:integer")}, errors=(403, 422)),
    Op("GET", "/exchange-rates", "Exchange rates, newest day first", "money",
       roles="ops roles and distributors", query=rate_query_schema,
       answers={200: {"type": "object", "properties": {"base_currency": {"type": "string"}, "rates": rates_out}}},
       errors=(403, 422)),
    Op("POST", "/exchange-rates", "Set exchange rates, each validated on its own", "money",
       roles="ops_admin, credit_controller",
       body={"type": "object", "required": ["rates"], "properties": {
           "rates": {"type": "array", "minItems": 1, "maxItems": 1000, "items": rate_schema}}},
       answers={200: RESULTS, 207: RESULTS}, errors=(403, 422),
       description="``results`` by index, each its outcome or its errors; 207 when some were not set."),
    Op("GET", "/prices", "A customer's prices", "money",
       roles="ops roles (naming the customer) and distributors (their customers)", query=price_query_schema,
       answers={200: obj("customer:string", "currency:string", "quantity:integer", "day:string",
                         "price_book_version:integer?", "prices:[object]")},
       errors=(403, 404, 422)),
    Op("GET", "/price-lists", "The price book in force and its version", "money", roles="ops roles",
       answers={200: obj("version:integer?")}, errors=(403,)),
    Op("POST", "/carriers/<carrier>/events", "A carrier's tracking events (signed webhook)", "webhooks",
       auth=CARRIER, body=tracking_events_schema,
       answers={200: obj("stored:integer", "duplicates:integer", "unknown_waybills")}, errors=(422,)),
    Op("POST", "/channels/<code>/webhook", "A Shopify or WooCommerce order (signed webhook)", "webhooks",
       auth=CHANNEL, body={"type": "object", "description": "the shop's order payload"},
       answers={201: obj("id:integer", "status:string", "created:boolean"),
                200: obj("id:integer", "status:string", "created:boolean", "ignored:string")},
       errors=(404, 422), description="201 when placed, 200 when placed before or when the topic is ignored."),
]
