"""The customer behaviour report for ops: RFM segments, repeat rate, average order value and top customers over
a range (default the last year). Definitions: models.reports.rfm and models.reports.customers."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from models.reports.customers import CustomerReport, customer_report
from models.reports.rfm import SEGMENT_NAMES, SEGMENT_TEXT, CustomerScore
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required
from portal.charts import bar_chart
from portal.report_support import (
    csv_download,
    csv_url,
    page_errors,
    report_range,
    wants_csv,
)
from portal.reports_api_access import require_ops_token

bp = Blueprint("reports_customers", __name__)
api_bp = Blueprint("api_reports_customers", __name__, url_prefix="/api/v1")
page_errors(bp)
answer_errors_as_json(api_bp)

DEFAULT_DAYS = 365
CSV_HEADER = ("customer", "name", "currency", "orders", "revenue", "recency_days", "recency_score",
              "frequency_score", "monetary_score", "segment")


def score_out(score: CustomerScore, names: dict[str, str]) -> dict:
    a = score.activity
    return {"customer": a.customer, "name": names.get(a.customer, ""), "currency": a.currency, "orders": a.orders,
            "revenue": str(a.revenue), "recency_days": a.recency_days, "recency_score": score.recency,
            "frequency_score": score.frequency, "monetary_score": score.monetary, "segment": score.segment}


def _csv(report: CustomerReport):
    return csv_download("customers.csv", CSV_HEADER,
                        (list(score_out(s, report.names).values()) for s in report.scores))


@bp.get("/ops/reports/customers")
@ops_required
def customers_page() -> ResponseReturnValue:
    span = report_range(default_days=DEFAULT_DAYS)
    report = customer_report(span)
    if wants_csv():
        return _csv(report)
    chart = bar_chart(title="Customers per segment", labels=list(SEGMENT_NAMES),
                      series={"Customers": [report.segments[name] for name in SEGMENT_NAMES]})
    return render_template("reports/customers.html", report=report, span=span, groups=None, filters=[],
                           csv_href=csv_url(), chart=chart, segment_text=SEGMENT_TEXT, segment_names=SEGMENT_NAMES)


@api_bp.get("/reports/customers")
@token_required
def api_customers():
    """``?from=&to=`` → ``{summaries, segments, customers}`` (every customer, best revenue first per currency);
    ``format=csv`` gives the customers as CSV. Ops tokens only."""
    require_ops_token()
    span = report_range(default_days=DEFAULT_DAYS)
    report = customer_report(span)
    if wants_csv():
        return _csv(report)
    return jsonify({
        "from": span.start.isoformat(), "to": span.end.isoformat(), "segments": report.segments,
        "summaries": [{"currency": s.currency, "customers": s.customers, "repeat_customers": s.repeat_customers,
                       "repeat_rate": None if s.repeat_rate is None else str(s.repeat_rate), "orders": s.orders,
                       "revenue": str(s.revenue),
                       "average_order_value": None if s.average_order_value is None else str(s.average_order_value)}
                      for s in report.summaries],
        "customers": [score_out(s, report.names) for s in report.scores]})
