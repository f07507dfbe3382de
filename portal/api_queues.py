"""The queue cockpit over the API: ``GET /api/v1/queues``, the dead letters, and retrying or discarding them.

Ops tokens read; ops_admin and ops_agent tokens decide. ``dead`` in the queue list counts the open dead letters
recorded in the database for that queue (the table is what ops act on; RabbitMQ's ``.XQ`` only feeds it).
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request

from models.core.errors import PermissionDenied, ValidationFailed
from models.operations.dead_letters import (
    dead_letter_page,
    decide_dead_letter,
    decide_dead_letters,
    get_dead_letter,
)
from portal.api import answer_errors_as_json, token_required
from portal.json_body import json_object_body, optional_json_object_body
from schemas.dead_letters import (
    bulk_decision_schema,
    dead_letter_out,
    dead_letter_query_schema,
    dead_letters_out,
    decision_schema,
)
from workers.queue_watch import queue_overview

bp = Blueprint("api_queues", __name__, url_prefix="/api/v1")
answer_errors_as_json(bp)

DECIDERS = ("ops_admin", "ops_agent")


def _require(roles: tuple[str, ...] | None, doing: str):
    user = g.api_user
    if not (user.is_ops if roles is None else user.role in roles):
        raise PermissionDenied(f"role {user.role} may not {doing}")
    return user


@bp.get("/queues")
@token_required
def list_queues():
    _require(None, "read the queues")
    return jsonify(queue_overview(current_app.config["OMS_SETTINGS"]))


@bp.get("/dead-letters")
@token_required
def list_dead_letters():
    _require(None, "read the dead letters")
    query = dead_letter_query_schema.load(request.args)
    items, following = dead_letter_page(queue=query["queue"], status=query["status"], before=query["before"],
                                        limit=query["limit"])
    return jsonify({"items": dead_letters_out.dump(items), "next": following})


@bp.get("/dead-letters/<int:dead_letter_id>")
@token_required
def show_dead_letter(dead_letter_id: int):
    _require(None, "read the dead letters")
    return jsonify(dead_letter_out.dump(get_dead_letter(dead_letter_id)))


@bp.post("/dead-letters/<int:dead_letter_id>/retry")
@token_required
def retry_one(dead_letter_id: int):
    return _decide_one(dead_letter_id, "retry")


@bp.post("/dead-letters/<int:dead_letter_id>/discard")
@token_required
def discard_one(dead_letter_id: int):
    return _decide_one(dead_letter_id, "discard")


def _decide_one(dead_letter_id: int, decision: str):
    user = _require(DECIDERS, f"{decision} dead letters")
    body = decision_schema.load(optional_json_object_body())
    item = decide_dead_letter(dead_letter_id, decision, actor=f"api:{user.email}", note=body["note"])
    return jsonify(dead_letter_out.dump(item))


@bp.post("/dead-letters/retry")
@token_required
def retry_many():
    return _decide_many("retry")


@bp.post("/dead-letters/discard")
@token_required
def discard_many():
    return _decide_many("discard")


def _decide_many(decision: str):
    """``{"ids": […]}`` or ``{"queue": name}`` (every open one of it) with a required ``note``: the ids decided;
    those not open any more are left out."""
    user = _require(DECIDERS, f"{decision} dead letters")
    body = bulk_decision_schema.load(json_object_body())
    if bool(body["ids"]) == bool(body["queue"]):
        raise ValidationFailed({"ids": ["give either ids or a queue"]}, "give either ids or a queue")
    decided = decide_dead_letters(body["ids"], decision, actor=f"api:{user.email}", note=body["note"],
                                  queue=body["queue"])
    return jsonify({"decided": decided, "count": len(decided)})
