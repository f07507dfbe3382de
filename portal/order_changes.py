"""The order page's "Change order" form (ops, and distributors before allocation) and its change history."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from marshmallow import ValidationError
from wtforms import FieldList, Form, FormField, StringField, TextAreaField

from models.core.errors import OrderChangeRefused, PermissionDenied, ValidationFailed
from models.orders.change_history import ChangeEntry, order_changes
from models.orders.change_review import change_and_review
from models.orders.change_rules import SHIP_TO_FIELDS, may_state_prices, refusal
from models.orders.partner_view import own_actor_names
from models.orders.tables import Order
from models.partners.access import can_see_order
from models.partners.tables import OPS_ROLES
from models.shipping.states import SHIPMENT_LEFT_STATES
from portal.auth import role_required
from portal.domain_words import translate_words
from portal.model_messages import translate_message
from portal.ship_to_fields import ShipToForm
from schemas.order_changes import order_change_schema

bp = Blueprint("order_changes", __name__)

ADDED_ROWS = 3  # blank rows under the order's lines, to add lines
MAX_ROWS = 500  # as many lines as an order may have


# What a change alters, as models.orders.change_history and ChangeDiff.summary name it, in the page's language
CHANGED_WORDS = {
    "ship-to name": lazy_gettext("ship-to name"), "ship-to phone": lazy_gettext("ship-to phone"),
    "ship-to email": lazy_gettext("ship-to email"), "ship-to address": lazy_gettext("ship-to address"),
    "ship-to city": lazy_gettext("ship-to city"), "ship-to region": lazy_gettext("ship-to region"),
    "ship-to postcode": lazy_gettext("ship-to postcode"), "ship-to country": lazy_gettext("ship-to country"),
    "requested delivery date": lazy_gettext("requested delivery date"), "lines": lazy_gettext("lines"),
}
# models.orders.change_history's outcomes that are no order status
OUTCOME_WORDS = {"pending": lazy_gettext("pending"), "superseded": lazy_gettext("superseded")}

class ChangeLineForm(Form):
    sku = StringField(lazy_gettext("SKU"))
    quantity = StringField(lazy_gettext("Quantity"))
    unit_price = StringField(lazy_gettext("Unit price"))


class OrderChangeForm(ShipToForm):
    requested_delivery_date = StringField(lazy_gettext("Requested delivery date (YYYY-MM-DD)"))
    lines = FieldList(FormField(ChangeLineForm), min_entries=0, max_entries=MAX_ROWS)
    note = TextAreaField(lazy_gettext("Note"))


@dataclass(frozen=True)
class ChangeSection:
    """What the order page shows about changes: the form (None when the user may not change the order now, with
    ``why_not``), whether it has a price column, and the history."""

    form: OrderChangeForm | None
    why_not: str
    prices: bool
    history: list[ChangeEntry]

    @staticmethod
    def changed_words(what: str) -> str:
        """A changed field's name ("ship-to region") in the page's language."""
        return changed_words(what)

    @staticmethod
    def outcome_words(outcome: str) -> str:
        """Where review moved the order after a change ("on hold"), pending or superseded, in the page's language."""
        if outcome in OUTCOME_WORDS:
            return str(OUTCOME_WORDS[outcome])
        return translate_words(outcome).replace("_", " ")


def change_section(order: Order, user) -> ChangeSection:
    """The change form and history of ``order`` as load_order_view loaded it (no further query but the history)."""
    left = any(shipment.status in SHIPMENT_LEFT_STATES for shipment in order.loaded_shipments)
    holds = any(r.status == "active" for line in order.loaded_lines for r in line.reservations)
    why_not = translate_message(refusal(order.status, role=user.role, shipment_left=left, holds_stock=holds) or "")
    prices = may_state_prices(user.role)
    own = None if user.is_ops else own_actor_names(user.partner_id)
    return ChangeSection(form=None if why_not else filled_form(order, prices=prices), why_not=why_not,
                         prices=prices, history=order_changes(order.id, own_actors=own)[::-1])


def filled_form(order: Order, *, prices: bool) -> OrderChangeForm:
    """The form as the order is now, with blank rows to add lines."""
    form = OrderChangeForm(prefix="change", formdata=None)
    for name in SHIP_TO_FIELDS:
        form[f"ship_to_{name}"].data = getattr(order, f"ship_to_{name}")
    form.requested_delivery_date.data = order.requested_delivery_date.isoformat() \
        if order.requested_delivery_date else ""
    for line in order.loaded_lines:
        stated = prices and line.price_given
        form.lines.append_entry({"sku": line.sku, "quantity": str(line.quantity),
                                 "unit_price": str(line.unit_price) if stated else ""})
    for _ in range(ADDED_ROWS):
        form.lines.append_entry()
    return form


@bp.post("/orders/<int:order_id>/change")
@role_required(*OPS_ROLES, "distributor")
def change(order_id: int) -> ResponseReturnValue:
    """Apply the change form: the order goes back to review and allocation runs again."""
    if not can_see_order(current_user, order_id):
        abort(404)
    form = OrderChangeForm(prefix="change")
    back = redirect(url_for("ops.order_detail", order_id=order_id))
    if not form.validate_on_submit():
        flash(gettext("The form expired; reload the page and change the order again."), "error")
        return back
    try:
        data = order_change_schema.load(_body(form, prices=may_state_prices(current_user.role)))
        note = data.pop("note")
        result = change_and_review(order_id, data, actor=current_user.email, role=current_user.role,
                              partner_id=current_user.partner_id, note=note)
    except (ValidationError, ValidationFailed) as exc:
        for message in _messages(exc.messages):
            flash(gettext("Not changed: %(message)s", message=message), "error")
        return back
    except (OrderChangeRefused, PermissionDenied) as exc:
        flash(gettext("Not changed: %(message)s", message=translate_message(getattr(exc, "reason", None) or str(exc))),
              "error")
        return back
    if result.changed:
        flash(gettext("Order %(id)s %(summary)s; reviewed again: now %(status)s.", id=order_id,
                      summary=_summary_words(result.summary), status=translate_words(result.status)), "success")
    else:
        flash(gettext("Order %(id)s already was as given; nothing changed.", id=order_id), "info")
    return back


def _body(form: OrderChangeForm, *, prices: bool) -> dict:
    """The change as schemas.order_changes takes it: every ship-to field (unchanged ones change nothing), the date
    (blank clears it), the filled line rows, and the note."""
    lines = []
    for entry in form.lines.entries:
        row = entry.form
        sku, quantity, price = (_text(row.sku), _text(row.quantity), _text(row.unit_price))
        if not sku and not quantity and not price:
            continue  # a blank row, or a line removed by clearing it
        line: dict = {"sku": sku}
        line["quantity"] = int(quantity) if quantity.isdigit() else quantity
        if prices and price:
            line["unit_price"] = price
        lines.append(line)
    ship_to = {name: _text(form[f"ship_to_{name}"]) for name in SHIP_TO_FIELDS}
    return {"ship_to": ship_to, "requested_delivery_date": _text(form.requested_delivery_date) or None,
            "lines": lines, "note": _text(form.note)}


def _text(field) -> str:
    return (field.data or "").strip()


def _messages(errors, path: str = "") -> list[str]:
    if isinstance(errors, dict):
        return [message for key, value in errors.items()
                for message in _messages(value, f"{path}.{key}" if path else str(key))]
    if isinstance(errors, (list, tuple)):
        return [message for value in errors for message in _messages(value, path)]
    message = translate_message(errors)
    return [f"{_label(path)}: {message}" if path else message]


def _label(path: str) -> str:
    """"lines.0.quantity" as the form shows it: "line 1 quantity"."""
    parts = path.split(".")
    if len(parts) == 3 and parts[0] == "lines" and parts[1].isdigit():
        return gettext("line %(no)s %(field)s", no=int(parts[1]) + 1, field=parts[2].replace("_", " "))
    return " ".join(part.replace("_", " ") for part in parts)


def changed_words(what: str) -> str:
    return str(CHANGED_WORDS.get(what, what))


def _summary_words(summary: str) -> str:
    """ChangeDiff.summary ("changed: ship-to region, lines") in the page's language."""
    head, colon, parts = summary.partition(": ")
    if head != "changed" or not colon:
        return summary
    return gettext("changed: %(what)s", what=gettext(", ").join(changed_words(part) for part in parts.split(", ")))
