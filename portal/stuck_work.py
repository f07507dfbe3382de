"""Stuck work for ops: the page /ops/stuck with its re-drive, and GET /api/v1/stuck."""
from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from models.core.errors import PermissionDenied
from models.operations.stuck_work import (
    KINDS,
    REDRIVABLE,
    StuckItem,
    StuckWork,
    redrive,
    stuck_work,
)
from models.partners.tables import OPS_ROLES
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required, role_required
from portal.list_exports import export_csv, wants_csv

bp = Blueprint("stuck_work", __name__)
api_bp = Blueprint("stuck_work_api", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)

REDRIVERS = ("ops_admin", "ops_agent")
STUCK_CSV = ("kind", "id", "ref", "status", "since", "age_seconds", "redriven_at", "note")
MAX_SELECTED = 500
KIND_WORDS = {"order": lazy_gettext("order"), "shipment": lazy_gettext("shipment"), "return": lazy_gettext("return"),
              "purchase_order": lazy_gettext("purchase order")}


def stuck_after() -> timedelta:
    """The sweeper's threshold (OMS_STUCK_AFTER_SECONDS): older than this in a working status is stuck."""
    return timedelta(seconds=current_app.config["OMS_SETTINGS"].stuck_after_seconds)


@bp.get("/ops/stuck")
@ops_required
def stuck_page() -> ResponseReturnValue:
    """Counts per kind and status with the oldest age, then the items oldest first."""
    work = stuck_work(stuck_after())
    if wants_csv():
        return export_csv("stuck-work", STUCK_CSV, (
            (item.kind, item.id, item.ref, item.status, item.since.isoformat(), int(item.age(work.now).total_seconds()),
             item.redriven_at.isoformat() if item.redriven_at else "", item.note) for item in work.items))
    return render_template("operations/stuck.html", work=work, redrivable=REDRIVABLE,
                           may_redrive=current_user.role in REDRIVERS)


@bp.post("/ops/stuck/redrive")
@role_required(*REDRIVERS)
def redrive_selected() -> ResponseReturnValue:
    """Re-drive one item (``only``) or the ticked ones (``item``), each ``kind:id``, through the sweeper."""
    chosen = [request.form["only"]] if request.form.get("only") else request.form.getlist("item")
    pairs = [pair for pair in map(_parse_item, chosen[:MAX_SELECTED]) if pair is not None]
    if not pairs:
        flash(gettext("Choose what to re-drive."), "error")
        return redirect(url_for("stuck_work.stuck_page"))
    done = redrive(pairs, by=current_user.email)
    flash(gettext("Re-driven: %(orders)s orders, %(returns)s returns.", orders=done["order"], returns=done["return"]),
          "info")
    return redirect(url_for("stuck_work.stuck_page"))


@api_bp.get("/stuck")
@token_required
def api_stuck():
    """The stuck work as JSON: ``groups`` (kind, status, count, oldest) and ``items`` oldest first."""
    if g.api_user.role not in OPS_ROLES:
        raise PermissionDenied(f"role {g.api_user.role} may not read stuck work")
    return jsonify(stuck_out(stuck_work(stuck_after()), url_root=request.url_root))


def stuck_out(work: StuckWork, *, url_root: str = "/") -> dict:
    return {
        "stuck_after_seconds": int((work.now - work.cutoff).total_seconds()),
        "total": work.total,
        "groups": [{"kind": group.kind, "status": group.status, "count": group.count,
                    "oldest_since": group.oldest.isoformat() + "Z",
                    "oldest_age_seconds": int((work.now - group.oldest).total_seconds())}
                   for group in work.groups],
        "items": [{"kind": item.kind, "id": item.id, "ref": item.ref, "status": item.status,
                   "since": item.since.isoformat() + "Z", "age_seconds": int(item.age(work.now).total_seconds()),
                   "redriven_at": item.redriven_at.isoformat() + "Z" if item.redriven_at else None,
                   "note": item.note, "url": url_root.rstrip("/") + item_url(item)}
                  for item in work.items],
    }


def item_url(item: StuckItem) -> str:
    """The page where the item is looked at and acted on."""
    if item.kind == "order":
        return url_for("ops.order_detail", order_id=item.id)
    if item.kind == "shipment":
        return url_for("shipments.detail", shipment_id=item.id)
    if item.kind == "return":
        return url_for("returns.detail", return_id=item.id)
    return url_for("purchase_orders.detail", number=item.ref)


def _parse_item(value: str) -> tuple[str, int] | None:
    kind, _, number = value.partition(":")
    if kind not in KINDS or not number.isdigit():
        return None
    return kind, int(number)


@bp.app_template_filter("stuck_words")
def stuck_words(code: str) -> str:
    """A kind or status code of stuck work in the page's language ("purchase_order" -> "purchase order")."""
    if code in KIND_WORDS:
        return str(KIND_WORDS[code])
    spaced = code.replace("_", " ")
    for text in (code, spaced):  # order, shipment and return statuses are listed as codes, PO statuses spaced
        translated = gettext(text)
        if translated != text:
            return translated
    return spaced


@bp.app_template_global("stuck_item_url")
def _stuck_item_url(item: StuckItem) -> str:
    return item_url(item)
