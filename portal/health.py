"""Health probes: public liveness and readiness without detail, and the detail for ops and monitoring.

- ``GET /healthz/live``: 200 while the process serves requests; no I/O at all.
- ``GET /healthz/ready``: 200 when the database answers and is migrated, else 503. The broker is left out on
  purpose: orders go to the outbox, so the portal keeps taking them while RabbitMQ is away.
- ``GET /healthz``: database (migrations, unsent outbox rows) and broker (queues, dead letters) in detail, for a
  signed-in ops user, an ops API token or the ``OMS_HEALTH_TOKEN`` bearer token (which needs no database).
"""
from __future__ import annotations

import hmac

import peewee
from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user

from models.core.db import connection, database, is_sqlite
from models.core.migrate import pending_migrations
from models.core.outbox import OutboxMessage
from models.partners.tables import ApiToken
from portal.broker_probe import broker_state
from portal.outage import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)

# The app opens no database connection before these views: each must answer whatever the database does.
PROBE_ENDPOINTS = ("health.live", "health.ready", "health.healthz")


@bp.get("/healthz/live")
def live():
    return jsonify({"status": "ok"})


@bp.get("/healthz/ready")
def ready():
    try:
        with connection():
            database.execute_sql("SELECT 1")
            migrated = not pending_migrations()
    except peewee.PeeweeException:
        migrated = None  # unreachable; why is for the detail view, not for the public
    if not migrated:
        return jsonify({"status": "unavailable"}), 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return jsonify({"status": "ok"})


@bp.get("/healthz")
def healthz():
    if not _may_see_detail():
        return jsonify({"error": "the health detail needs an ops login or a bearer token; "
                                 "/healthz/live and /healthz/ready are public"}), 401, {"WWW-Authenticate": "Bearer"}
    settings = current_app.config["OMS_SETTINGS"]
    db_state = _database_state()
    broker = broker_state(settings.broker_url)
    healthy = db_state["status"] == "ok" and broker["status"] == "ok"
    return jsonify({"status": "ok" if healthy else "degraded", "database": db_state, "broker": broker}), \
        200 if healthy else 503


def _may_see_detail() -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        expected = current_app.config["OMS_SETTINGS"].health_token
        if expected and hmac.compare_digest(token.encode(), expected.encode()):
            return True
        user = ApiToken.user_for(token)
        return user is not None and user.is_ops
    return current_user.is_authenticated and current_user.is_ops


def _database_state() -> dict:
    try:
        with connection():
            database.execute_sql("SELECT 1")
            pending = pending_migrations()
            if pending:
                return {"status": "error", "engine": _engine(), "pending_migrations": pending}
            unsent = OutboxMessage.unsent().count()
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health page
        return {"status": "error", "error": str(exc)[:300]}
    return {"status": "ok", "engine": _engine(), "outbox_unsent": unsent}


def _engine() -> str:
    return "sqlite" if is_sqlite() else "postgresql"
