"""The returns report: returns by reason, SKU or supplier with units, refund value, return rate and feedback,
over a range. Ops see everything, a supplier its own SKUs (``/supplier/reports/returns``); the API answers the
same for a token. Figures: models.reports.returns."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext, pgettext
from flask_login import current_user

from models.reports.periods import DateRange
from models.reports.returns import returns_report
from models.reports.returns_rules import DIMENSIONS, ReturnFigures
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required, role_required
from portal.domain_words import translate_words
from portal.report_support import (
    choice_arg,
    csv_download,
    csv_url,
    english_or,
    page_errors,
    report_range,
    wants_csv,
)
from portal.reports_api_access import supplier_scope

bp = Blueprint("reports_returns", __name__)
api_bp = Blueprint("api_reports_returns", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)
page_errors(bp)

HEADER = ("key", "name", "returns", "units", "refund_value", "units_shipped", "return_rate", "ratings",
          "average_rating")
LABELS = {"reason": lazy_gettext("Reason"), "sku": lazy_gettext("SKU"), "supplier": lazy_gettext("Supplier")}


@bp.get("/ops/reports/returns")
@ops_required
def ops_returns() -> ResponseReturnValue:
    """Returns grouped ``?by=reason|sku|supplier`` over ``?from=&to=``."""
    return _page(supplier_id=None)


@bp.get("/supplier/reports/returns")
@role_required("supplier")
def my_returns() -> ResponseReturnValue:
    """Returns of the signed-in supplier's own SKUs only."""
    if current_user.partner_id is None:
        abort(403)
    return _page(supplier_id=current_user.partner_id)


@api_bp.get("/reports/returns")
@token_required
def api_returns():
    """``{rows: [{key, name, returns, units, refund_value, units_shipped, return_rate, ratings, average_rating}]}``;
    ``format=csv`` for the same rows."""
    supplier_id = supplier_scope("returns")
    span, by, rows = _load(supplier_id)
    if wants_csv():
        return _csv(span, by, rows)
    return jsonify({"from": span.start.isoformat(), "to": span.end.isoformat(), "by": by,
                    "rows": [row_out(row) for row in rows]})


def row_out(row: ReturnFigures) -> dict:
    """One row as JSON: money and rates as decimal strings (rates as fractions of 1), null where not measured."""
    return {"key": row.key, "name": row.name, "returns": row.returns, "units": row.units,
            "refund_value": {currency: str(value) for currency, value in sorted(row.refund_value.items())},
            "units_shipped": row.units_shipped, "return_rate": _text(row.return_rate), "ratings": row.ratings,
            "average_rating": _text(row.average_rating)}


def _page(*, supplier_id: int | None) -> ResponseReturnValue:
    span, by, rows = _load(supplier_id)
    if wants_csv():
        return _csv(span, by, rows)
    return render_template("reports/returns.html", rows=rows, span=span, by=by, label=LABELS[by],
                           filters=[("by", pgettext("group a report by", "By"), [(value, LABELS[value]) for value in DIMENSIONS])],
                           csv_href=csv_url(), supplier_view=supplier_id is not None, key_text=key_text)


def key_text(by: str, key: str) -> str:
    """A row's key as the page shows it: a reason in the page's language (its code in English, as always), a SKU or
    supplier code as it is."""
    return english_or(key, translate_words(key.replace("_", " "))) if by == "reason" else key


def _load(supplier_id: int | None) -> tuple[DateRange, str, list[ReturnFigures]]:
    span = report_range()
    by = choice_arg("by", DIMENSIONS, default="reason")
    return span, by, returns_report(span, by, supplier_id=supplier_id)


def _csv(span: DateRange, by: str, rows: list[ReturnFigures]):
    name = f"returns-by-{by}-{span.start.isoformat()}-{span.end.isoformat()}.csv"
    return csv_download(name, HEADER, ((row.key, row.name, row.returns, row.units, row.refund_text, row.units_shipped,
                                        row.return_rate, row.ratings, row.average_rating) for row in rows))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
