"""The sales trend report: ops see every order, a distributor its own book (/my/reports/sales), a supplier the
sell-through of its own SKUs (/supplier/reports/sell-through); the API answers each token the same way.
Figures and definitions: models.reports.sales."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import Blueprint, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext, pgettext
from flask_login import current_user
from markupsafe import Markup

from models.core.config import base_currency
from models.core.errors import ValidationFailed
from models.orders.tables import CHANNELS
from models.reports.periods import GROUPS, DateRange, period_label, periods
from models.reports.sales import BY, SalesFilters, SalesRow, sales_trend, top_trend
from models.reports.scope import ReportScope, scope_of
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required, role_required
from portal.charts import line_chart
from portal.report_support import (
    choice_arg,
    csv_download,
    csv_url,
    page_errors,
    report_group,
    report_range,
    wants_csv,
)

bp = Blueprint("reports_sales", __name__)
api_bp = Blueprint("api_reports_sales", __name__, url_prefix="/api/v1")
page_errors(bp)
answer_errors_as_json(api_bp)

CSV_HEADER = ("period", "key", "orders", "units", "revenue", "currency", "revenue_base", "base_currency")
SUPPLIER_BY = ("sku", "region", "channel")  # a supplier learns where its goods sell, never who bought them
PAGE_ROWS = 1_000  # a page lists this many rows at most; the CSV export has every row
PAGE_LIMIT, API_LIMIT, MAX_LIMIT = 50, 50, 1_000  # top keys kept by default on a page, in the API; at most
# The splits (models.reports.sales.BY) and channels (models.orders.tables.CHANNELS) as the page writes them.
BY_WORDS = {"channel": lazy_gettext("channel"), "region": lazy_gettext("region"), "sku": lazy_gettext("sku"),
            "customer": lazy_gettext("customer")}
CHANNEL_WORDS = {"api": lazy_gettext("api"), "portal": lazy_gettext("portal"), "file": lazy_gettext("file"),
                 "email": lazy_gettext("email"), "phone": lazy_gettext("phone")}


@dataclass(frozen=True)
class SalesAnswer:
    span: DateRange
    group: str
    by: str | None
    rows: list[SalesRow]
    previous: list[SalesRow]
    limit: int | None = None  # the top keys kept (the rest summed in an "other" row); None: every key


def sales_answer(scope: ReportScope, *, default_limit: int | None, previous_by_key: bool = True) -> SalesAnswer:
    """The report of the query string's range, group, split, filters and ``limit`` of keys (``default_limit``
    when absent; None: every key), for ``scope``; the previous range per key too (the same kept keys), or
    (``previous_by_key`` False: all a chart needs) its totals per period."""
    span, group = report_range(), report_group()
    by = choice_arg("by", SUPPLIER_BY if scope.supplier_id is not None else BY)
    limit = limit_arg(default_limit)
    filters = SalesFilters(channel=request.args.get("channel") or None, region=request.args.get("region") or None,
                           customer_code=None if scope.supplier_id is not None
                           else request.args.get("customer") or None,
                           sku=request.args.get("sku") or None)
    if by is not None and limit is not None:
        rows, keep = top_trend(span, group, by, limit, filters=filters, scope=scope)
    else:
        rows, keep = sales_trend(span, group, by=by, filters=filters, scope=scope), None
    return SalesAnswer(span, group, by, rows,
                       sales_trend(span.previous(), group, by=by if previous_by_key else None, filters=filters,
                                   scope=scope, keep=keep if previous_by_key else None), limit)


def limit_arg(default: int | None) -> int | None:
    """``?limit=`` as a number of keys, 1..MAX_LIMIT (``default`` when absent); ValidationFailed otherwise."""
    value = request.args.get("limit")
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= MAX_LIMIT:
        raise ValidationFailed({"limit": [gettext("must be a whole number from 1 to %(max)s", max=MAX_LIMIT)]},
                               gettext("invalid %(name)s", name="limit"))
    return int(value)


def row_out(row: SalesRow) -> dict:
    return {"period": row.period, "key": row.key, "orders": row.orders, "units": row.units,
            "revenue": str(row.revenue), "currency": row.currency, "other": row.other,
            "revenue_base": None if row.revenue_base is None else str(row.revenue_base)}


def csv_rows(rows: list[SalesRow]):
    base = base_currency()
    return ([r.period, r.key, r.orders, r.units, r.revenue, r.currency, r.revenue_base, base] for r in rows)


def trend_chart(answer: SalesAnswer) -> Markup:
    """Revenue per period of every key together, this range against the one before, per currency."""
    current, before = periods(answer.span, answer.group), periods(answer.span.previous(), answer.group)
    series: dict[str, list[float | None]] = {}
    for previous, rows, starts in ((False, answer.rows, current), (True, answer.previous, before)):
        totals: dict[str, dict] = defaultdict(dict)
        for row in rows:
            totals[row.currency][row.period_start] = totals[row.currency].get(row.period_start, 0) + row.revenue
        for currency in sorted(totals):
            label = (gettext("Previous range %(currency)s", currency=currency) if previous
                     else gettext("Revenue %(currency)s", currency=currency))
            series[label] = [float(totals[currency][s]) if s in totals[currency] else 0.0
                             for s in starts][:len(current)]
    return line_chart(title=gettext("Revenue per period (shipped orders)"),
                      labels=[period_label(start, answer.group) for start in current], series=series)


def _page(scope: ReportScope, *, title: str, endpoint: str) -> ResponseReturnValue:
    # the page charts the previous range's totals only; its CSV export has every key unless a limit is asked
    answer = sales_answer(scope, default_limit=None if wants_csv() else PAGE_LIMIT, previous_by_key=False)
    if wants_csv():
        return csv_download("sales.csv", CSV_HEADER, csv_rows(answer.rows))
    by_choices = SUPPLIER_BY if scope.supplier_id is not None else BY
    every = gettext("all")
    filters = [("by", pgettext("split a report by", "By"), [("", every)] + [(b, BY_WORDS.get(b, b)) for b in by_choices]),
               ("channel", gettext("Channel"), [("", every)] + [(c, CHANNEL_WORDS.get(c, c)) for c in CHANNELS]),
               ("region", gettext("Region"), None), ("sku", gettext("SKU"), None),
               ("limit", gettext("Top keys (≤ %(max)s)", max=MAX_LIMIT), None)]
    if scope.supplier_id is None:
        filters.append(("customer", gettext("Customer code"), None))
    return render_template("reports/sales.html", answer=answer, span=answer.span, group=answer.group,
                           groups=GROUPS, filters=filters, csv_href=csv_url(), title=title, endpoint=endpoint,
                           chart=trend_chart(answer), page_rows=PAGE_ROWS, base_currency=base_currency(),
                           by_word=BY_WORDS.get(answer.by, answer.by) if answer.by else gettext("Key"),
                           channel_words=CHANNEL_WORDS)


@bp.get("/ops/reports/sales")
@ops_required
def ops_sales() -> ResponseReturnValue:
    return _page(scope_of(current_user), title=gettext("Sales trend"), endpoint="reports_sales.ops_sales")


@bp.get("/my/reports/sales")
@role_required("distributor")
def my_sales() -> ResponseReturnValue:
    """A distributor's own book: orders it placed, its own and its customers'."""
    return _page(scope_of(current_user), title=gettext("My sales"), endpoint="reports_sales.my_sales")


@bp.get("/supplier/reports/sell-through")
@role_required("supplier")
def sell_through() -> ResponseReturnValue:
    """A supplier's SKUs as they sold: units, orders and revenue of their lines."""
    return _page(scope_of(current_user), title=gettext("Sell-through of my SKUs"), endpoint="reports_sales.sell_through")


@api_bp.get("/reports/sales")
@token_required
def api_sales():
    """``?from=&to=&group=day|week|month&by=channel|region|sku|customer`` (filters ``channel``, ``region``,
    ``customer``, ``sku``; ``limit`` top keys, API_LIMIT by default, the rest in an "other" row) → ``{rows,
    previous}``; ``format=csv`` gives the rows as CSV, every key unless ``limit`` is given. Scoped to the token."""
    answer = sales_answer(scope_of(g.api_user), default_limit=None if wants_csv() else API_LIMIT)
    if wants_csv():
        return csv_download("sales.csv", CSV_HEADER, csv_rows(answer.rows))
    return jsonify({"from": answer.span.start.isoformat(), "to": answer.span.end.isoformat(),
                    "group": answer.group, "by": answer.by, "limit": answer.limit if answer.by else None,
                    "base_currency": base_currency(),
                    "rows": [row_out(r) for r in answer.rows],
                    "previous": [row_out(r) for r in answer.previous]})
