"""The outbound events feed channels poll: ``GET /api/v1/events?after=&limit=``, shipment events in id order.

Ops tokens read every event; a distributor token the events of the orders it may see; other roles get 403.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from marshmallow import fields, validate

from models.core.errors import PermissionDenied
from models.shipping.events import shipment_events_after
from portal.api import answer_errors_as_json, token_required
from schemas.fields import InputSchema

bp = Blueprint("api_events", __name__, url_prefix="/api/v1")

MAX_PAGE = 500
MAX_ID = 2**63 - 1  # larger numbers cannot be bound as a database integer

answer_errors_as_json(bp)


class EventsQuerySchema(InputSchema):
    after = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_ID))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=MAX_PAGE))


events_query_schema = EventsQuerySchema()


@bp.get("/events")
@token_required
def list_events():
    """One page of events after ``after`` (an event id); ``next_after`` is the id to ask after next."""
    user = g.api_user
    if not (user.is_ops or user.role == "distributor"):
        raise PermissionDenied(f"role {user.role} may not read the events feed")
    query = events_query_schema.load(request.args)
    events = shipment_events_after(user, after=query["after"], limit=query["limit"])
    return jsonify({"events": events, "next_after": events[-1]["id"] if events else query["after"]})
