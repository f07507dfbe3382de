"""The supplier scorecard pages: ops rank every supplier and open any one's card; a supplier user sees only
its own card. Measures and their definitions: models.supply.scorecard."""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup

from models.core.base import utc_now
from models.core.errors import NotFound
from models.partners.tables import OPS_ROLES
from models.supply.scorecard import (
    TOP_SKUS,
    rank_scorecards,
    supplier_scorecard,
    supplier_scorecards,
)
from models.supply.scorecard_rules import DEFAULT_RANKING, HIGHER_IS_WORSE
from models.supply.scorecard_trend import MonthScore, monthly_trend
from portal.auth import ops_required, role_required
from portal.charts import line_chart
from portal.list_exports import export_csv, wants_csv

bp = Blueprint("scorecard", __name__)

# The ?days= choices, in the order the page offers them; None counts everything.
WINDOWS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_WINDOW = "90"
# The ranking's sortable columns, in the order shown: every measure of scorecard_rules.HIGHER_IS_WORSE.
RANKING_COLUMNS = {
    "on_time_rate": lazy_gettext("On time"), "fill_rate": lazy_gettext("Fill rate"),
    "defect_rate": lazy_gettext("Defect rate"), "promised_lead_days": lazy_gettext("Promised lead (days)"),
    "actual_lead_days": lazy_gettext("Actual lead (days)"),
    "confirmation_hours": lazy_gettext("Confirms in (h, median)"), "late_lines": lazy_gettext("Late lines"),
    "defective_rate": lazy_gettext("Returned defective"),
}


SCORE_CSV = ("code", "name", "on_time_rate", "fill_rate", "defect_rate", "defective_rate", "promised_lead_days",
             "actual_lead_days", "confirmation_hours", "purchase_orders", "open_purchase_orders", "late_lines",
             "units_ordered", "units_received", "units_damaged", "units_short", "units_shipped", "units_returned")


@bp.get("/ops/suppliers/scorecard")
@ops_required
def ops_scorecard() -> ResponseReturnValue:
    """Every supplier ranked by one measure (``?sort=``, ``?order=worst|best``) over the chosen window,
    and the trend of all suppliers together."""
    window, since = _window()
    sort = request.args.get("sort", DEFAULT_RANKING)
    if sort not in RANKING_COLUMNS:  # a hand-edited link: the default rather than an error
        sort = DEFAULT_RANKING
    order = "best" if request.args.get("order") == "best" else "worst"
    scores = rank_scorecards(supplier_scorecards(since=since), by=sort, worst_first=order == "worst")
    if wants_csv():
        return export_csv("supplier-scorecard", SCORE_CSV, (
            tuple("" if getattr(score, name) is None else getattr(score, name) for name in SCORE_CSV)
            for score in scores))
    descending = HIGHER_IS_WORSE[sort] == (order == "worst")
    months = monthly_trend()
    return render_template("scorecard/suppliers.html", scores=scores, window=window, windows=WINDOWS,
                           sort=sort, order=order, sort_direction="descending" if descending else "ascending",
                           columns=RANKING_COLUMNS, months=months,
                           chart=trend_chart(months, title=gettext("All suppliers: on time and fill rate per month")))


@bp.get("/ops/suppliers/<code>/scorecard")
@ops_required
def ops_supplier_scorecard(code: str) -> ResponseReturnValue:
    """One supplier's card, for ops."""
    return _card_page(code, visible_to=None, endpoint="scorecard.ops_supplier_scorecard")


@bp.get("/supplier/scorecard")
@role_required("supplier")
def my_scorecard() -> ResponseReturnValue:
    """The signed-in supplier's own card, nobody else's."""
    if current_user.partner_id is None:
        abort(403)
    code = current_user.user.partner.code
    return _card_page(code, visible_to=current_user.partner_id, endpoint="scorecard.my_scorecard")


def trend_chart(months: list[MonthScore], *, title: str) -> Markup:
    """On-time and fill rate per month as an inline SVG line chart, in per cent."""
    return line_chart(title=title, labels=[month.label for month in months], percent=True, series={
        gettext("On time"): [_per_cent(month.on_time_rate) for month in months],
        gettext("Fill rate"): [_per_cent(month.fill_rate) for month in months],
    })


def _card_page(code: str, *, visible_to: int | None, endpoint: str) -> str:
    window, since = _window()
    try:
        score = supplier_scorecard(code, since=since, visible_to=visible_to)
    except NotFound:
        abort(404)
    months = monthly_trend(supplier_id=score.supplier_id)
    return render_template("scorecard/supplier.html", score=score, window=window, windows=WINDOWS,
                           endpoint=endpoint, code=code, months=months, top_skus=TOP_SKUS,
                           is_ops=current_user.role in OPS_ROLES,
                           chart=trend_chart(months, title=gettext("On time and fill rate per month")))


def _window() -> tuple[str, datetime | None]:
    window = request.args.get("days", DEFAULT_WINDOW)
    if window not in WINDOWS:  # a hand-edited link: show the default rather than an error
        window = DEFAULT_WINDOW
    days = WINDOWS[window]
    return window, (utc_now() - timedelta(days=days) if days is not None else None)


def _per_cent(rate: Decimal | None) -> float | None:
    return None if rate is None else float(rate * 100)
