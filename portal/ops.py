"""The order desk for ops staff and distributors: order list, order page, hold decisions, order entry."""
from __future__ import annotations

from datetime import datetime
from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from models.core.base import utc_now
from models.core.errors import NotFound, OMSError, PermissionDenied, ValidationFailed
from models.core.states import sources_of
from models.intake.entry import place_order
from models.intake.mail import mark_converted
from models.intake.sku_matching import match_line_sku
from models.inventory.tables import Product
from models.orders.cancellation import cancel_order
from models.orders.order_list import (
    ORDER_STATUSES,
    PAGE_SIZE,
    OrderListFilter,
    customer_filter,
    order_list,
)
from models.orders.partner_view import load_partner_order_view
from models.orders.states import ORDER_CANCELLED, ORDER_ON_HOLD
from models.orders.tables import CHANNELS, Order
from models.orders.views import load_order_view
from models.partners.access import Customer, orderable_customers, visible_orders
from models.partners.tables import OPS_ROLES, Partner
from models.review.hold_decisions import (
    hold_codes,
    reject_held_order,
    release_held_order,
)
from models.review.rules import HOLD_DECIDERS, may_release
from models.supply.dropship import awaiting_supplier
from portal.auth import PortalUser, is_local_path, role_required
from portal.credit_desk import flag_entry_choices, flash_entry_warning
from portal.domain_words import translate_words
from portal.i18n import format_number, format_when
from portal.list_exports import wants_csv
from portal.model_messages import translate_message
from portal.order_changes import change_section
from portal.order_export import export_orders
from portal.order_reasons import order_reason_texts, reason_in_language
from portal.params import id_arg
from portal.ship_to_fields import ShipToForm
from schemas.orders import CURRENCIES, order_schema

bp = Blueprint("ops", __name__)

CANCELLERS = (*OPS_ROLES, "distributor")
CANCELLABLE = sources_of("order", ORDER_CANCELLED)
LINE_ROWS = 10
SHIP_TO_FIELDS = ("name", "phone", "email", "address", "city", "region", "postcode", "country")

order_desk = role_required(*OPS_ROLES, "distributor")
# --- who sees which orders -------------------------------------------------------------------

def visible_order_or_404(user: PortalUser, order_id: int) -> Order:
    """The order with its customer, or 404 whether it is missing or someone else's."""
    order = visible_orders(user, Order, Customer).where(Order.id == order_id).first()
    if order is None:
        abort(404)
    return order


# --- order list ------------------------------------------------------------------------------

@bp.get("/")
def index() -> ResponseReturnValue:
    """Send signed-in users to their home dashboard and everyone else to sign in."""
    return redirect(url_for("auth.home") if current_user.is_authenticated else url_for("auth.login"))


@bp.get("/orders")
@order_desk
def orders() -> ResponseReturnValue:
    """Newest orders first, 50 a page by keyset (``before``), filtered by status, channel and customer code, and
    searched by a fragment of the reference or of the customer's name or code (models.orders.order_list)."""
    status = request.args.get("status", "all")
    status = status if status in ORDER_STATUSES else "all"
    channel = request.args.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    customer = request.args.get("customer", "").strip()[:64]
    wanted = OrderListFilter(status=None if status == "all" else status, channel=channel or None,
                             customer=customer_filter(customer),
                             search=request.args.get("q", "").strip()[:128],
                             before=id_arg("before"), limit=PAGE_SIZE)
    if wants_csv():
        return export_orders(current_user, wanted)
    page, counts = order_list(current_user, wanted)
    return render_template("ops/orders.html", orders=page.orders, counts=counts,
                           statuses=ORDER_STATUSES, channels=CHANNELS, status=status, channel=channel,
                           customer=customer, search=wanted.search, before=wanted.before,
                           next_before=page.next_before,
                           awaiting_supplier=awaiting_supplier(order.id for order in page.orders))


# --- one order -------------------------------------------------------------------------------

class ReleaseForm(FlaskForm):
    comment = TextAreaField(lazy_gettext("Comment"), validators=[Optional(), Length(max=2000)])


class RejectForm(FlaskForm):
    comment = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(lazy_gettext("Give a reason to reject.")),
                                                             Length(max=2000)])


class MatchSkuForm(FlaskForm):
    sku = StringField(lazy_gettext("Match to SKU"),
                      validators=[DataRequired(lazy_gettext("Give the catalogue SKU.")), Length(max=64)])


@bp.get("/orders/<int:order_id>")
@order_desk
def order_detail(order_id: int) -> ResponseReturnValue:
    """Everything about one order: lines, reservations, shipments, tracking, reviews and its audit trail.

    A distributor sees its order without the planner's workings, review figures or internal names (partner_view).
    """
    visible_order_or_404(current_user, order_id)
    if current_user.is_ops:
        order, partner = load_order_view(order_id), None
    else:
        order = load_partner_order_view(order_id, current_user.partner_id)
        partner = order.partner_view
    on_hold = order.status == ORDER_ON_HOLD
    codes = hold_codes(order.id) if on_hold and partner is None else ()
    can_cancel = order.status in CANCELLABLE and current_user.role in CANCELLERS
    can_match = on_hold and current_user.role in OPS_ROLES
    plan = (order.loaded_allocation or {}).get("plan")
    written = order_reason_texts(order.loaded_reviews if partner is None else [], plan)
    return render_template("ops/order_detail.html", order_reason=partial(reason_in_language, texts=written), order=order, lines=order.loaded_lines, partner=partner,
                           shipments=order.loaded_shipments, trail=partner.trail if partner else order.loaded_audit,
                           reviews=[] if partner else order.loaded_reviews[::-1], hold_codes=codes,
                           can_decide=on_hold and may_release(codes, current_user.role),
                           can_cancel=can_cancel, cancel_form=CancelForm(prefix="cancel"),
                           can_match=can_match, match_form=MatchSkuForm(prefix="match"),
                           release_form=ReleaseForm(prefix="release"), reject_form=RejectForm(prefix="reject"),
                           change=change_section(order, current_user))


@bp.post("/orders/<int:order_id>/release")
@role_required(*HOLD_DECIDERS)
def release_order(order_id: int) -> ResponseReturnValue:
    """Take an order off hold and hand it to allocation; who may depends on why it was held."""
    order = visible_order_or_404(current_user, order_id)
    form = ReleaseForm(prefix="release")
    if not form.validate_on_submit():
        return _refused(order, form)
    try:
        released = release_held_order(order.id, actor=current_user.email, role=current_user.role,
                                      comment=form.comment.data or "")
    except (PermissionDenied, ValidationFailed) as exc:
        return _decision_refused(order, exc, lazy_gettext("Order %(id)s cannot be released: %(message)s"))
    _flash_decision(order, released, gettext("Order %(id)s released to allocation.", id=order.id))
    return redirect(_back_to(order))


@bp.post("/orders/<int:order_id>/lines/<int:line_id>/match")
@role_required(*OPS_ROLES)
def match_line(order_id: int, line_id: int) -> ResponseReturnValue:
    """Point a held order's unknown-SKU line at a catalogue SKU, keeping the price paid."""
    order = visible_order_or_404(current_user, order_id)
    form = MatchSkuForm(prefix="match")
    if not form.validate_on_submit():
        for message in form.sku.errors:
            flash(message, "error")
        return redirect(url_for("ops.order_detail", order_id=order.id))
    try:
        match_line_sku(order.id, line_id, form.sku.data, actor=current_user.email)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        for message in _flatten(exc.messages):
            flash(message, "error")
    else:
        flash(gettext("Line matched to %(sku)s.", sku=form.sku.data.strip()), "success")
    return redirect(url_for("ops.order_detail", order_id=order.id))


@bp.post("/orders/<int:order_id>/reject")
@role_required(*HOLD_DECIDERS)
def reject_order(order_id: int) -> ResponseReturnValue:
    """Reject an order on hold, with the reason given."""
    order = visible_order_or_404(current_user, order_id)
    form = RejectForm(prefix="reject")
    if not form.validate_on_submit():
        return _refused(order, form)
    try:
        rejected = reject_held_order(order.id, actor=current_user.email, role=current_user.role,
                                     comment=form.comment.data)
    except (PermissionDenied, ValidationFailed) as exc:
        return _decision_refused(order, exc, lazy_gettext("Order %(id)s cannot be rejected: %(message)s"))
    _flash_decision(order, rejected, gettext("Order %(id)s rejected.", id=order.id))
    return redirect(_back_to(order))


class CancelForm(FlaskForm):
    comment = TextAreaField(lazy_gettext("Reason"), validators=[DataRequired(lazy_gettext("Give a reason to cancel.")),
                                                             Length(max=500)])


@bp.post("/orders/<int:order_id>/cancel")
@role_required(*CANCELLERS)
def cancel(order_id: int) -> ResponseReturnValue:
    """Cancel an order that has not shipped; its reserved stock becomes available again."""
    order = visible_order_or_404(current_user, order_id)
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _refused(order, form)
    cancelled = cancel_order(order.id, actor=current_user.email, reason=form.comment.data)
    _flash_decision(order, cancelled,
                    gettext("Order %(id)s cancelled; its reservations were released.", id=order.id))
    return redirect(url_for("ops.order_detail", order_id=order.id))


def _refused(order: Order, form: FlaskForm):
    for message in form.comment.errors:
        flash(message, "error")
    return redirect(_back_to(order))


def _decision_refused(order: Order, exc: OMSError, refusal: str):
    # a refusal raised with a TextMessage (models.review.hold_decisions) keeps it as its first argument
    messages = _flatten(exc.messages if isinstance(exc, ValidationFailed) else exc.args[:1] or [str(exc)])
    for message in messages:
        flash(str(refusal) % {"id": order.id, "message": message}, "error")
    return redirect(_back_to(order))


def _back_to(order: Order) -> str:
    """Where a decision form came from (the hold queue, say) when that is a path here, else the order page."""
    target = request.form.get("next") or request.args.get("next")
    return target if is_local_path(target) else url_for("ops.order_detail", order_id=order.id)


def _flash_decision(order: Order, moved: bool, done: str) -> None:
    if moved:
        flash(done, "success")
    else:
        status = Order.select(Order.status).where(Order.id == order.id).scalar()
        flash(gettext("Order %(id)s is no longer on hold (now %(status)s); nothing changed.", id=order.id,
                      status=translate_words(status)), "error")


# --- order entry -----------------------------------------------------------------------------

class LineForm(Form):
    sku = StringField(lazy_gettext("SKU"))
    quantity = StringField(lazy_gettext("Quantity"))
    unit_price = StringField(lazy_gettext("Unit price"))


class OrderEntryForm(ShipToForm):
    customer_code = SelectField(lazy_gettext("Customer"))
    external_ref = StringField(lazy_gettext("External reference"))
    currency = SelectField(lazy_gettext("Currency"), choices=CURRENCIES, default="USD")
    requested_delivery_date = StringField(lazy_gettext("Requested delivery date"))
    notes = TextAreaField(lazy_gettext("Notes"))
    lines = FieldList(FormField(LineForm), min_entries=LINE_ROWS, max_entries=LINE_ROWS)
    source_message = HiddenField()  # the unparsed mail this order is keyed in from, if any


@bp.route("/orders/new", methods=["GET", "POST"])
@order_desk
def new_order() -> ResponseReturnValue:
    """Take an order by phone (ops) or from a distributor: validate with the order schema, then place it."""
    form = OrderEntryForm()
    form.customer_code.choices = customer_choices(current_user)
    channel = "phone" if current_user.is_ops else "portal"
    if request.method == "GET":
        form.external_ref.data = f"{channel.upper()}-{utc_now():%Y%m%d-%H%M%S}"
        if current_user.is_ops:
            form.source_message.data = request.args.get("source_message", type=int) or ""
        return _entry_page(form, [])
    if not form.validate_on_submit():
        return _entry_page(form, []), 422
    body, rows = order_body_from(form, channel)
    placed_by = None if current_user.is_ops else Partner.get_by_id(current_user.partner_id)
    try:
        order, created = place_order(order_schema.load(body), actor=current_user.email, placed_by=placed_by)
    except (ValidationError, ValidationFailed) as exc:
        problems = attach_errors(form, exc.messages, rows)
        return _entry_page(form, problems), 422
    if created and current_user.is_ops and (form.source_message.data or "").isdigit():
        try:
            mark_converted(int(form.source_message.data), order_id=order.id, user=current_user.user)
        except OMSError as exc:  # the order stands; only the link to the mail could not be made
            flash(gettext("Order placed, but mail %(mail)s was not marked converted: %(error)s",
                          mail=form.source_message.data, error=exc), "error")
    if created:
        flash(gettext("Order %(id)s received.", id=order.id), "success")
        flash_entry_warning(form.customer_code.data)
    elif visible_orders(current_user, Order.id).where(Order.id == order.id).exists():
        flash(gettext("Order %(id)s already exists for %(ref)s; nothing new was placed.", id=order.id,
                      ref=order.external_ref), "info")
    else:  # the reference is taken by an order this user may not see: do not show it
        form.external_ref.errors = [gettext("already used; choose another reference")]
        return _entry_page(form, []), 422
    return redirect(url_for("ops.order_detail", order_id=order.id))


SKU_SUGGESTIONS = 5000  # a datalist beyond this is more weight than help; the field still takes any SKU


def _entry_page(form: "OrderEntryForm", problems: list[str]) -> str:
    """The order entry form, with the catalogue as type-ahead suggestions for the SKU fields."""
    products = (Product.select(Product.sku, Product.name, Product.unit_price, Product.currency)
                .where(Product.active == True).order_by(Product.sku).limit(SKU_SUGGESTIONS))  # noqa: E712
    return render_template("ops/order_new.html", form=form, problems=problems, products=products,
                           credit_warnings=flag_entry_choices(form))


def customer_choices(user: PortalUser) -> list[tuple[str, str]]:
    return [(p.code, f"{p.code} — {p.name}") for p in orderable_customers(user).order_by(Partner.code)]


def order_body_from(form: OrderEntryForm, channel: str) -> tuple[dict, list[int]]:
    """The order body as schemas.orders.OrderSchema takes it, and the form row of each body line."""
    rows = [i for i, entry in enumerate(form.lines.entries) if any(_text(f) for f in entry.form)]
    ship_to = {key: _text(form[f"ship_to_{key}"]) for key in SHIP_TO_FIELDS}
    body = {
        "channel": channel,
        "customer_code": form.customer_code.data,
        "currency": form.currency.data,
        "ship_to": {key: value for key, value in ship_to.items() if value},  # blank: the schema's default
        "lines": [_line_body(form.lines.entries[i].form) for i in rows],
        "requested_delivery_date": _text(form.requested_delivery_date) or None,
        "notes": _text(form.notes),
    }
    if _text(form.external_ref):
        body["external_ref"] = _text(form.external_ref)
    return body, rows


def _line_body(row: LineForm) -> dict:
    line = {"sku": _text(row.sku)}
    quantity = _text(row.quantity)
    if quantity:
        try:
            line["quantity"] = int(quantity)
        except ValueError:
            line["quantity"] = quantity  # the schema says what is wrong with it
    if _text(row.unit_price):
        line["unit_price"] = _text(row.unit_price)
    return line


def _text(field) -> str:
    return (field.data or "").strip()


def attach_errors(form: OrderEntryForm, messages: dict, rows: list[int]) -> list[str]:
    """Put schema or model messages next to their fields and line rows; return those that fit nowhere."""
    problems: list[str] = []
    for key, value in messages.items():
        if key == "ship_to" and isinstance(value, dict):
            for name, errors in value.items():
                _attach(form, f"ship_to_{name}", errors, problems)
        elif key == "lines" and isinstance(value, dict):
            for index, errors in value.items():
                _attach_line(form, rows, index, errors, problems)
        elif key == "lines":
            problems.extend(f"Lines: {message}" for message in _flatten(value))
        else:
            _attach(form, key, value, problems)
    return problems


def _attach_line(form: OrderEntryForm, rows: list[int], index, errors, problems: list[str]) -> None:
    try:
        row_no = rows[int(index)]
    except (ValueError, IndexError):
        problems.extend(_flatten(errors))
        return
    if not isinstance(errors, dict):
        problems.extend(gettext("Line %(no)s: %(message)s", no=row_no + 1, message=message)
                        for message in _flatten(errors))
        return
    for name, row_errors in errors.items():
        _attach(form.lines.entries[row_no].form, name, row_errors, problems,
                label=gettext("Line %(no)s", no=row_no + 1))


def _attach(form: Form, name: str, errors, problems: list[str], *, label: str = "") -> None:
    field = form._fields.get(name) if name else None
    messages = _flatten(errors)
    if field is None:
        prefix = " ".join(part for part in (label, name.strip("_").replace("_", " ")) if part)
        problems.extend(f"{prefix}: {message}" if prefix else message for message in messages)
    else:
        field.errors = [*field.errors, *messages]


def _flatten(errors) -> list[str]:
    """Schema or model messages, nested as they come, as a flat list in the page's language."""
    if isinstance(errors, dict):
        return [message for value in errors.values() for message in _flatten(value)]
    if isinstance(errors, (list, tuple)):
        return [message for value in errors for message in _flatten(value)]
    return [translate_message(errors)]


@bp.app_template_filter("utc")
def format_utc(value: datetime | None) -> str:
    """A naive UTC timestamp as "2024-05-01 14:03 UTC", written the way the page's language writes dates."""
    return format_when(value) if value else ""


@bp.app_template_filter("money")
def format_money(value) -> str:
    """An amount with two decimals ("1,234.50") grouped for the page's language; SQLite can read NUMERIC back as
    45.5."""
    return format_number(value)
