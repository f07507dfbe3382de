"""JSON API for the supplier scorecard: GET /api/v1/suppliers/<code>/scorecard?days=30|90|365|all.

Ops tokens read any supplier's; a supplier token only its own (another code answers 404, as an unknown one
does); other roles 403. Rates are fractions of 1 as decimal strings with four places ("0.9500" is 95 %),
lead days and confirmation hours decimal strings with one place; each is null when there is nothing to
measure (no receipts, no settled lines, no answers). Definitions: models.supply.scorecard.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, g, jsonify, request

from models.core.base import utc_now
from models.core.errors import NotFound, PermissionDenied, ValidationFailed
from models.supply.scorecard import SupplierScore, supplier_scorecard
from models.supply.scorecard_trend import MonthScore, monthly_trend
from portal.api import answer_errors_as_json, api_error, token_required
from portal.scorecard import DEFAULT_WINDOW, WINDOWS

bp = Blueprint("api_scorecard", __name__, url_prefix="/api/v1")

answer_errors_as_json(bp)

# Counts as they are on SupplierScore, under the API's names.
COUNTS = {
    "purchase_orders": "purchase_orders", "open_purchase_orders": "open_purchase_orders",
    "late_lines": "late_lines", "units_ordered": "units_ordered", "units_filled": "units_filled",
    "units_received": "units_received", "units_damaged": "units_damaged", "units_short": "units_short",
    "units_on_time": "units_on_time", "units_dated": "units_dated", "units_shipped": "units_shipped",
    "units_returned": "units_returned", "units_defective_returned": "units_defective",
}
MEASURES = ("on_time_rate", "fill_rate", "defect_rate", "defective_rate", "promised_lead_days",
            "actual_lead_days", "confirmation_hours")


@bp.get("/suppliers/<code>/scorecard")
@token_required
def get_scorecard(code: str):
    """One supplier's scorecard over ``?days=`` (default 90) with its last twelve months."""
    user = g.api_user
    if user.role == "supplier":
        if user.partner_id is None:
            raise PermissionDenied("this supplier token is bound to no supplier")
        visible_to = user.partner_id
    elif user.is_ops:
        visible_to = None
    else:
        raise PermissionDenied(f"role {user.role} may not read supplier scorecards")
    window = request.args.get("days", DEFAULT_WINDOW)
    if window not in WINDOWS:
        raise ValidationFailed({"days": [f"choose one of {', '.join(WINDOWS)}"]})
    days = WINDOWS[window]
    try:
        score = supplier_scorecard(code, since=utc_now() - timedelta(days=days) if days else None,
                                   visible_to=visible_to)
    except NotFound:
        return api_error(404, "no such supplier")  # the same for another supplier's code: it learns nothing
    return jsonify(scorecard_out(score, days, monthly_trend(supplier_id=score.supplier_id)))


def scorecard_out(score: SupplierScore, days: int | None, months: list[MonthScore]) -> dict:
    """The JSON body: the supplier, its measures as decimal strings or null, its counts, its months."""
    return {
        "supplier": score.code, "name": score.name, "window_days": days,
        **{name: _decimal(getattr(score, name)) for name in MEASURES},
        **{name: getattr(score, attribute) for name, attribute in COUNTS.items()},
        "months": [{"month": month.label, "on_time_rate": _decimal(month.on_time_rate),
                    "fill_rate": _decimal(month.fill_rate), "units_dated": month.units_dated,
                    "units_ordered": month.units_ordered} for month in months],
    }


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
