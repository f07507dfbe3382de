"""Ops pages for replenishment: the suggestions with their figures and explanation, ops' quantities, one action
turning the ticked ones into purchase orders (one per supplier and warehouse), a recompute button; and the
settings (service level per SKU class, review period…) with the automatic switches per SKU and per supplier."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from flask import (
    Blueprint,
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
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import HiddenField, IntegerField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange

from models.core.db import database
from models.core.errors import NotFound, RuleSetChanged, ValidationFailed
from models.core.stages import REPLENISHMENT
from models.inventory.tables import Product, Warehouse
from models.inventory.views import decode_cursor, encode_cursor
from models.partners.tables import Partner
from models.planning.replenishment import replenished_product_ids
from models.planning.replenishment_orders import (
    edit_suggested_quantities,
    order_suggestions,
)
from models.planning.replenishment_rules import SKU_CLASSES
from models.planning.replenishment_views import (
    SUGGESTION_STATUSES,
    SuggestionFilter,
    effective_quantity,
    list_suggestions,
)
from models.planning.settings import (
    MAX_DAYS,
    ReplenishmentSettings,
    current_replenishment_settings,
    save_replenishment_settings,
    set_sku_automatic,
    set_supplier_automatic,
)
from models.planning.tables import ReplenishmentRuleSet
from models.supply.tables import PurchaseOrder
from portal.auth import ops_required, role_required
from portal.flashes import flash_form_errors, flash_validation
from portal.list_exports import EXPORT_PAGE, export_csv, walk_pages, wants_csv
from portal.model_messages import translate_message
from portal.rule_set_pages import conflict_message, form_version

bp = Blueprint("replenishment", __name__, url_prefix="/ops")

PAGE_SIZE = 100
ORDERING_ROLES = ("ops_admin", "ops_agent")  # as for purchase orders
FILTERS = ("sku", "warehouse", "supplier", "sku_class", "status", "to_order")
ACTIONS = {"save": False, "order": False, "send": True}  # button → whether the purchase orders are sent
SETTINGS_EDITORS = ("ops_admin",)
VERSIONS_SHOWN = 10
AUTOMATIC_SKUS_SHOWN = 200
SHARE = re.compile(r"(?P<number>\d{1,3}(\.\d{1,6})?)\s*(?P<percent>%?)")
SHARE_PLACES = Decimal("0.0001")


class ActionForm(FlaskForm):
    """The suggestions form and the recompute button: only the CSRF token is a WTForms field; the rows' ticks
    and quantities are read by suggestion id."""

    action = HiddenField()


@bp.get("/replenishment")
@ops_required
def suggestions_page() -> ResponseReturnValue:
    """Suggestions by SKU then warehouse, filtered by SKU, warehouse, supplier, class and status, 100 a page."""
    filters = _filters(request.args)
    if wants_csv():
        return _export(filters)
    try:
        after = decode_cursor(request.args.get("after"), parts=2)
    except ValidationFailed:
        after = None  # a mangled link: start from the first page
    rows, next_key = list_suggestions(_where(filters), limit=PAGE_SIZE, after=after)
    return render_template(
        "replenishment/suggestions.html", rows=rows, filters=filters, after=after,
        next_after=encode_cursor(next_key), quantity_of=effective_quantity,
        warehouses=[code for (code,) in Warehouse.select(Warehouse.code).order_by(Warehouse.code).tuples()],
        suppliers=[code for (code,) in Partner.select(Partner.code).where(Partner.kind == "supplier")
                   .order_by(Partner.code).tuples()],
        classes=SKU_CLASSES, statuses=SUGGESTION_STATUSES, may_order=current_user.role in ORDERING_ROLES)


@bp.post("/replenishment")
@role_required(*ORDERING_ROLES)
def act_on_suggestions() -> ResponseReturnValue:
    """Save the quantities shown, or make one purchase order per supplier × warehouse of the ticked rows (and send
    them); the numbers are flashed with links."""
    form = ActionForm()
    back = redirect(url_for("replenishment.suggestions_page", **_filters(request.form, prefix="filter-")))
    action = request.form.get("action", "")
    if not form.validate_on_submit() or action not in ACTIONS:
        flash(gettext("The form was not accepted; reload the page and try again."), "error")
        return back
    try:
        quantities = _quantities()
        if action == "save":
            changed = edit_suggested_quantities(quantities, actor=current_user.email)
            flash(gettext("Quantities saved (%(count)s changed).", count=changed), "success")
            return back
        selections = {sid: quantities.get(sid, -1) for sid in _ticked()}
        numbers = order_suggestions(selections, actor=current_user.email, send=ACTIONS[action],
                                    answer_within=timedelta(days=current_app.config["OMS_SETTINGS"].po_confirm_days))
    except ValidationFailed as exc:
        flash_validation(exc.messages)
        return back
    flash(_created_message(numbers, sent=ACTIONS[action]), "success")
    return back


@bp.post("/replenishment/recompute")
@role_required(*ORDERING_ROLES)
def recompute() -> ResponseReturnValue:
    """Ask the replenishment worker to recompute every SKU's suggestions."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(gettext("The form was not accepted; reload the page and try again."), "error")
    else:
        ids = replenished_product_ids()
        with database.atomic():
            REPLENISHMENT.nudge(ids)
        flash(gettext("Recomputing the suggestions of %(count)s SKU(s); reload in a moment.", count=len(ids)),
              "success")
    return redirect(url_for("replenishment.suggestions_page"))


SUGGESTION_CSV = ("sku", "warehouse", "supplier", "class", "status", "quantity", "suggested_quantity",
                  "reorder_point", "order_up_to", "safety_stock", "on_hand", "reserved", "incoming", "backordered",
                  "purchase_order", "computed_at")


def _export(filters: dict[str, str]):
    """Every suggestion the filters show, by SKU and warehouse."""
    def fetch(after):
        return list_suggestions(_where(filters), limit=EXPORT_PAGE, after=after)

    return export_csv("replenishment", SUGGESTION_CSV, (
        (r.product.sku, r.warehouse.code, r.supplier.code if r.supplier_id else "", r.sku_class, r.status,
         effective_quantity(r), r.suggested_quantity, r.reorder_point, r.order_up_to, r.safety_stock, r.on_hand,
         r.reserved, r.incoming, r.backordered, r.purchase_order.number if r.purchase_order_id else "",
         r.computed_at.isoformat()) for r in walk_pages(fetch)))


def _filters(values, *, prefix: str = "") -> dict[str, str]:
    """The filters given (as query arguments, or as the form's hidden ``filter-`` fields), blanks left out."""
    found = {name: (values.get(prefix + name) or "").strip()[:64] for name in FILTERS}
    if found["sku_class"] not in SKU_CLASSES:
        found["sku_class"] = ""
    if found["status"] not in SUGGESTION_STATUSES:
        found["status"] = ""
    found["to_order"] = "1" if found["to_order"] == "1" else ""
    return {name: value for name, value in found.items() if value}


def _where(filters: dict[str, str]) -> SuggestionFilter:
    return SuggestionFilter(sku=filters.get("sku"), warehouse=filters.get("warehouse"),
                            supplier=filters.get("supplier"), sku_class=filters.get("sku_class"),
                            status=filters.get("status"), to_order=bool(filters.get("to_order")))


def _ticked() -> list[int]:
    ids = [int(value) for value in request.form.getlist("selected") if value.isascii() and value.isdigit()]
    if not ids:
        raise ValidationFailed({gettext("suggestions"): [gettext("tick at least one suggestion to order")]})
    return ids


def _quantities() -> dict[int, int]:
    """The quantity box of each row shown (``quantity-<id>``); a box that is not a whole number is named."""
    quantities: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for value in request.form.getlist("row"):
        if not (value.isascii() and value.isdigit()):
            continue
        text = (request.form.get(f"quantity-{value}") or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 9:
            quantities[int(value)] = int(text)
        else:
            errors[gettext("suggestion %(id)s", id=value)] = [
                gettext("the quantity must be a whole number of 0 or more")]
    if errors:
        raise ValidationFailed(errors)
    return quantities


def _created_message(numbers: list[str], *, sent: bool) -> Markup:
    """The purchase orders made, each linked to its page, with its supplier and warehouse."""
    rows = {number: (supplier, warehouse) for number, supplier, warehouse in (
        PurchaseOrder.select(PurchaseOrder.number, Partner.code, Warehouse.code)
        .join(Partner, on=(PurchaseOrder.supplier == Partner.id)).switch(PurchaseOrder)
        .join(Warehouse, on=(PurchaseOrder.warehouse == Warehouse.id))
        .where(PurchaseOrder.number.in_(numbers)).tuples())}
    links = Markup(", ").join(
        Markup('<a href="{}">{}</a> ({} → {})').format(f"/ops/purchase-orders/{number}", number, *rows[number])
        for number in numbers)
    made = (gettext("Purchase orders created and sent: %(links)s") if sent
            else gettext("Purchase orders created as drafts: %(links)s"))
    return Markup(made) % {"links": links}  # the catalogue's own words around links escaped above


# --- settings and automatic switches -------------------------------------------------------------

def share_field(form: FlaskForm, field) -> None:
    """A share such as 0.98 or a percentage such as 98%, to 0.01 %; kept on the field as a Decimal."""
    share = parse_share(field.data or "")
    if share is None:
        raise ValidationError(gettext("a share such as 0.95 or a percentage such as 95%, to at most 0.01 %"))
    field.share = share


def parse_share(text: str) -> Decimal | None:
    """ "0.95", "0.950" or "95%" as Decimal("0.95"); None when it is not a share from 0 to 1 to 4 decimals."""
    match = SHARE.fullmatch(text.strip())
    if match is None:
        return None
    share = Decimal(match["number"]) / (100 if match["percent"] else 1)
    if not 0 <= share <= 1 or share != share.quantize(SHARE_PLACES):
        return None
    share = share.normalize()
    return share.quantize(Decimal("0.01")) if share.as_tuple().exponent > -2 else share


class SettingsForm(FlaskForm):
    base_version = HiddenField()
    level_a = StringField(lazy_gettext("Service level, class A"), validators=[InputRequired(), share_field])
    level_b = StringField(lazy_gettext("Service level, class B"), validators=[InputRequired(), share_field])
    level_c = StringField(lazy_gettext("Service level, class C"), validators=[InputRequired(), share_field])
    review_period_days = IntegerField(lazy_gettext("Review period (days)"),
                                      validators=[InputRequired(), NumberRange(0, MAX_DAYS)])
    share_a = StringField(lazy_gettext("Class A: the top share of demand value"),
                          validators=[InputRequired(), share_field])
    share_b = StringField(lazy_gettext("Class B: the next share"), validators=[InputRequired(), share_field])
    default_lead_time_days = IntegerField(lazy_gettext("Lead time when the supplier has none (days)"),
                                          validators=[InputRequired(), NumberRange(0, MAX_DAYS)])
    note = StringField(lazy_gettext("Why this change"), validators=[Length(max=300)])


class SwitchForm(FlaskForm):
    sku = StringField(lazy_gettext("SKU"), validators=[Length(max=64)])
    on = HiddenField()


@bp.get("/replenishment/settings")
@ops_required
def settings_page() -> ResponseReturnValue:
    """The settings in force with their versions, and the automatic switches per supplier and per SKU."""
    rule_set, settings = current_replenishment_settings()
    return _settings_page(rule_set, SettingsForm(formdata=None, data=_settings_data(rule_set, settings)))


@bp.post("/replenishment/settings")
@role_required(*SETTINGS_EDITORS)
def save_settings() -> ResponseReturnValue:
    """Save the settings as a new version when anything changed; 409 when another version came first."""
    rule_set, old = current_replenishment_settings()
    form = SettingsForm()
    new = _settings_from(form) if form.validate_on_submit() else None
    if new is None:
        return _settings_page(rule_set, form), 422
    if new == old:
        flash(gettext("Nothing changed; no new version was made."), "info")
        return redirect(url_for("replenishment.settings_page"))
    note = (form.note.data or "").strip() or _changes(old, new)
    try:
        saved = save_replenishment_settings(new, actor=current_user.email, note=note,
                                            expected_version=form_version(form.base_version.data))
    except RuleSetChanged as exc:
        form.base_version.data = str(exc.current.version)  # saving again overwrites it, on purpose
        return _settings_page(exc.current, form, problem=conflict_message("replenishment settings", exc.current)), 409
    flash(gettext("Replenishment settings saved as version %(version)s.", version=saved.version), "success")
    return redirect(url_for("replenishment.settings_page"))


@bp.post("/replenishment/settings/suppliers/<code>")
@role_required(*SETTINGS_EDITORS)
def switch_supplier(code: str) -> ResponseReturnValue:
    """Switch automatic ordering of every SKU of one supplier on (``on=1``) or off."""
    form = SwitchForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("replenishment.settings_page"))
    on = form.on.data == "1"
    try:
        set_supplier_automatic(code, on, actor=current_user.email)
    except NotFound as exc:
        flash(translate_message(exc.args[0] if exc.args else str(exc)), "error")
    else:
        flash(gettext("Automatic ordering on for every SKU of supplier %(code)s.", code=code) if on
              else gettext("Automatic ordering off for every SKU of supplier %(code)s.", code=code), "success")
    return redirect(url_for("replenishment.settings_page"))


@bp.post("/replenishment/settings/skus")
@role_required(*SETTINGS_EDITORS)
def switch_sku() -> ResponseReturnValue:
    """Switch automatic ordering of one SKU on (``on=1``) or off."""
    form = SwitchForm()
    sku = (form.sku.data or "").strip()
    if not form.validate_on_submit() or not sku:
        flash_form_errors(form) if form.errors else flash(gettext("Give the SKU to switch."), "error")
        return redirect(url_for("replenishment.settings_page"))
    on = form.on.data == "1"
    try:
        set_sku_automatic(sku, on, actor=current_user.email)
    except NotFound as exc:
        flash(translate_message(exc.args[0] if exc.args else str(exc)), "error")
    else:
        flash(gettext("Automatic ordering on for SKU %(sku)s.", sku=sku) if on
              else gettext("Automatic ordering off for SKU %(sku)s.", sku=sku), "success")
    return redirect(url_for("replenishment.settings_page"))


def _settings_page(rule_set: ReplenishmentRuleSet, form: SettingsForm, *, problem: str = "") -> str:
    versions = (ReplenishmentRuleSet.select(ReplenishmentRuleSet.id, ReplenishmentRuleSet.created_by,
                                            ReplenishmentRuleSet.created_at, ReplenishmentRuleSet.note)
                .order_by(ReplenishmentRuleSet.id.desc()).limit(VERSIONS_SHOWN))
    suppliers = list(Partner.select().where(Partner.kind == "supplier").order_by(Partner.code))
    automatic = list(Product.select(Product.sku, Product.name).where(Product.auto_replenish == True)  # noqa: E712
                     .order_by(Product.sku).limit(AUTOMATIC_SKUS_SHOWN))
    return render_template("replenishment/settings.html", rule_set=rule_set, form=form, problem=problem,
                           versions=list(versions), versions_shown=VERSIONS_SHOWN, suppliers=suppliers,
                           automatic_skus=automatic, automatic_shown=AUTOMATIC_SKUS_SHOWN,
                           may_edit=current_user.role in SETTINGS_EDITORS)


def _settings_data(rule_set: ReplenishmentRuleSet, settings: ReplenishmentSettings) -> dict:
    return {"base_version": str(rule_set.version), "review_period_days": settings.review_period_days,
            "default_lead_time_days": settings.default_lead_time_days,
            **{f"level_{key.lower()}": str(settings.service_levels[key]) for key in SKU_CLASSES},
            **{f"share_{key.lower()}": str(settings.class_shares[key]) for key in ("A", "B")}}


def _settings_from(form: SettingsForm) -> ReplenishmentSettings | None:
    """The settings the form describes, or None with the reason on the form."""
    try:
        return ReplenishmentSettings(
            service_levels={key: getattr(form, f"level_{key.lower()}").share for key in SKU_CLASSES},
            review_period_days=form.review_period_days.data,
            class_shares={"A": form.share_a.share, "B": form.share_b.share},
            default_lead_time_days=form.default_lead_time_days.data)
    except ValueError as exc:
        form.form_errors.append(translate_message(exc.args[0] if exc.args else str(exc)))
        return None


def _changes(old: ReplenishmentSettings, new: ReplenishmentSettings) -> str:
    """What a save changed, for the version note when none is given."""
    before, after = old.to_document(), new.to_document()
    parts = []
    for key, value in after.items():
        if isinstance(value, dict):
            parts += [f"{key} {name} {before[key][name]} → {value[name]}" for name in value
                      if Decimal(before[key][name]) != Decimal(value[name])]
        elif before[key] != value:
            parts.append(f"{key} {before[key]} → {value}")
    return "; ".join(parts)
