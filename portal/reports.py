"""The reports index: one page linking every report ops and managers have."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from portal.auth import ops_required

bp = Blueprint("reports", __name__)


@bp.get("/ops/reports/")
@ops_required
def index() -> ResponseReturnValue:
    return render_template("reports/index.html")
