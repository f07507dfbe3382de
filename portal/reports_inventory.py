"""The inventory report: turnover and days of supply per SKU and warehouse, fill and backorder rates and the open
backorders by age per SKU, with the rates per week as a chart. Ops see every SKU, a supplier its own SKUs
(``/supplier/reports/inventory``); the API answers the same for a token. Figures: models.reports.inventory."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from urllib.parse import urlencode

from flask import Blueprint, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from markupsafe import Markup

from models.inventory.tables import Warehouse
from models.reports.inventory import (
    InventoryFilter,
    InventoryReport,
    ServicePeriod,
    inventory_report,
)
from models.reports.periods import DateRange
from portal.api import answer_errors_as_json, token_required
from portal.auth import ops_required, role_required
from portal.charts import line_chart
from portal.report_support import (
    choice_arg,
    csv_download,
    page_errors,
    report_range,
    today,
    wants_csv,
)
from portal.reports_api_access import supplier_scope

bp = Blueprint("reports_inventory", __name__)
api_bp = Blueprint("api_reports_inventory", __name__, url_prefix="/api/v1")
answer_errors_as_json(api_bp)
page_errors(bp)

PARTS = ("stock", "service")
LIMITS = {"200": 200, "1000": 1000, "all": None}
LIMIT_LABELS = {"200": lazy_gettext("%(count)s busiest", count=200),
                "1000": lazy_gettext("%(count)s busiest", count=1000), "all": lazy_gettext("All")}
# models.reports.inventory_rules.AGE_BUCKETS' labels as the page writes them.
AGE_WORDS = {"0-7 days": lazy_gettext("0-7 days"), "8-14 days": lazy_gettext("8-14 days"),
             "15-30 days": lazy_gettext("15-30 days"), "over 30 days": lazy_gettext("over 30 days")}
DEFAULT_LIMIT = "200"
STOCK_HEADER = ("sku", "name", "warehouse", "units_shipped", "average_on_hand", "on_hand_end", "turnover",
                "annual_turnover", "days_of_supply")
SERVICE_HEADER = ("sku", "name", "units_demanded", "units_filled", "units_backordered", "fill_rate", "backorder_rate")


@bp.get("/ops/reports/inventory")
@ops_required
def ops_inventory() -> ResponseReturnValue:
    """Every SKU's figures, or one warehouse's or one SKU's (``?warehouse=``, ``?sku=``)."""
    return _page(supplier_id=None)


@bp.get("/supplier/reports/inventory")
@role_required("supplier")
def my_inventory() -> ResponseReturnValue:
    """The signed-in supplier's own SKUs only."""
    if current_user.partner_id is None:
        abort(403)
    return _page(supplier_id=current_user.partner_id)


@api_bp.get("/reports/inventory")
@token_required
def api_inventory():
    """``{rows, service, weeks}`` over ``?from=&to=`` for ``?warehouse=&sku=``; ``format=csv`` for one part."""
    supplier_id = supplier_scope("inventory")
    report, part = _load(supplier_id)
    if wants_csv():
        return _csv(report, part)
    return jsonify(report_out(report))


def report_out(report: InventoryReport) -> dict:
    """The JSON body: rates as fractions of 1 and averages as decimal strings, null where nothing to measure."""
    return {
        "from": report.span.start.isoformat(), "to": report.span.end.isoformat(), "days": report.span.days,
        "rows": [dict(zip(STOCK_HEADER, _decimals(_stock_row(row)))) for row in report.stock],
        "service": [{**dict(zip(SERVICE_HEADER, _decimals(_service_row(row)))),
                     "open_backorders": dict(zip(report.age_buckets, row.open_backorders))}
                    for row in report.service],
        "weeks": [{"week": week.label, "units_demanded": week.units_demanded, "fill_rate": _text(week.fill_rate),
                   "backorder_rate": _text(week.backorder_rate)} for week in report.weeks],
    }


def service_chart(weeks: list[ServicePeriod]) -> Markup:
    return line_chart(title=gettext("Fill rate and backorder rate per week"), labels=[week.label for week in weeks],
                      percent=True, series={
                          gettext("Fill rate"): [_per_cent(week.fill_rate) for week in weeks],
                          gettext("Backorder rate"): [_per_cent(week.backorder_rate) for week in weeks]})


def _page(*, supplier_id: int | None) -> ResponseReturnValue:
    report, part = _load(supplier_id)
    limit = choice_arg("limit", tuple(LIMITS), default=DEFAULT_LIMIT)
    shown = busiest(report, LIMITS[limit])
    if wants_csv():
        return _csv(shown, part)
    warehouses = [("", gettext("All"))] + [(code, code) for (code,) in
                                  Warehouse.select(Warehouse.code).order_by(Warehouse.code).tuples()]
    return render_template("reports/inventory.html", report=shown, span=report.span,
                           stock_count=len(report.stock), service_count=len(report.service),
                           filters=[("warehouse", gettext("Warehouse"), warehouses), ("sku", gettext("SKU"), None),
                                    ("limit", gettext("Rows"), [(value, text) for value, text in LIMIT_LABELS.items()])],
                           age_words=AGE_WORDS,
                           csv_href=_csv_href("stock"), service_csv_href=_csv_href("service"),
                           chart=service_chart(report.weeks), supplier_view=supplier_id is not None)


def busiest(report: InventoryReport, limit: int | None) -> InventoryReport:
    """The report with its tables ordered busiest first (units shipped; units demanded) and cut to ``limit`` rows:
    a page of thousands of SKUs is read by its head, and its CSV holds the same rows."""
    stock = sorted(report.stock, key=lambda row: (-row.units_shipped, row.sku, row.warehouse))
    service = sorted(report.service, key=lambda row: (-row.units_demanded, -sum(row.open_backorders), row.sku))
    return replace(report, stock=stock[:limit], service=service[:limit])


def _load(supplier_id: int | None) -> tuple[InventoryReport, str]:
    span: DateRange = report_range()
    part = choice_arg("part", PARTS, default="stock")
    scope = InventoryFilter(warehouse=(request.args.get("warehouse") or "").strip() or None,
                            sku=(request.args.get("sku") or "").strip() or None, supplier_id=supplier_id)
    return inventory_report(span, scope, today=today()), part


def _csv(report: InventoryReport, part: str):
    name = f"inventory-{part}-{report.span.start.isoformat()}-{report.span.end.isoformat()}.csv"
    if part == "service":
        header = SERVICE_HEADER + tuple(f"open_{label}" for label in report.age_buckets)
        return csv_download(name, header, (_service_row(row) + tuple(row.open_backorders) for row in report.service))
    return csv_download(name, STOCK_HEADER, (_stock_row(row) for row in report.stock))


def _csv_href(part: str) -> str:
    """This page's export of one of its tables: the same filters, ``format=csv`` and ``part``."""
    args = request.args.to_dict(flat=False)
    args.update(format=["csv"], part=[part])
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _stock_row(row) -> tuple:
    return (row.sku, row.name, row.warehouse, row.units_shipped, row.average_on_hand, row.on_hand_end, row.turnover,
            row.annual_turnover, row.days_of_supply)


def _service_row(row) -> tuple:
    return (row.sku, row.name, row.units_demanded, row.units_filled, row.units_backordered, row.fill_rate,
            row.backorder_rate)


def _decimals(values: tuple) -> list:
    return [_text(value) if isinstance(value, Decimal) else value for value in values]


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _per_cent(value: Decimal | None) -> float | None:
    return None if value is None else float(value * 100)

