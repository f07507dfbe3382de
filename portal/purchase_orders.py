"""Ops pages for purchase orders: the list, a new order by hand, one order with its lines, ASNs, receipts, audit
trail and the actions its status allows, and its PDF and CSV (the warehouse receipt is in purchase_receipts).

Ops admins and agents act; credit controllers read."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from models.core.errors import InvalidTransition, NotFound, OMSError, ValidationFailed
from models.core.states import sources_of
from models.inventory.tables import Product, Warehouse
from models.partners.tables import OPS_ROLES, Partner
from models.supply.changes import (
    cancel_purchase_order,
    change_purchase_order,
    close_purchase_order,
)
from models.supply.confirmations import accept_counter, reject_counter
from models.supply.documents import purchase_order_csv, purchase_order_pdf
from models.supply.purchase_order_view import line_counts, load_purchase_order_view
from models.supply.purchasing import create_purchase_order, send_purchase_order
from models.supply.states import (
    PO_CANCELLED,
    PO_CLOSED,
    PO_CONFIRMED,
    PO_COUNTERED,
    PO_DRAFT,
    PO_PARTIALLY_CONFIRMED,
    PO_RECEIVABLE_STATES,
    PO_SENT,
    PO_STATUSES,
)
from models.supply.tables import PurchaseOrder
from models.supply.views import list_purchase_orders, visible_purchase_order
from portal.auth import role_required
from portal.i18n import current_language
from portal.languages import DEFAULT
from portal.list_exports import (
    EXPORT_PAGE,
    PURCHASE_CSV,
    export_csv,
    purchase_order_rows,
    wants_csv,
)
from portal.params import id_arg
from portal.purchase_order_forms import (
    attach_model_errors,
    blank_line,
    flatten,
    parse_date,
    parse_lines,
    refusal,
    submitted_lines,
)

bp = Blueprint("purchase_orders", __name__)

BUYERS = ("ops_admin", "ops_agent")
po_readers = role_required(*OPS_ROLES)
po_buyers = role_required(*BUYERS)
PAGE_SIZE = 50
LINE_ROWS = 10
EXTRA_EDIT_ROWS = 3
KINDS = ("stock", "drop_ship")
EDITABLE = (PO_DRAFT, PO_SENT, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_COUNTERED)
CANCELLABLE = sources_of("purchase_order", PO_CANCELLED)
CLOSABLE = sources_of("purchase_order", PO_CLOSED)
REASON_MAX = 500
NOTE_MAX = 2000
SKU_SUGGESTIONS = 5000
# Supply words the shared domain words lack, as the pages write them (underscores as spaces): ASN statuses, receipt
# discrepancies, suggestion statuses and purchase-order origins.
SUPPLY_WORDS = {
    "in transit": lazy_gettext("in transit"), "short": lazy_gettext("short"), "over": lazy_gettext("over"),
    "ordered": lazy_gettext("ordered"), "dismissed": lazy_gettext("dismissed"), "manual": lazy_gettext("manual"),
    "replenishment": lazy_gettext("replenishment"), "automatic": lazy_gettext("automatic"),
    "drop ship": lazy_gettext("drop-ship"),
}


@bp.app_template_filter("supply_words")
def supply_words(text: object) -> str:
    """A supply status, discrepancy or origin code in the page's language; in English exactly as given."""
    text = "" if text is None else str(text)
    if not text or current_language() == DEFAULT:
        return text
    spaced = text.replace("_", " ")
    word = SUPPLY_WORDS.get(spaced)
    return str(word) if word is not None else gettext(spaced)


# --- list ------------------------------------------------------------------------------------

@bp.get("/ops/purchase-orders")
@po_readers
def purchase_orders() -> ResponseReturnValue:
    """Newest purchase orders first, filtered by supplier, status, kind and warehouse, 50 a page."""
    filters = {
        "supplier": request.args.get("supplier", "").strip()[:64],
        "status": _one_of(request.args.get("status", ""), PO_STATUSES),
        "kind": _one_of(request.args.get("kind", ""), KINDS),
        "warehouse": request.args.get("warehouse", "").strip()[:64],
    }
    if wants_csv():
        return export_csv("purchase-orders", PURCHASE_CSV, purchase_order_rows(lambda after: list_purchase_orders(
            supplier_id=None, supplier_code=filters["supplier"] or None, status=filters["status"] or None,
            kind=filters["kind"] or None, warehouse_code=filters["warehouse"] or None, after=after,
            limit=EXPORT_PAGE)))
    after = id_arg("after")
    rows, next_after = list_purchase_orders(
        supplier_id=None, supplier_code=filters["supplier"] or None, status=filters["status"] or None,
        kind=filters["kind"] or None, warehouse_code=filters["warehouse"] or None, after=after, limit=PAGE_SIZE)
    return render_template("purchase_orders/list.html", purchases=rows, filters=filters, after=after,
                           next_after=next_after, statuses=PO_STATUSES, kinds=KINDS,
                           suppliers=_suppliers(), warehouses=_warehouse_codes(),
                           counts=line_counts([row.id for row in rows]), may_act=current_user.role in BUYERS)


def _one_of(value: str, allowed: tuple[str, ...]) -> str:
    return value if value in allowed else ""


def _suppliers() -> list[Partner]:
    return list(Partner.select(Partner.id, Partner.code, Partner.name)
                .where(Partner.kind == "supplier").order_by(Partner.code))


def _warehouse_codes() -> list[str]:
    return [code for (code,) in Warehouse.select(Warehouse.code).where(Warehouse.active == True)  # noqa: E712
            .order_by(Warehouse.code).tuples()]


# --- a new purchase order --------------------------------------------------------------------

@bp.route("/ops/purchase-orders/new", methods=["GET", "POST"])
@po_buyers
def new_purchase_order() -> ResponseReturnValue:
    """A draft purchase order by hand; errors are shown next to their fields and nothing is written."""
    if request.method == "GET":
        values = {"supplier": request.args.get("supplier", "")[:64], "warehouse": "", "expected_at": "",
                  "note": "", "lines": [blank_line() for _ in range(LINE_ROWS)]}
        return _new_page(values, {})
    values = _submitted_header() | {"lines": submitted_lines(LINE_ROWS)}
    errors: dict[str, list[str]] = {}
    lines, rows = parse_lines(values["lines"], errors)
    expected_at = parse_date(values["expected_at"], "expected_at", errors)
    for name, message in (("supplier", gettext("choose a supplier")), ("warehouse", gettext("choose a warehouse"))):
        if not values[name]:
            errors[name] = [message]
    if len(values["note"]) > NOTE_MAX:
        errors["note"] = [gettext("at most %(count)s characters", count=NOTE_MAX)]
    if errors:
        return _new_page(values, errors), 422
    try:
        purchase = create_purchase_order(supplier_code=values["supplier"], warehouse_code=values["warehouse"],
                                         lines=lines, actor=current_user.email, expected_at=expected_at,
                                         note=values["note"])
    except ValidationFailed as exc:
        attach_model_errors(exc.messages, rows, errors)
        return _new_page(values, errors), 422
    flash(gettext("Purchase order %(number)s created as a draft.", number=purchase.number), "success")
    return redirect(url_for("purchase_orders.detail", number=purchase.number))


def _new_page(values: dict, errors: dict) -> str:
    return render_template("purchase_orders/new.html", values=values, errors=errors, suppliers=_suppliers(),
                           warehouses=_warehouse_codes(), products=sku_suggestions(None))


def sku_suggestions(supplier_id: int | None) -> list[Product]:
    """Active SKUs with a supplier (or of one supplier), for the line rows' type-ahead."""
    query = (Product.select(Product.sku, Product.name).where(Product.active == True)  # noqa: E712
             .order_by(Product.sku).limit(SKU_SUGGESTIONS))
    if supplier_id is None:
        return list(query.where(Product.supplier.is_null(False)))
    return list(query.where(Product.supplier == supplier_id))


def _submitted_header() -> dict:
    return {name: request.form.get(name, "").strip() for name in ("supplier", "warehouse", "expected_at", "note")}


# --- one purchase order ----------------------------------------------------------------------

def purchase_or_404(number: str) -> PurchaseOrder:
    try:
        return visible_purchase_order(number, supplier_id=None)
    except NotFound:
        abort(404)


@bp.get("/ops/purchase-orders/<number>")
@po_readers
def detail(number: str) -> ResponseReturnValue:
    """One purchase order: lines, ASNs, receipts with discrepancies, audit trail, and the actions it allows."""
    return _detail_page(purchase_or_404(number))


def _detail_page(purchase: PurchaseOrder, *, edit: dict | None = None, errors: dict | None = None) -> str:
    view = load_purchase_order_view(purchase.id)
    status, may_act = purchase.status, current_user.role in BUYERS
    if edit is None:
        edit = {"expected_at": purchase.expected_at.isoformat() if purchase.expected_at else "",
                "note": purchase.note,
                "lines": [{"sku": line.product.sku, "quantity": str(line.quantity),
                           "unit_price": f"{Decimal(str(line.unit_cost)):.2f}"} for line in view.lines]
                + [blank_line() for _ in range(EXTRA_EDIT_ROWS)]}
    return render_template(
        "purchase_orders/detail.html", view=view, purchase=purchase, edit=edit, errors=errors or {},
        products=sku_suggestions(purchase.supplier_id) if may_act and status in EDITABLE else [],
        may_send=may_act and status == PO_DRAFT, may_edit=may_act and status in EDITABLE,
        may_cancel=may_act and status in CANCELLABLE, may_close=may_act and status in CLOSABLE,
        may_decide_counter=may_act and status == PO_COUNTERED,
        may_receive=may_act and status in PO_RECEIVABLE_STATES and not purchase.dropship)


@bp.get("/ops/purchase-orders/<number>.pdf")
@po_readers
def pdf(number: str) -> ResponseReturnValue:
    """The purchase order as the supplier gets it."""
    purchase = purchase_or_404(number)
    return pdf_response(purchase)


@bp.get("/ops/purchase-orders/<number>.csv")
@po_readers
def csv(number: str) -> ResponseReturnValue:
    """The purchase order's lines as CSV."""
    purchase = purchase_or_404(number)
    return csv_response(purchase)


def pdf_response(purchase: PurchaseOrder) -> Response:
    return Response(purchase_order_pdf(purchase.id), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{purchase.number}.pdf"'})


def csv_response(purchase: PurchaseOrder) -> Response:
    return Response(purchase_order_csv(purchase.id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{purchase.number}.csv"'})


@bp.post("/ops/purchase-orders/<number>/send")
@po_buyers
def send(number: str) -> ResponseReturnValue:
    """draft → sent: the supplier is mailed and given the usual time to answer."""
    purchase = purchase_or_404(number)
    settings = current_app.config["OMS_SETTINGS"]
    within = (timedelta(hours=settings.dropship_confirm_hours) if purchase.dropship
              else timedelta(days=settings.po_confirm_days))
    return _acted(purchase, lambda: send_purchase_order(purchase.number, actor=current_user.email,
                                                        answer_within=within),
                  gettext("%(number)s sent to the supplier.", number=purchase.number))


@bp.post("/ops/purchase-orders/<number>/edit")
@po_buyers
def edit(number: str) -> ResponseReturnValue:
    """Change lines, expected date or note; after sending, the revision goes up and the supplier answers again."""
    purchase = purchase_or_404(number)
    rows = len(purchase.lines) + EXTRA_EDIT_ROWS
    values = {"expected_at": request.form.get("expected_at", "").strip(),
              "note": request.form.get("note", "").strip(), "lines": submitted_lines(rows)}
    errors: dict[str, list[str]] = {}
    lines, used = parse_lines(values["lines"], errors)
    expected_at = parse_date(values["expected_at"], "expected_at", errors)
    if len(values["note"]) > NOTE_MAX:
        errors["note"] = [gettext("at most %(count)s characters", count=NOTE_MAX)]
    if not errors:
        try:
            changed = change_purchase_order(purchase.number, actor=current_user.email, lines=lines,
                                            expected_at=expected_at, note=values["note"])
        except (ValidationFailed, InvalidTransition) as exc:
            if isinstance(exc, ValidationFailed):
                attach_model_errors(exc.messages, used, errors)
            else:
                errors["form"] = [refusal(exc)]
        else:
            flash(gettext("Purchase order %(number)s changed (revision %(revision)s).", number=changed.number,
                          revision=changed.revision) if changed.revision
                  else gettext("Purchase order %(number)s changed.", number=changed.number), "success")
            return redirect(url_for("purchase_orders.detail", number=purchase.number))
    return _detail_page(purchase_or_404(number), edit=values, errors=errors), 422


@bp.post("/ops/purchase-orders/<number>/cancel")
@po_buyers
def cancel(number: str) -> ResponseReturnValue:
    """Cancel with a reason; a supplier that had it is told."""
    purchase = purchase_or_404(number)
    reason = _reason()
    if reason is None:
        return redirect(url_for("purchase_orders.detail", number=purchase.number))
    return _acted(purchase, lambda: cancel_purchase_order(purchase.number, actor=current_user.email,
                                                          reason=reason),
                  gettext("%(number)s cancelled.", number=purchase.number))


@bp.post("/ops/purchase-orders/<number>/close")
@po_buyers
def close(number: str) -> ResponseReturnValue:
    """Close an order nothing more will arrive for, with a reason."""
    purchase = purchase_or_404(number)
    reason = _reason()
    if reason is None:
        return redirect(url_for("purchase_orders.detail", number=purchase.number))
    return _acted(purchase, lambda: close_purchase_order(purchase.number, actor=current_user.email,
                                                         reason=reason),
                  gettext("%(number)s closed.", number=purchase.number))


@bp.post("/ops/purchase-orders/<number>/counter/accept")
@po_buyers
def accept(number: str) -> ResponseReturnValue:
    """Take the supplier's counter-proposal: its quantities and dates become the order's."""
    purchase = purchase_or_404(number)
    return _acted(purchase, lambda: accept_counter(purchase.number, actor=current_user.email),
                  gettext("%(number)s counter-proposal accepted.", number=purchase.number))


@bp.post("/ops/purchase-orders/<number>/counter/reject")
@po_buyers
def reject(number: str) -> ResponseReturnValue:
    """Refuse the counter-proposal with a reason; the order goes back to the supplier as sent."""
    purchase = purchase_or_404(number)
    reason = _reason()
    if reason is None:
        return redirect(url_for("purchase_orders.detail", number=purchase.number))
    return _acted(purchase, lambda: reject_counter(purchase.number, actor=current_user.email, reason=reason),
                  gettext("%(number)s counter-proposal rejected.", number=purchase.number))


def _reason() -> str | None:
    reason = request.form.get("reason", "").strip()
    if not reason or len(reason) > REASON_MAX:
        flash(gettext("Give a reason (at most %(count)s characters).", count=REASON_MAX), "error")
        return None
    return reason


def _acted(purchase: PurchaseOrder, action: Callable[[], object], done: str) -> ResponseReturnValue:
    """Run a model action and flash ``done`` or why not; a refusal is a message, never a server error."""
    try:
        outcome = action()
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        for message in flatten(exc.messages):
            flash(gettext("%(subject)s: %(message)s", subject=purchase.number, message=message), "error")
    except OMSError as exc:
        flash(gettext("%(subject)s: %(message)s", subject=purchase.number, message=refusal(exc)), "error")
    else:
        if outcome is False:
            now = PurchaseOrder.select(PurchaseOrder.status).where(PurchaseOrder.id == purchase.id).scalar()
            flash(gettext("%(number)s is %(status)s; nothing changed.", number=purchase.number,
                          status=supply_words(now)), "error")
        else:
            flash(done, "success")
    return redirect(url_for("purchase_orders.detail", number=purchase.number))
