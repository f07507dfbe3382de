"""The supplier's portal: what needs its action, its purchase orders (confirm or counter line by line or by CSV,
announce deliveries), their documents, and its SKUs' stock, sell-through and forecast.

Every page is scoped to the signed-in supplier (``current_user.partner_id``): another supplier's purchase order
answers 404, whatever the URL or the form says."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.inventory.views import decode_cursor, encode_cursor, open_alerts
from models.supply.asns import (
    AsnLineInput,
    announced_in_transit,
    create_asn,
    still_to_announce,
)
from models.supply.confirmation_file import parse_confirmation_csv
from models.supply.confirmations import (
    ANSWERABLE,
    ConfirmationInput,
    confirm_purchase_order,
)
from models.supply.purchase_order_view import (
    PurchaseOrderView,
    line_counts,
    load_purchase_order_view,
)
from models.supply.states import PO_SHIPPABLE_STATES, PO_STATUSES
from models.supply.supplier_stock import (
    LONG_WEEKS,
    SHORT_WEEKS,
    supplier_forecasts,
    supplier_stock,
)
from models.supply.tables import PurchaseOrder
from models.supply.views import (
    list_purchase_orders,
    supplier_work,
    visible_purchase_order,
)
from portal.auth import role_required
from portal.list_exports import (
    EXPORT_PAGE,
    PURCHASE_CSV,
    export_csv,
    purchase_order_rows,
    wants_csv,
)
from portal.params import id_arg
from portal.purchase_order_forms import refusal
from portal.purchase_orders import (
    KINDS,
    csv_response,
    flatten,
    parse_date,
    pdf_response,
    supply_words,
)

bp = Blueprint("supplier_portal", __name__)

supplier_only = role_required("supplier")
PAGE_SIZE = 50
STOCK_PAGE = 50
ALERTS_SHOWN = 20
WORK = (  # supplier_work() key, heading, what the supplier does about it
    ("to_confirm", lazy_gettext("Purchase orders to confirm"), lazy_gettext("confirm or counter each line")),
    ("dropship_to_ship", lazy_gettext("Drop-ship orders to ship"),
     lazy_gettext("ship to the customer and announce it with the tracking number")),
    ("asns_due", lazy_gettext("Deliveries to announce"),
     lazy_gettext("confirmed; create the advance shipping notice when it ships")),
    ("counters_waiting", lazy_gettext("Counter-proposals waiting for us"),
     lazy_gettext("we will accept or reject your proposal")),
)


def supplier_id() -> int:
    """The signed-in supplier; a supplier user bound to no supplier sees nothing."""
    if current_user.partner_id is None:
        abort(403)
    return current_user.partner_id


def own_purchase_or_404(number: str) -> PurchaseOrder:
    try:
        return visible_purchase_order(number, supplier_id=supplier_id())
    except NotFound:
        abort(404)


@bp.get("/supplier")
@supplier_only
def home() -> ResponseReturnValue:
    """What waits for the supplier, with counts and links, its open low-stock alerts and its scorecard."""
    work = supplier_work(supplier_id())
    sections = [{"key": key, "title": title, "hint": hint, "purchases": work.get(key, [])}
                for key, title, hint in WORK]
    return render_template("supplier/home.html", sections=sections,
                           alerts=open_alerts(supplier_id=supplier_id(), limit=ALERTS_SHOWN))


@bp.get("/supplier/purchase-orders")
@supplier_only
def purchase_orders() -> ResponseReturnValue:
    """The supplier's purchase orders, newest first, by status and kind, 50 a page."""
    status = request.args.get("status", "")
    status = status if status in PO_STATUSES else ""
    kind = request.args.get("kind", "")
    kind = kind if kind in KINDS else ""
    if wants_csv():
        own = supplier_id()
        return export_csv("purchase-orders", PURCHASE_CSV, purchase_order_rows(lambda after: list_purchase_orders(
            supplier_id=own, status=status or None, kind=kind or None, after=after, limit=EXPORT_PAGE)))
    after = id_arg("after")
    rows, next_after = list_purchase_orders(supplier_id=supplier_id(), status=status or None, kind=kind or None,
                                            after=after, limit=PAGE_SIZE)
    return render_template("supplier/purchase_orders.html", purchases=rows, status=status, kind=kind,
                           statuses=PO_STATUSES, kinds=KINDS, after=after, next_after=next_after,
                           counts=line_counts([row.id for row in rows]))


@bp.get("/supplier/purchase-orders/<number>")
@supplier_only
def purchase_order(number: str) -> ResponseReturnValue:
    """One of its purchase orders: lines, the confirmation form, the CSV upload, the ASN form, the ship-to."""
    return _purchase_page(own_purchase_or_404(number))


@bp.get("/supplier/purchase-orders/<number>.pdf")
@supplier_only
def purchase_order_pdf(number: str) -> ResponseReturnValue:
    return pdf_response(own_purchase_or_404(number))


@bp.get("/supplier/purchase-orders/<number>.csv")
@supplier_only
def purchase_order_csv(number: str) -> ResponseReturnValue:
    return csv_response(own_purchase_or_404(number))


@bp.post("/supplier/purchase-orders/<number>/confirmation")
@supplier_only
def confirm(number: str) -> ResponseReturnValue:
    """Answer every line: a quantity and a promised date, or a counter-proposal."""
    purchase = own_purchase_or_404(number)
    view = load_purchase_order_view(purchase.id)
    values = {f"{kind}-{line.id}": request.form.get(f"{kind}-{line.id}", "").strip()[:12]
              for line in view.lines for kind in ("quantity", "promised")}
    values |= {f"counter-{line.id}": request.form.get(f"counter-{line.id}") == "1" for line in view.lines}
    errors: dict[str, list[str]] = {}
    answers = []
    for line in view.lines:
        quantity = values[f"quantity-{line.id}"]
        if not (quantity.isascii() and quantity.isdigit()):
            errors[f"quantity-{line.id}"] = [gettext("a whole number, 0 when you cannot supply the line")]
        promised = parse_date(values[f"promised-{line.id}"], f"promised-{line.id}", errors)
        if not any(key.endswith(f"-{line.id}") for key in errors):
            answers.append(ConfirmationInput(sku=line.product.sku, quantity=int(quantity), promised_date=promised,
                                             counter=values[f"counter-{line.id}"]))
    if not errors:
        try:
            status = confirm_purchase_order(purchase.number, answers, supplier_id=supplier_id(),
                                            actor=current_user.email)
        except NotFound:
            abort(404)
        except (ValidationFailed, InvalidTransition) as exc:
            _line_errors(exc, view, [answer.sku for answer in answers], errors,
                         {"": "quantity", "promised_date": "promised"})
        else:
            flash(gettext("%(number)s: your answer is recorded (%(status)s).", number=purchase.number,
                          status=supply_words(status.replace("_", " "))), "success")
            return redirect(url_for("supplier_portal.purchase_order", number=purchase.number))
    return _purchase_page(purchase, view=view, confirmation=values, errors=errors), 422


@bp.post("/supplier/purchase-orders/<number>/confirmation-file")
@supplier_only
def confirm_file(number: str) -> ResponseReturnValue:
    """Answer by uploading a CSV (sku, quantity, promised_date[, counter]); a bad row is named, nothing is saved."""
    purchase = own_purchase_or_404(number)
    upload = request.files.get("file")
    file_errors: list[str] = []
    if upload is None or not upload.filename:
        file_errors.append(gettext("choose a CSV file"))
    else:
        try:
            answers = parse_confirmation_csv(upload.read())
            status = confirm_purchase_order(purchase.number, answers, supplier_id=supplier_id(),
                                            actor=current_user.email)
        except NotFound:
            abort(404)
        except ValidationFailed as exc:
            file_errors += [gettext("%(subject)s: %(message)s", subject=_row_label(key), message=message)
                            for key, value in exc.messages.items() for message in flatten(value)]
        except InvalidTransition as exc:
            file_errors.append(refusal(exc))
        else:
            flash(gettext("%(number)s: your answer from %(file)s is recorded (%(status)s).", number=purchase.number,
                          file=upload.filename, status=supply_words(status.replace("_", " "))), "success")
            return redirect(url_for("supplier_portal.purchase_order", number=purchase.number))
    return _purchase_page(purchase, file_errors=file_errors), 422


@bp.post("/supplier/purchase-orders/<number>/asns")
@supplier_only
def create_notice(number: str) -> ResponseReturnValue:
    """Announce a delivery: units per line, carrier, tracking number, expected arrival, own reference."""
    purchase = own_purchase_or_404(number)
    view = load_purchase_order_view(purchase.id)
    values = {name: request.form.get(name, "").strip()[:64]
              for name in ("carrier", "tracking_number", "expected_on", "reference")}
    values |= {f"ship-{line.id}": request.form.get(f"ship-{line.id}", "").strip()[:12] for line in view.lines}
    errors: dict[str, list[str]] = {}
    expected_on = parse_date(values["expected_on"], "expected_on", errors)
    lines = []
    for line in view.lines:
        text = values[f"ship-{line.id}"] or "0"
        if not (text.isascii() and text.isdigit()):
            errors[f"ship-{line.id}"] = [gettext("a whole number, 0 or more")]
        elif int(text):
            lines.append(AsnLineInput(sku=line.product.sku, quantity=int(text)))
    if not lines and not errors:
        errors["lines"] = [gettext("give the units of at least one line")]
    if not errors:
        try:
            asn = create_asn(purchase.number, supplier_id=supplier_id(), lines=lines, carrier=values["carrier"],
                             tracking_number=values["tracking_number"], expected_on=expected_on,
                             actor=current_user.email, reference=values["reference"] or None)
        except NotFound:
            abort(404)
        except (ValidationFailed, InvalidTransition) as exc:
            _line_errors(exc, view, [line.sku for line in lines], errors, {"": "ship"}, general="asn_form")
        else:
            flash(gettext("%(number)s: delivery %(reference)s announced.", number=purchase.number,
                          reference=asn.reference), "success")
            return redirect(url_for("supplier_portal.purchase_order", number=purchase.number))
    return _purchase_page(purchase, view=view, shipping=values, errors=errors), 422


def _line_errors(exc: Exception, view: PurchaseOrderView, sent: list[str], errors: dict,
                 fields: dict[str, str], *, general: str = "form") -> None:
    """The model's messages next to their line's field (``lines[i].x`` is the i-th line sent, ``lines.SKU``
    names it; ``fields`` maps the model's field to the form's, "" for the default); others under their name."""
    if not isinstance(exc, ValidationFailed):
        errors.setdefault(general, []).append(refusal(exc))
        return
    ids = {line.product.sku: line.id for line in view.lines}
    for key, value in exc.messages.items():
        key, sku, field = str(key), None, fields[""]
        if key.startswith("lines[") and "]" in key:
            index, _, name = key[6:].partition("]")
            sku = sent[int(index)] if index.isdigit() and int(index) < len(sent) else None
            field = fields.get(name.lstrip("."), field)
        elif key.startswith("lines."):
            sku = key[6:]
        target = f"{field}-{ids[sku]}" if sku in ids else key
        errors.setdefault(target, []).extend(flatten(value))


def _row_label(key) -> str:
    """``file`` or ``row N.column`` as the page names them ("Row 3, column quantity")."""
    key = str(key)
    if key == "file":
        return gettext("File")
    row, dot, column = key.partition(".")
    number = row.removeprefix("row ")
    if dot and number != row and number.isdigit():
        return gettext("Row %(row)s, column %(column)s", row=number, column=column)
    return key.replace(".", ", column ").capitalize()


def _purchase_page(purchase: PurchaseOrder, *, view: PurchaseOrderView | None = None,
                   confirmation: dict | None = None, shipping: dict | None = None, errors: dict | None = None,
                   file_errors: list[str] | None = None) -> str:
    view = view or load_purchase_order_view(purchase.id)
    announced = announced_in_transit([line.id for line in view.lines], dropship=purchase.dropship)
    to_announce = {line.id: still_to_announce(line, announced, dropship=purchase.dropship) for line in view.lines}
    may_answer = purchase.status in ANSWERABLE
    may_ship = purchase.status in PO_SHIPPABLE_STATES and any(to_announce.values())
    return render_template(
        "supplier/purchase_order.html", purchase=purchase, view=view, errors=errors or {},
        file_errors=file_errors or [], may_answer=may_answer, may_ship=may_ship, to_announce=to_announce,
        confirmation=confirmation or _answer_defaults(view), shipping=shipping or _shipping_defaults(to_announce))


def _answer_defaults(view: PurchaseOrderView) -> dict:
    """The form filled with the answer so far (a counter-proposal as proposed), else the order as asked."""
    values = {}
    for line in view.lines:
        countered = line.proposed_quantity is not None
        quantity = (line.proposed_quantity if countered else line.confirmed_quantity
                    if line.confirmed_quantity is not None else line.quantity)
        promised = (line.proposed_date if countered else line.promised_date) or view.purchase.expected_at
        values |= {f"quantity-{line.id}": str(quantity), f"counter-{line.id}": countered,
                   f"promised-{line.id}": promised.isoformat() if isinstance(promised, date) else ""}
    return values


def _shipping_defaults(to_announce: dict[int, int]) -> dict:
    return {"carrier": "", "tracking_number": "", "expected_on": "", "reference": "",
            **{f"ship-{line_id}": str(units) for line_id, units in to_announce.items()}}


@bp.get("/supplier/stock")
@supplier_only
def stock() -> ResponseReturnValue:
    """Its SKUs per warehouse: stock, incoming and next arrival, sell-through, cover and forecast."""
    try:
        after = decode_cursor(request.args.get("after"), parts=2)
    except ValidationFailed:
        after = None  # a mangled link: start from the first page
    rows, next_key = supplier_stock(supplier_id(), limit=STOCK_PAGE, after=after)
    skus = list(dict.fromkeys(row.sku for row in rows))
    return render_template("supplier/stock.html", rows=rows, after=after, next_after=encode_cursor(next_key),
                           forecasts=supplier_forecasts(supplier_id(), skus), skus=skus,
                           names={row.sku: row.name for row in rows}, short_weeks=SHORT_WEEKS,
                           long_weeks=LONG_WEEKS)
