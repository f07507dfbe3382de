"""The order cycle-time report for ops: p50 and p90 per step and period, from the histogram rollup
(models.reports.cycle_rules states the bucket resolution)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext

from models.reports.cycle_rules import RESOLUTION_PERCENT, STEPS
from models.reports.cycle_times import CycleRow, cycle_times
from models.reports.periods import GROUPS, DateRange, period_label, periods
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required
from portal.charts import line_chart
from portal.report_support import (
    csv_download,
    csv_url,
    page_errors,
    report_group,
    report_range,
    wants_csv,
)
from portal.reports_api_access import require_ops_token

bp = Blueprint("reports_cycle_times", __name__)
api_bp = Blueprint("api_reports_cycle_times", __name__, url_prefix="/api/v1")
page_errors(bp)
answer_errors_as_json(api_bp)

CSV_HEADER = ("period", "step", "orders", "p50_seconds", "p90_seconds")
# models.reports.cycle_rules.STEPS as the page and its chart write them.
STEP_WORDS = {
    "received_to_approved": lazy_gettext("received to approved"),
    "approved_to_allocated": lazy_gettext("approved to allocated"),
    "allocated_to_shipped": lazy_gettext("allocated to shipped"),
    "received_to_shipped": lazy_gettext("received to shipped"),
    "shipped_to_delivered": lazy_gettext("shipped to delivered"),
}


def step_word(step: str) -> str:
    return str(STEP_WORDS[step]) if step in STEP_WORDS else step.replace("_", " ")


def duration(seconds: float | None) -> str:
    """A duration for people, as models.reports.cycle_rules.hours writes it, in the page's language: minutes under
    an hour, hours under two days, days beyond."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return gettext("%(value)s min", value=format(seconds / 60, ".1f"))
    if seconds < 48 * 3600:
        return gettext("%(value)s h", value=format(seconds / 3600, ".1f"))
    return gettext("%(value)s d", value=format(seconds / 86400, ".1f"))


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def row_out(row: CycleRow) -> dict:
    return {"period": row.period, "step": row.times.step, "orders": row.times.orders,
            "p50_seconds": _seconds(row.times.p50), "p90_seconds": _seconds(row.times.p90)}


def _csv(rows: list[CycleRow]):
    return csv_download("cycle-times.csv", CSV_HEADER, (list(row_out(r).values()) for r in rows))


def p50_chart(rows: list[CycleRow], span: DateRange, group: str):
    """The p50 of each step per period, in hours."""
    labels = [period_label(start, group) for start in periods(span, group)]
    by_step = {step: dict.fromkeys(labels) for step in STEPS}
    for row in rows:
        if row.times.p50 is not None and row.period in by_step.get(row.times.step, {}):
            by_step[row.times.step][row.period] = round(row.times.p50 / 3600, 2)
    return line_chart(title=gettext("Median hours per step"), labels=labels,
                      series={step_word(step): list(values.values()) for step, values in by_step.items()})


@bp.get("/ops/reports/cycle-times")
@ops_required
def cycle_times_page() -> ResponseReturnValue:
    span, group = report_range(), report_group("week")
    rows = cycle_times(span, group)
    if wants_csv():
        return _csv(rows)
    return render_template("reports/cycle_times.html", rows=rows, span=span, group=group, groups=GROUPS,
                           filters=[], csv_href=csv_url(), chart=p50_chart(rows, span, group), hours=duration,
                           step_word=step_word,
                           resolution=RESOLUTION_PERCENT)


@api_bp.get("/reports/cycle-times")
@token_required
def api_cycle_times():
    """``?from=&to=&group=`` → ``{rows: [{period, step, orders, p50_seconds, p90_seconds}]}``; ``format=csv``.
    Ops tokens only."""
    require_ops_token()
    span, group = report_range(), report_group("week")
    rows = cycle_times(span, group)
    if wants_csv():
        return _csv(rows)
    return jsonify({"from": span.start.isoformat(), "to": span.end.isoformat(), "group": group,
                    "resolution_percent": RESOLUTION_PERCENT, "rows": [row_out(r) for r in rows]})
