"""GET /healthz: is the database reachable and migrated, and is the broker reachable."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from models.core.db import database, is_sqlite
from models.core.migrate import pending_migrations
from models.core.outbox import OutboxMessage
from portal.broker_probe import broker_state

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    settings = current_app.config["OMS_SETTINGS"]
    db_state = _database_state()
    broker = broker_state(settings.broker_url)
    healthy = db_state["status"] == "ok" and broker["status"] == "ok"
    return jsonify({"status": "ok" if healthy else "degraded", "database": db_state, "broker": broker}), \
        200 if healthy else 503


def _database_state() -> dict:
    try:
        database.execute_sql("SELECT 1")
        pending = pending_migrations()
        if pending:
            return {"status": "error", "engine": "sqlite" if is_sqlite() else "postgresql", "pending_migrations": pending}
        unsent = OutboxMessage.unsent().count()
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health page
        return {"status": "error", "error": str(exc)[:300]}
    return {"status": "ok", "engine": "sqlite" if is_sqlite() else "postgresql", "outbox_unsent": unsent}
