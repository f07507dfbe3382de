"""The customer behaviour report: RFM segments, repeat rate, average order value and top customers over a range
(default the last year), for ops over every customer and for a distributor over its own book (the orders it
placed and its customers'). Definitions: models.reports.rfm and models.reports.customers."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from models.core.errors import PermissionDenied
from models.reports.customers import CustomerReport, customer_report
from models.reports.rfm import SEGMENT_NAMES, SEGMENT_TEXT, CustomerScore
from models.reports.scope import ReportScope, scope_of
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required, role_required
from portal.charts import bar_chart
from portal.report_support import (
    csv_download,
    csv_url,
    page_errors,
    report_range,
    wants_csv,
)

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
    return _page(scope_of(current_user), title="Customer behaviour")


@bp.get("/my/reports/customers")
@role_required("distributor")
def my_customers() -> ResponseReturnValue:
    """The signed-in distributor's own book only."""
    return _page(scope_of(current_user), title="My customers")


def _page(scope: ReportScope, *, title: str) -> ResponseReturnValue:
    span = report_range(default_days=DEFAULT_DAYS)
    report = customer_report(span, scope)
    if wants_csv():
        return _csv(report)
    chart = bar_chart(title="Customers per segment", labels=list(SEGMENT_NAMES),
                      series={"Customers": [report.segments[name] for name in SEGMENT_NAMES]})
    return render_template("reports/customers.html", report=report, span=span, groups=None, filters=[],
                           csv_href=csv_url(), chart=chart, segment_text=SEGMENT_TEXT, segment_names=SEGMENT_NAMES,
                           title=title)


@api_bp.get("/reports/customers")
@token_required
def api_customers():
    """``?from=&to=`` → ``{summaries, segments, customers}`` (every customer, best revenue first per currency);
    ``format=csv`` gives the customers as CSV. Ops tokens every customer, a distributor token its own book;
    a supplier token is refused (its figures are per SKU: the sell-through)."""
    if g.api_user.role == "supplier":
        raise PermissionDenied("a supplier reads the sell-through of its SKUs, not customers")
    span = report_range(default_days=DEFAULT_DAYS)
    report = customer_report(span, scope_of(g.api_user))
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
