"""The supplier returns scorecard: ops see every supplier, a supplier user only its own row."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from models.core.base import utc_now
from models.partners.tables import OPS_ROLES
from models.supply.scorecard import TOP_SKUS, supplier_scorecards
from portal.auth import ops_required, role_required

bp = Blueprint("scorecard", __name__)

# The ?days= choices, in the order the page offers them; None counts everything.
WINDOWS = {"30": 30, "90": 90, "365": 365, "all": None}
DEFAULT_WINDOW = "90"


@bp.get("/ops/suppliers/scorecard")
@ops_required
def ops_scorecard() -> ResponseReturnValue:
    """Every supplier's shipped, returned and defective units over the chosen window."""
    return _scorecard_page(supplier_id=None, endpoint="scorecard.ops_scorecard")


@bp.get("/supplier/scorecard")
@role_required("supplier")
def my_scorecard() -> ResponseReturnValue:
    """The signed-in supplier's own row, nobody else's."""
    if current_user.partner_id is None:
        abort(403)
    return _scorecard_page(supplier_id=current_user.partner_id, endpoint="scorecard.my_scorecard")


def _scorecard_page(*, supplier_id: int | None, endpoint: str) -> str:
    window = request.args.get("days", DEFAULT_WINDOW)
    if window not in WINDOWS:  # a hand-edited link: show the default rather than an error
        window = DEFAULT_WINDOW
    days = WINDOWS[window]
    since = utc_now() - timedelta(days=days) if days is not None else None
    scores = supplier_scorecards(since=since, supplier_id=supplier_id)
    return render_template("scorecard/suppliers.html", scores=scores, window=window, windows=WINDOWS,
                           endpoint=endpoint, top_skus=TOP_SKUS, is_ops=current_user.role in OPS_ROLES)
