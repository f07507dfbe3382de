"""The warehouse receipt of a purchase order: count a delivery in against its ASN (pre-filled with what the ASN
announced), good and damaged units per line; the discrepancies found are shown after. Ops admins and agents."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user

from models.core.errors import InvalidTransition, ValidationFailed
from models.supply.purchase_order_view import (
    PurchaseOrderView,
    load_purchase_order_view,
)
from models.supply.receipts import receive_purchase_order
from models.supply.states import PO_RECEIVABLE_STATES
from models.supply.tables import PurchaseOrder
from portal.purchase_order_forms import flatten, refusal
from portal.purchase_orders import NOTE_MAX, po_buyers, purchase_or_404, supply_words

bp = Blueprint("purchase_receipts", __name__)


@bp.route("/ops/purchase-orders/<number>/receive", methods=["GET", "POST"])
@po_buyers
def receive(number: str) -> ResponseReturnValue:
    """Count a delivery in against an ASN (pre-filled with what it announced): good and damaged units per line."""
    purchase = purchase_or_404(number)
    if purchase.dropship or purchase.status not in PO_RECEIVABLE_STATES:
        status = supply_words(purchase.status.replace("_", " "))
        flash(gettext("%(number)s is %(status)s and ships straight to the customer; nothing to receive.",
                      number=purchase.number, status=status) if purchase.dropship
              else gettext("%(number)s is %(status)s; nothing to receive.", number=purchase.number, status=status),
              "error")
        return redirect(url_for("purchase_orders.detail", number=purchase.number))
    view = load_purchase_order_view(purchase.id)
    asn_ids = {asn.id for asn in view.asns}
    if request.method == "GET":
        asn_id = request.args.get("asn", type=int)
        if asn_id not in asn_ids:  # "0" chooses none; a missing or foreign one, the first in transit
            asn_id = None if asn_id == 0 else next((a.id for a in view.asns if a.status == "in_transit"), None)
        return _receive_page(view, asn_id, _prefilled(view, asn_id), {})
    asn_text = request.form.get("asn", "")
    asn_id = int(asn_text) if asn_text.isascii() and asn_text.isdigit() else None
    values = {"note": request.form.get("note", "").strip()[:NOTE_MAX],
              **{f"{kind}-{line.id}": request.form.get(f"{kind}-{line.id}", "").strip()[:12]
                 for line in view.lines for kind in ("good", "damaged")}}
    errors: dict[str, list[str]] = {}
    if asn_id is not None and asn_id not in asn_ids:
        errors["asn"] = [gettext("choose an ASN of this order")]
    good, damaged = _counted(view, values, errors)
    if errors:
        return _receive_page(view, asn_id, values, errors), 422
    try:
        receive_purchase_order(purchase.number, good, actor=current_user.email, asn_id=asn_id,
                               damaged=damaged or None, note=values["note"])
    except ValidationFailed as exc:
        skus = {line.product.sku: line.id for line in view.lines}
        for key, messages in exc.messages.items():
            line_id = next((skus[sku] for sku in skus if sku in str(key)), None)
            target = f"good-{line_id}" if line_id else ("asn" if key == "asn" else "form")
            errors.setdefault(target, []).extend(flatten(messages))
        return _receive_page(view, asn_id, values, errors), 422
    except InvalidTransition as exc:
        return _receive_page(view, asn_id, values, {"form": [refusal(exc)]}), 422
    flash(_receipt_summary(purchase), "success")
    return redirect(url_for("purchase_orders.detail", number=purchase.number, _anchor="receipts"))


def _prefilled(view: PurchaseOrderView, asn_id: int | None) -> dict:
    """The ASN's announced units as the good units (or each line's open units without an ASN)."""
    announced = view.announced_on(asn_id) if asn_id is not None else {}
    values = {"note": ""}
    for line in view.lines:
        if asn_id is not None:
            units = announced.get(line.id, 0)
        else:
            expected = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
            units = max(0, expected - line.received_quantity - line.damaged_quantity)
        values[f"good-{line.id}"], values[f"damaged-{line.id}"] = str(units), "0"
    return values


def _counted(view: PurchaseOrderView, values: dict, errors: dict) -> tuple[dict, dict]:
    """SKU -> good units and SKU -> damaged units of the lines counted; an ASN's lines counted 0 are short."""
    good, damaged = {}, {}
    for line in view.lines:
        for kind, found in (("good", good), ("damaged", damaged)):
            text = values[f"{kind}-{line.id}"] or "0"
            if not (text.isascii() and text.isdigit()):
                errors[f"{kind}-{line.id}"] = [gettext("a whole number, 0 or more")]
            elif int(text):
                found[line.product.sku] = int(text)
    if not good and not damaged and not errors:
        errors["form"] = [gettext("count at least one unit, good or damaged")]
    return good, damaged


def _receive_page(view: PurchaseOrderView, asn_id: int | None, values: dict, errors: dict) -> str:
    return render_template("purchase_orders/receive.html", view=view, purchase=view.purchase, asn_id=asn_id,
                           announced=view.announced_on(asn_id) if asn_id is not None else {}, values=values,
                           errors=errors)


def _receipt_summary(purchase: PurchaseOrder) -> str:
    """What the newest receipt of the order found: its discrepancies, or that it matched."""
    view = load_purchase_order_view(purchase.id)
    if not view.receipts:
        return gettext("%(number)s received.", number=purchase.number)
    found = [gettext("%(sku)s %(discrepancy)s (announced %(announced)s, good %(good)s, damaged %(damaged)s)",
                     sku=line.purchase_order_line.product.sku, discrepancy=_discrepancy_words(line.discrepancy),
                     announced="—" if line.announced_quantity is None else line.announced_quantity,
                     good=line.received_quantity, damaged=line.damaged_quantity)
             for line in view.receipt_lines.get(view.receipts[-1].id, []) if line.discrepancy]
    if not found:
        return gettext("%(number)s received; it matched what was announced.", number=purchase.number)
    return gettext("%(number)s received with discrepancies: %(found)s.", number=purchase.number,
                   found=gettext("; ").join(found))


def _discrepancy_words(discrepancy: str) -> str:
    """"short,damaged" as "short and damaged", in the page's language."""
    words = [supply_words(kind) for kind in discrepancy.split(",") if kind]
    text = words[0] if words else ""
    for word in words[1:]:
        text = gettext("%(first)s and %(second)s", first=text, second=word)
    return text
