"""The customer behaviour report: RFM segments, repeat rate, average order value and top customers over a range
(default the last year), for ops over every customer and for a distributor over its own book (the orders it
placed and its customers'). Definitions: models.reports.rfm and models.reports.customers."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
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
    english_or,
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
# models.reports.rfm's segments and what each means, as pages in other languages than English write them (the
# English page writes the segment's code, "at risk", as it always has).
SEGMENT_WORDS = {
    "champions": lazy_gettext("champion customers"), "loyal": lazy_gettext("loyal customers"),
    "new": lazy_gettext("new customers"), "promising": lazy_gettext("promising customers"),
    "at_risk": lazy_gettext("customers at risk"), "lost": lazy_gettext("lost customers"),
    "hibernating": lazy_gettext("hibernating customers"),
}
SEGMENT_MEANINGS = {
    "champions": lazy_gettext("bought recently and often"), "loyal": lazy_gettext("buy often, not quite the latest"),
    "new": lazy_gettext("first orders, recently"), "promising": lazy_gettext("recent, few orders yet"),
    "at_risk": lazy_gettext("bought often, not lately"), "lost": lazy_gettext("longest without an order"),
    "hibernating": lazy_gettext("neither recent nor frequent"),
}


def segment_word(name: str) -> str:
    """A segment's name as the page writes it ("at_risk" -> "at risk" in English)."""
    return english_or(name.replace("_", " "), SEGMENT_WORDS.get(name, name.replace("_", " ")))


def chart_label(name: str) -> str:
    """A segment as the chart names it: its code in English, as the chart always has; its name otherwise."""
    return english_or(name, SEGMENT_WORDS.get(name, name))


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
    return _page(scope_of(current_user), title=gettext("Customer behaviour"))


@bp.get("/my/reports/customers")
@role_required("distributor")
def my_customers() -> ResponseReturnValue:
    """The signed-in distributor's own book only."""
    return _page(scope_of(current_user), title=gettext("My customers"))


def _page(scope: ReportScope, *, title: str) -> ResponseReturnValue:
    span = report_range(default_days=DEFAULT_DAYS)
    report = customer_report(span, scope)
    if wants_csv():
        return _csv(report)
    chart = bar_chart(title=gettext("Customers per segment"), labels=[chart_label(name) for name in SEGMENT_NAMES],
                      series={gettext("Customers"): [report.segments[name] for name in SEGMENT_NAMES]})
    return render_template("reports/customers.html", report=report, span=span, groups=None, filters=[],
                           csv_href=csv_url(), chart=chart, segment_names=SEGMENT_NAMES, segment_word=segment_word,
                           segment_text={name: SEGMENT_MEANINGS.get(name, text) for name, text in SEGMENT_TEXT.items()},
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
