"""Ops pages for automatic review: the queue of held orders and the review rules with their versions."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, time
from decimal import Decimal

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import CheckboxInput, ListWidget

from models.core.base import utc_now
from models.core.errors import RuleSetChanged
from models.core.text_messages import split_field_problem
from models.orders.tables import Order
from models.partners.access import Customer
from models.partners.tables import Partner
from models.review.hold_decisions import held_orders
from models.review.reviews import (
    ReviewRuleSet,
    current_rule_set,
    latest_reviews,
)
from models.review.rules import (
    HOLD_DECIDERS,
    RULE_CODES,
    CreditOverride,
    RuleSettings,
    may_release,
)
from portal.auth import ops_required, role_required
from portal.list_exports import EXPORT_PAGE, export_csv, walk_pages, wants_csv
from portal.model_messages import translate_message
from portal.rule_set_pages import conflict_message, form_version, save_if_changed

bp = Blueprint("holds", __name__, url_prefix="/ops")

PAGE_SIZE = 50
VERSIONS_SHOWN = 50
RULE_EDITORS = ("ops_admin", "credit_controller")
# What review can hold an order for; customer_blocked is left out because it rejects instead.
HOLD_REASONS = ("credit_limit", "distributor_limit", "exchange_rate", "overdue", "amount", "amount_senior", "stock",
                "ship_to_incomplete", "ship_to_undeliverable", "suspected_duplicate", "unknown_sku", "price")
RULE_LABELS = {
    "customer_blocked": lazy_gettext("Blocked customer (rejects the order)"),
    "credit_limit": lazy_gettext("Credit limit"),
    "overdue": lazy_gettext("Overdue invoices"),
    "amount": lazy_gettext("Large order amount"),
    "stock": lazy_gettext("Stock that cannot be supplied"),
    "ship_to": lazy_gettext("Ship-to incomplete or not served"),
    "duplicate": lazy_gettext("Suspected duplicate"),
    "unknown_sku": lazy_gettext("SKU not in the catalogue"),
    "price": lazy_gettext("Price below the price book (sales manager or ops admin release)"),
}
ROLE_WORDS = {"ops_admin": lazy_gettext("ops admin"), "ops_agent": lazy_gettext("ops agent"),
              "credit_controller": lazy_gettext("credit controller"), "sales_manager": lazy_gettext("sales manager")}
PERCENT = Regexp(r"^\d{1,3}(\.\d{1,2})?$", message=lazy_gettext("a percentage such as 0, 2 or 2.5"))
AMOUNT = Regexp(r"^\d{1,10}(\.\d{1,2})?$", message=lazy_gettext("an amount such as 25000 or 25000.00, or blank"))


# --- the hold queue --------------------------------------------------------------------------

@bp.get("/holds")
@ops_required
def queue() -> ResponseReturnValue:
    """Orders on hold, the longest waiting first, with why each is held and who may decide it."""
    reason = request.args.get("reason", "")
    reason = reason if reason in HOLD_REASONS else ""
    if wants_csv():
        return _export(reason)
    page = max(request.args.get("page", 1, type=int), 1)
    held = held_orders(reason or None)
    rows = list(held.join(Customer, on=Order.customer).select_extend(Customer)
                .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    orders, more = rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
    reviews = latest_reviews([order.id for order in orders])
    entries = [_entry(order, reviews.get(order.id)) for order in orders]
    return render_template("holds/queue.html", entries=entries, total=held.count(), reasons=HOLD_REASONS,
                           reason=reason, page=page, more=more, now=utc_now())


HOLD_CSV = ("id", "reference", "customer_code", "customer_name", "total", "currency", "on_hold_since", "reasons",
            "who_decides", "you_may_decide")


def _export(reason: str):
    """Every order on hold (of ``reason``), the longest waiting first, EXPORT_PAGE at a time."""
    held = held_orders(reason or None).join(Customer, on=Order.customer).select_extend(Customer)

    def fetch(offset):
        offset = offset or 0
        orders = list(held.offset(offset).limit(EXPORT_PAGE))
        reviews = latest_reviews([order.id for order in orders])
        entries = [_entry(order, reviews.get(order.id)) for order in orders]
        return entries, offset + EXPORT_PAGE if len(orders) == EXPORT_PAGE else None

    return export_csv("holds", HOLD_CSV, (
        (e["order"].id, e["order"].external_ref, e["order"].customer.code, e["order"].customer.name,
         e["order"].total, e["order"].currency, e["order"].status_changed_at.isoformat(), " ".join(e["codes"]),
         _deciders(e["codes"], english=True), "yes" if e["may_decide"] else "no") for e in walk_pages(fetch)))


def _entry(order: Order, review) -> dict:
    """One queue row; a hold put on by a person rather than by review has no reason codes."""
    reasons = review.reasons if review is not None and review.outcome == "hold" else []
    codes = tuple(item["code"] for item in reasons)
    return {"order": order, "reasons": reasons, "codes": codes,
            "may_decide": may_release(codes, current_user.role)}


@bp.app_template_filter("who_decides")
def who_decides(codes: Iterable[str]) -> str:
    """The roles that may decide an order held for ``codes``, as a phrase: "a credit controller or ops admin"."""
    return _deciders(codes)


def _deciders(codes: Iterable[str], *, english: bool = False) -> str:
    """who_decides in the page's language, or in English for a CSV."""
    codes = tuple(codes)
    roles = [role for role in sorted(HOLD_DECIDERS) if may_release(codes, role)]
    if english:
        names = [role.replace("_", " ") for role in roles]
        if not names:
            return "nobody"
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
        return f"{'an' if listed[0] in 'aeiou' else 'a'} {listed}"
    names = [str(ROLE_WORDS.get(role, role.replace("_", " "))) for role in roles]
    if not names:
        return gettext("nobody")
    listed = names[0] if len(names) == 1 else gettext("%(roles)s or %(last)s", roles=gettext(", ").join(names[:-1]),
                                                      last=names[-1])
    return gettext("an %(roles)s", roles=listed) if listed[0] in "aeiou" else gettext("a %(roles)s", roles=listed)


@bp.app_template_filter("age")
def held_for(since: datetime | None, now: datetime | None = None) -> str:
    """How long ago ``since`` (naive UTC) was, coarsely: "3d 4h", "5h 12m", "8m"."""
    if since is None:
        return ""
    minutes = max(int(((now or utc_now()) - since).total_seconds() // 60), 0)
    days, hours = minutes // 1440, minutes % 1440 // 60
    if days:
        return gettext("%(days)sd %(hours)sh", days=days, hours=hours)
    if hours:
        return gettext("%(hours)sh %(minutes)sm", hours=hours, minutes=minutes % 60)
    return gettext("%(minutes)sm", minutes=minutes)


# --- review rules ----------------------------------------------------------------------------

class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RuleSettingsForm(FlaskForm):
    base_version = HiddenField()  # the version the form was filled from, to catch a change in between
    enabled = CheckboxesField(lazy_gettext("Rules in force"),
                              choices=[SelectChoice(code, RULE_LABELS[code]) for code in RULE_CODES])
    amount_hold_threshold = StringField(lazy_gettext("Hold orders with a total above"),
                                        validators=[Optional(), AMOUNT])
    amount_senior_threshold = StringField(lazy_gettext("Senior review (credit roles) above"),
                                          validators=[Optional(), AMOUNT])
    duplicate_window_minutes = IntegerField(lazy_gettext("Duplicate window (minutes)"),
                                            validators=[InputRequired(), NumberRange(min=0, max=60 * 24 * 30)])
    overdue_grace_days = IntegerField(lazy_gettext("Overdue grace (days)"),
                                      validators=[InputRequired(), NumberRange(0, 3650)])
    hold_max_age_days = IntegerField(lazy_gettext("Cancel holds undecided after (days, 0 = never)"),
                                     validators=[InputRequired(), NumberRange(0, 3650)])
    price_tolerance_percent = StringField(lazy_gettext("Price tolerance below the price book (%; a list's own wins)"),
                                          validators=[Optional(), PERCENT])
    note = StringField(lazy_gettext("Why this change"), validators=[Length(max=300)])


class OverrideForm(FlaskForm):
    base_version = HiddenField()  # the version the form was filled from, to catch a change in between
    customer_code = StringField(lazy_gettext("Customer code"),
                                validators=[DataRequired(lazy_gettext("Give the customer code.")), Length(max=32)])
    bypass = BooleanField(lazy_gettext("Skip credit and overdue checks"))
    temporary_limit = StringField(lazy_gettext("Temporary credit limit"), validators=[Optional(), AMOUNT])
    expires_on = DateField(lazy_gettext("Expires on (from 00:00 UTC)"), validators=[Optional()])
    note = StringField(lazy_gettext("Note"), validators=[Length(max=200)])


@bp.get("/review-settings")
@ops_required
def review_settings() -> ResponseReturnValue:
    """The rules in force, the form to change them (credit roles) and every earlier version."""
    rule_set = current_rule_set()
    return _settings_page(rule_set, _settings_form(rule_set), _override_form(rule_set))


@bp.post("/review-settings")
@role_required(*RULE_EDITORS)
def save_review_settings() -> ResponseReturnValue:
    """Save the rules as a new version when anything changed and nobody saved since the form was shown."""
    rule_set = current_rule_set()
    form = RuleSettingsForm()
    override_form = _override_form(rule_set)
    if not form.validate_on_submit():
        return _settings_page(rule_set, form, override_form), 422
    old = rule_set.settings
    try:
        new = replace(old, enabled=frozenset(form.enabled.data or ()),
                      amount_hold_threshold=_amount(form.amount_hold_threshold.data),
                      amount_senior_threshold=_amount(form.amount_senior_threshold.data),
                      duplicate_window_minutes=form.duplicate_window_minutes.data,
                      overdue_grace_days=form.overdue_grace_days.data,
                      hold_max_age_days=form.hold_max_age_days.data,
                      price_tolerance_percent=Decimal((form.price_tolerance_percent.data or "").strip() or "0"))
    except ValueError as exc:
        _attach_value_error(form, exc)
        return _settings_page(rule_set, form, override_form), 422
    return _save(old, new, (form.note.data or "").strip() or _changes(old, new), form.base_version.data,
                 settings_form=form)


@bp.post("/review-settings/overrides")
@role_required(*RULE_EDITORS)
def save_override() -> ResponseReturnValue:
    """Add or replace one customer's credit override, as a new version."""
    rule_set = current_rule_set()
    form = OverrideForm(prefix="override")
    settings_form = _settings_form(rule_set)
    if form.validate_on_submit():
        _check_override(form)
    if form.errors:
        return _settings_page(rule_set, settings_form, form), 422
    code = form.customer_code.data.strip()
    expires_on = form.expires_on.data
    old = rule_set.settings
    try:
        override = CreditOverride(bypass=form.bypass.data, temporary_limit=_amount(form.temporary_limit.data),
                                  expires_at=datetime.combine(expires_on, time.min) if expires_on else None,
                                  note=(form.note.data or "").strip())
    except ValueError as exc:
        _attach_value_error(form, exc)
        return _settings_page(rule_set, settings_form, form), 422
    new = replace(old, overrides={**old.overrides, code: override})
    return _save(old, new, f"override for {code} set" + (f": {override.note}" if override.note else ""),
                 form.base_version.data, override_form=form)


@bp.post("/review-settings/overrides/<code>/remove")
@role_required(*RULE_EDITORS)
def remove_override(code: str) -> ResponseReturnValue:
    """Drop one customer's credit override, as a new version."""
    old = current_rule_set().settings  # a code already gone needs no version check: nothing is written
    if code not in old.overrides:
        flash(gettext("There is no override for %(code)s.", code=code), "error")
        return redirect(url_for("holds.review_settings"))
    new = replace(old, overrides={key: value for key, value in old.overrides.items() if key != code})
    return _save(old, new, f"override for {code} removed", request.form.get("base_version"))


def _save(old: RuleSettings, new: RuleSettings, note: str, base_version: str | None, *,
          settings_form: RuleSettingsForm | None = None,
          override_form: OverrideForm | None = None) -> ResponseReturnValue:
    """Save against the version the form was shown with; when another came first, show the page again (409)
    with the submitted form, now carrying the newer version so that saving again overwrites it on purpose."""
    try:
        save_if_changed(ReviewRuleSet, old, new, expected_version=form_version(base_version),
                        actor=current_user.email, note=note, what="Review rules")
    except RuleSetChanged as exc:
        current = exc.current
        for form in (settings_form, override_form):
            if form is not None:
                form.base_version.data = str(current.version)
        return _settings_page(current, settings_form or _settings_form(current),
                              override_form or _override_form(current),
                              problem=conflict_message("review rules", current)), 409
    return redirect(url_for("holds.review_settings"))


def _settings_form(rule_set: ReviewRuleSet) -> RuleSettingsForm:
    return RuleSettingsForm(formdata=None, data=_form_data(rule_set))


def _override_form(rule_set: ReviewRuleSet) -> OverrideForm:
    return OverrideForm(formdata=None, prefix="override", data={"base_version": str(rule_set.version)})


def _settings_page(rule_set: ReviewRuleSet, form: RuleSettingsForm, override_form: OverrideForm, *,
                   problem: str = "") -> str:
    versions = ReviewRuleSet.select(ReviewRuleSet.id, ReviewRuleSet.created_by, ReviewRuleSet.created_at,
                                    ReviewRuleSet.note).order_by(ReviewRuleSet.id.desc()).limit(VERSIONS_SHOWN)
    settings = rule_set.settings
    return render_template("holds/settings.html", rule_set=rule_set, settings=settings, form=form,
                           override_form=override_form, overrides=sorted(settings.overrides.items()),
                           versions=list(versions), may_edit=current_user.role in RULE_EDITORS,
                           problem=problem, now=utc_now())


def _form_data(rule_set: ReviewRuleSet) -> dict:
    settings = rule_set.settings
    return {"base_version": str(rule_set.version), "enabled": sorted(settings.enabled),
            "amount_hold_threshold": _amount_text(settings.amount_hold_threshold),
            "amount_senior_threshold": _amount_text(settings.amount_senior_threshold),
            "duplicate_window_minutes": settings.duplicate_window_minutes,
            "overdue_grace_days": settings.overdue_grace_days, "hold_max_age_days": settings.hold_max_age_days,
            "price_tolerance_percent": format(settings.price_tolerance_percent.normalize(), "f")}


def _check_override(form: OverrideForm) -> None:
    code = (form.customer_code.data or "").strip()
    if not Partner.select().where(Partner.code == code, Partner.kind.in_(("customer", "distributor"))).exists():
        form.customer_code.errors.append(gettext("no customer with code %(code)s", code=code))
    if not form.bypass.data and not form.temporary_limit.data:
        form.temporary_limit.errors.append(gettext("give a temporary limit or tick the bypass; otherwise nothing "
                                                   "changes"))
    if form.expires_on.data is not None and form.expires_on.data <= utc_now().date():
        form.expires_on.errors.append(gettext("must be after today"))


def _attach_value_error(form: FlaskForm, exc: ValueError) -> None:
    """Put a settings ValueError ("key: what is wrong") on the field it names, else on the whole form."""
    problem = exc.args[0] if exc.args else str(exc)
    key, message = split_field_problem(problem)
    message = translate_message(message) if key else ""
    name = {"expires_at": "expires_on"}.get(key.rsplit(".", 1)[-1], key.rsplit(".", 1)[-1])
    field = form._fields.get(name)
    if field is not None and message:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(translate_message(problem))


def _changes(old: RuleSettings, new: RuleSettings) -> str:
    """What a save changed, for the version note when none is given."""
    before, after = old.to_document(), new.to_document()
    parts = []
    turned_on, turned_off = set(new.enabled) - set(old.enabled), set(old.enabled) - set(new.enabled)
    if turned_on:
        parts.append(f"rules on: {', '.join(sorted(turned_on))}")
    if turned_off:
        parts.append(f"rules off: {', '.join(sorted(turned_off))}")
    parts += [f"{key} {_shown(before[key])} → {_shown(after[key])}" for key in before
              if key not in ("enabled", "overrides") and before[key] != after[key]]
    return "; ".join(parts)


def _shown(value) -> str:
    return "off" if value is None else str(value)


def _amount(text: str | None) -> Decimal | None:
    """A form amount already matched by AMOUNT; blank is None (the threshold or limit is off)."""
    return Decimal(text.strip()).quantize(Decimal("0.01")) if text and text.strip() else None


def _amount_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"
