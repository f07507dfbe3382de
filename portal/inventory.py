"""Inventory pages: stock per warehouse and SKU, adjustments and transfers, a SKU's movements, low-stock alerts.

Ops roles see everything (ops admins and agents also change stock); a supplier sees its own SKUs, read only.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from models.core.errors import ValidationFailed
from models.inventory.ledger import sku_ledger
from models.inventory.moves import (
    MAX_NOTE,
    MAX_QUANTITY,
    REASON_CODES,
    TRANSFER_REASON_CODES,
    adjust_stock,
    transfer_stock,
)
from models.inventory.tables import Product, Warehouse
from models.inventory.views import (
    decode_cursor,
    encode_cursor,
    open_alerts,
    recently_cleared_alerts,
    stock_positions,
)
from models.partners.tables import OPS_ROLES
from models.supply.alerts import open_supply_alerts
from portal.auth import PortalUser, role_required
from portal.list_exports import EXPORT_PAGE, export_csv, walk_pages, wants_csv
from portal.model_messages import translate_message
from portal.params import id_arg

bp = Blueprint("inventory", __name__, url_prefix="/ops")

PAGE_SIZE = 50
MOVEMENTS_PAGE = 100
STOCK_EDITORS = ("ops_admin", "ops_agent")
# The reasons of models.inventory.moves and of the ledger's own movements, as the pages write them.
REASON_LABELS = {
    "cycle_count": lazy_gettext("Cycle count"), "damaged": lazy_gettext("Damaged"), "found": lazy_gettext("Found"),
    "shrinkage": lazy_gettext("Shrinkage"), "correction": lazy_gettext("Correction"),
    "received": lazy_gettext("Received outside a purchase order"),
    "rebalance": lazy_gettext("Rebalance between warehouses"),
    "replenishment": lazy_gettext("Replenish a forward warehouse"),
    "consolidation": lazy_gettext("Consolidate stock"),
}
LEDGER_REASONS = {"shipment": lazy_gettext("Shipped"),
                  "unshipped": lazy_gettext("Back on hand: waybill cancelled before pickup"),
                  "return": lazy_gettext("Returned"), "import": lazy_gettext("Stock file import"),
                  "purchase_order": lazy_gettext("purchase_order")}
# A movement's kind (StockMovement.kind) and a supply alert's kind, as the pages write them.
MOVEMENT_KINDS = {
    "adjustment": lazy_gettext("adjustment"), "transfer_out": lazy_gettext("transfer out"),
    "transfer_in": lazy_gettext("transfer in"), "receipt": lazy_gettext("receipt"), "return": lazy_gettext("return"),
    "import": lazy_gettext("import"), "quarantine": lazy_gettext("quarantine"), "shipment": lazy_gettext("shipment"),
    "unshipped": lazy_gettext("unshipped"),
}
ALERT_KINDS = {"unconfirmed_drop_ship": lazy_gettext("unconfirmed drop ship"),
               "asn_overdue": lazy_gettext("asn overdue")}
stock_readers = role_required(*OPS_ROLES, "supplier")
stock_editors = role_required(*STOCK_EDITORS)


def reason_label(code: str, label: str | None = None):
    """A reason code as the page's language writes it; ``label`` (else the code) when it has no translation."""
    for known in (REASON_LABELS, LEDGER_REASONS):  # looked up, not tested for truth: a lazy text stays lazy
        if code in known:
            return known[code]
    return label if label is not None else code


class AdjustmentForm(FlaskForm):
    warehouse = SelectField(lazy_gettext("Warehouse"), validators=[DataRequired(lazy_gettext("Choose a warehouse."))])
    sku = StringField(lazy_gettext("SKU"), validators=[DataRequired(lazy_gettext("Give the SKU.")), Length(max=64)])
    quantity_change = IntegerField(lazy_gettext("Change (+ adds, − removes)"), validators=[
        InputRequired(lazy_gettext("Give the change in units.")), NumberRange(-MAX_QUANTITY, MAX_QUANTITY)])
    reason_code = SelectField(lazy_gettext("Reason"), choices=[SelectChoice(code, reason_label(code, label))
                                                               for code, label in REASON_CODES.items()])
    note = StringField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE)])


class TransferForm(FlaskForm):
    from_warehouse = SelectField(lazy_gettext("From"),
                                 validators=[DataRequired(lazy_gettext("Choose a warehouse."))])
    to_warehouse = SelectField(lazy_gettext("To"), validators=[DataRequired(lazy_gettext("Choose a warehouse."))])
    sku = StringField(lazy_gettext("SKU"), validators=[DataRequired(lazy_gettext("Give the SKU.")), Length(max=64)])
    quantity = IntegerField(lazy_gettext("Units"), validators=[InputRequired(lazy_gettext("Give the units to move.")),
                                                               NumberRange(1, MAX_QUANTITY)])
    reason_code = SelectField(lazy_gettext("Reason"), choices=[SelectChoice(code, reason_label(code, label))
                                                               for code, label in TRANSFER_REASON_CODES.items()])
    note = StringField(lazy_gettext("Note"), validators=[Length(max=MAX_NOTE)])


def supplier_scope(user: PortalUser) -> int | None:
    """The supplier whose SKUs a user is limited to; None for ops, who see every SKU."""
    return user.partner_id if user.role == "supplier" else None


@bp.get("/inventory")
@stock_readers
def inventory() -> ResponseReturnValue:
    """Stock per SKU and warehouse, filtered by SKU, warehouse and low stock, 50 a page."""
    if wants_csv():
        return _export_stock()
    return _inventory_page(_forms())


STOCK_CSV = ("sku", "name", "warehouse", "on_hand", "reserved", "available", "incoming", "incoming_on",
             "backordered", "reorder_point", "low_stock_alert")


def _export_stock():
    """Every position the filters show the user (a supplier: its own SKUs), by SKU and warehouse."""
    sku = request.args.get("sku", "").strip()[:64]
    warehouse = request.args.get("warehouse", "").strip()[:64]

    def fetch(after):
        return stock_positions(sku=sku or None, warehouse=warehouse or None, supplier_id=supplier_scope(current_user),
                               low_only=request.args.get("low") == "1", limit=EXPORT_PAGE, after=after)

    return export_csv("stock", STOCK_CSV, (
        (p.sku, p.name, p.warehouse, p.on_hand, p.reserved, p.available, p.incoming,
         p.incoming_on.isoformat() if p.incoming_on else "", p.backordered, p.reorder_point,
         "open" if p.alert_open else "") for p in walk_pages(fetch)))


@bp.post("/inventory/adjustments")
@stock_editors
def adjust() -> ResponseReturnValue:
    """Add or remove units of a SKU in one warehouse, with a reason."""
    adjustment, transfer = _forms(posted="adjust")
    if adjustment.validate_on_submit():
        data = adjustment.data
        try:
            movement = adjust_stock(data["warehouse"], data["sku"].strip(), data["quantity_change"],
                                    reason_code=data["reason_code"], note=data["note"] or "",
                                    actor=current_user.email)
        except ValidationFailed as exc:
            _attach(adjustment, exc.messages)
        else:
            change = format(movement.quantity, "+d")
            flash(gettext("%(change)s %(sku)s in %(warehouse)s (%(reason)s).", change=change,
                          sku=data["sku"].strip(), warehouse=data["warehouse"],
                          reason=str(reason_label(movement.reason_code)).lower()), "success")
            return redirect(url_for("inventory.inventory", sku=data["sku"].strip()))
    return _inventory_page((adjustment, transfer)), 422


@bp.post("/inventory/transfers")
@stock_editors
def transfer() -> ResponseReturnValue:
    """Move available units of a SKU from one warehouse to another."""
    adjustment, transfer_form = _forms(posted="transfer")
    if transfer_form.validate_on_submit():
        data = transfer_form.data
        try:
            moved_out, _ = transfer_stock(data["from_warehouse"], data["to_warehouse"], data["sku"].strip(),
                                          data["quantity"], reason_code=data["reason_code"],
                                          note=data["note"] or "", actor=current_user.email)
        except ValidationFailed as exc:
            _attach(transfer_form, exc.messages)
        else:
            flash(gettext("Moved %(units)s %(sku)s from %(source)s to %(target)s (%(reference)s).",
                          units=data["quantity"], sku=data["sku"].strip(), source=data["from_warehouse"],
                          target=data["to_warehouse"], reference=moved_out.reference), "success")
            return redirect(url_for("inventory.inventory", sku=data["sku"].strip()))
    return _inventory_page((adjustment, transfer_form)), 422


@bp.get("/inventory/<sku>")
@stock_readers
def sku_history(sku: str) -> ResponseReturnValue:
    """One SKU: its stock in every warehouse and its ledger, newest first, with the on-hand after each movement."""
    product = Product.get_or_none(Product.sku == sku)
    scope = supplier_scope(current_user)
    if product is None or (scope is not None and product.supplier_id != scope):
        abort(404)
    positions, _ = stock_positions(sku=sku, supplier_id=scope, limit=PAGE_SIZE)
    before = id_arg("before")
    movements, on_hand_after, next_before = sku_ledger(product.id, limit=MOVEMENTS_PAGE, before=before)
    return render_template("inventory/sku.html", product=product, positions=positions, movements=movements,
                           on_hand_after=on_hand_after, reasons={**REASON_CODES, **TRANSFER_REASON_CODES,
                                                                 **REASON_LABELS, **LEDGER_REASONS},
                           kinds=MOVEMENT_KINDS, before=before, next_before=next_before)


@bp.get("/alerts")
@stock_readers
def alerts() -> ResponseReturnValue:
    """Open low-stock and supply alerts, the oldest first, and the low-stock alerts cleared recently."""
    scope = supplier_scope(current_user)
    if wants_csv():
        return _export_alerts(scope)
    return render_template("inventory/alerts.html", open_alerts=open_alerts(supplier_id=scope),
                           cleared=recently_cleared_alerts(supplier_id=scope),
                           supply_alerts=open_supply_alerts(supplier_id=scope), kinds=ALERT_KINDS)


def _forms(*, posted: str | None = None) -> tuple[AdjustmentForm, TransferForm]:
    """Both forms with the warehouse choices; only the posted one reads the request."""
    codes = [code for (code,) in Warehouse.select(Warehouse.code).order_by(Warehouse.code).tuples()]
    sku = request.args.get("sku", "").strip()[:64]
    adjustment = AdjustmentForm(prefix="adjust", **({} if posted == "adjust" else {"formdata": None, "sku": sku}))
    transfer_form = TransferForm(prefix="transfer",
                                 **({} if posted == "transfer" else {"formdata": None, "sku": sku}))
    for field in (adjustment.warehouse, transfer_form.from_warehouse, transfer_form.to_warehouse):
        field.choices = [SelectChoice("", "—")] + [SelectChoice(code, code) for code in codes]
    return adjustment, transfer_form


def _inventory_page(forms: tuple[AdjustmentForm, TransferForm]) -> str:
    sku = request.args.get("sku", "").strip()[:64]
    warehouse = request.args.get("warehouse", "").strip()[:64]
    low = request.args.get("low") == "1"
    try:
        after = decode_cursor(request.args.get("after"), parts=2)
    except ValidationFailed:
        after = None  # a mangled link: start from the first page
    positions, next_key = stock_positions(sku=sku or None, warehouse=warehouse or None,
                                          supplier_id=supplier_scope(current_user), low_only=low,
                                          limit=PAGE_SIZE, after=after)
    adjustment, transfer_form = forms
    return render_template("inventory/stock.html", positions=positions, sku=sku, warehouse=warehouse, low=low,
                           warehouses=[choice.value for choice in adjustment.warehouse.choices if choice.value],
                           after=after, next_after=encode_cursor(next_key),
                           may_edit=current_user.role in STOCK_EDITORS,
                           adjustment=adjustment, transfer=transfer_form)


def _attach(form: FlaskForm, messages: dict) -> None:
    """Show the model's messages next to the fields they name, in the page's language; others at the top of the
    form."""
    for name, errors in messages.items():
        field = form._fields.get(name)
        errors = [translate_message(error) for error in (errors if isinstance(errors, list) else [str(errors)])]
        if field is None:
            form.form_errors.extend(errors)
        else:
            field.errors = [*field.errors, *errors]


ALERT_CSV = ("kind", "sku", "warehouse", "available_when_raised", "reorder_point", "raised_at", "status",
             "cleared_at", "purchase_order", "message")


def _export_alerts(scope: int | None):
    """The open low-stock alerts, those cleared recently and the open supply alerts, as the page lists them."""
    stock = [("low_stock", a.product.sku, a.warehouse.code, a.available, a.reorder_point, a.raised_at.isoformat(),
              a.status, a.cleared_at.isoformat() if a.cleared_at else "", "", "")
             for a in [*open_alerts(supplier_id=scope), *recently_cleared_alerts(supplier_id=scope)]]
    supply = [(a.kind, "", "", "", "", a.raised_at.isoformat(), a.status, "", a.purchase_order.number, a.message)
              for a in open_supply_alerts(supplier_id=scope)]
    return export_csv("alerts", ALERT_CSV, [*stock, *supply])
