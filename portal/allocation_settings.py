"""Ops page for allocation rules: the default plan policy, its per-channel and per-customer changes and the
ordered routing rules; every change is saved as a new version."""
from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    ValidationError,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from models.allocation.config import (
    POLICY_KEYS,
    AllocationRuleSet,
    AllocationSettings,
    current_allocation_rules,
    policy_document,
)
from models.allocation.routing import RouteAction, RouteFilter, RoutingRule
from models.allocation.rules import STRATEGIES
from models.core.errors import RuleSetChanged
from models.inventory.tables import Product, Warehouse
from models.orders.tables import CHANNELS
from models.partners.tables import Partner
from portal.auth import ops_required, role_required
from portal.rule_set_pages import conflict_message, form_version, save_if_changed

bp = Blueprint("allocation_settings", __name__, url_prefix="/ops")

EDITORS = ("ops_admin",)
VERSIONS_SHOWN = 50
SECTIONS = {"channel": "by_channel", "customer": "by_customer"}  # override scope -> settings field
RULE_CHANGES = ("up", "down", "enable", "disable", "remove")
# The codes the page shows as they are saved (a strategy, a policy key), in the page's language.
VALUE_WORDS = {"cheapest": lazy_gettext("cheapest"), "fastest": lazy_gettext("fastest"),
               "balanced": lazy_gettext("balanced"), "ship_complete": lazy_gettext("ship_complete"),
               "ship_available": lazy_gettext("ship_available")}
POLICY_WORDS = {"strategy": lazy_gettext("strategy"), "cost_weight": lazy_gettext("cost_weight"),
                "days_weight": lazy_gettext("days_weight"), "split_penalty": lazy_gettext("split_penalty"),
                "allow_split": lazy_gettext("allow_split"), "allow_dropship": lazy_gettext("allow_dropship"),
                "partial": lazy_gettext("partial")}
SCOPE_WORDS = {"channel": lazy_gettext("channel"), "customer": lazy_gettext("customer")}
STRATEGY_CHOICES = [SelectChoice(strategy, VALUE_WORDS.get(strategy, strategy)) for strategy in STRATEGIES]
PARTIAL_CHOICES = [SelectChoice("ship_complete", lazy_gettext("Ship complete: wait for all")),
                   SelectChoice("ship_available", lazy_gettext("Ship available, backorder rest"))]
UNCHANGED = SelectChoice("", lazy_gettext("unchanged"))
YES_NO = [UNCHANGED, SelectChoice("yes", lazy_gettext("yes")), SelectChoice("no", lazy_gettext("no"))]
NOT_NEGATIVE = lazy_gettext("must not be negative")
UNKNOWN = {  # noun -> (one unknown code, several)
    "channel": (lazy_gettext("unknown channel: %(codes)s"), lazy_gettext("unknown channels: %(codes)s")),
    "customer": (lazy_gettext("unknown customer: %(codes)s"), lazy_gettext("unknown customers: %(codes)s")),
    "SKU": (lazy_gettext("unknown SKU: %(codes)s"), lazy_gettext("unknown SKUs: %(codes)s")),
    "warehouse": (lazy_gettext("unknown warehouse: %(codes)s"), lazy_gettext("unknown warehouses: %(codes)s")),
}
NUMBER = re.compile(r"-?\d{1,9}(\.\d{1,6})?")
CAP = re.compile(r"(?P<code>[^=\s]+)\s*=\s*(?P<orders>-?\d{1,9})")


def non_negative_number(form: FlaskForm, field) -> None:
    text = (field.data or "").strip()
    if not NUMBER.fullmatch(text):
        raise ValidationError(gettext("a number such as 1 or 2.5"))
    if Decimal(text) < 0:
        raise ValidationError(str(NOT_NEGATIVE))


class VersionForm(FlaskForm):
    """The one-button forms (move, switch, remove): only the version they were shown against."""

    base_version = HiddenField()


class PolicyForm(VersionForm):
    strategy = SelectField(lazy_gettext("Strategy"), choices=STRATEGY_CHOICES)
    cost_weight = StringField(lazy_gettext("Cost weight"), validators=[InputRequired(), non_negative_number])
    days_weight = StringField(lazy_gettext("Days weight (money per delivery day)"),
                              validators=[InputRequired(), non_negative_number])
    split_penalty = StringField(lazy_gettext("Split penalty (per extra shipment)"),
                                validators=[InputRequired(), non_negative_number])
    partial = SelectField(lazy_gettext("When not everything is in stock"), choices=PARTIAL_CHOICES)
    allow_split = BooleanField(lazy_gettext("Allow splitting over several shipments"))
    allow_dropship = BooleanField(lazy_gettext("Allow drop-ship from suppliers"))
    note = StringField(lazy_gettext("Why this change"), validators=[Length(max=300)])


class OverrideForm(VersionForm):
    scope = SelectField(lazy_gettext("For"), choices=[SelectChoice("channel", lazy_gettext("a channel")),
                                                      SelectChoice("customer", lazy_gettext("a customer"))])
    code = StringField(lazy_gettext("Channel or customer code"),
                       validators=[DataRequired(lazy_gettext("Give the channel or customer code.")), Length(max=32)])
    strategy = SelectField(lazy_gettext("Strategy"), choices=[UNCHANGED, *STRATEGY_CHOICES], default="")
    cost_weight = StringField(lazy_gettext("Cost weight"), validators=[Optional(), non_negative_number])
    days_weight = StringField(lazy_gettext("Days weight"), validators=[Optional(), non_negative_number])
    split_penalty = StringField(lazy_gettext("Split penalty"), validators=[Optional(), non_negative_number])
    partial = SelectField(lazy_gettext("When not everything is in stock"), choices=[UNCHANGED, *PARTIAL_CHOICES],
                          default="")
    allow_split = SelectField(lazy_gettext("Allow split"), choices=YES_NO, default="")
    allow_dropship = SelectField(lazy_gettext("Allow drop-ship"), choices=YES_NO, default="")
    note = StringField(lazy_gettext("Why this change"), validators=[Length(max=300)])


class RoutingRuleForm(VersionForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(lazy_gettext("Give the rule a name.")),
                                                         Length(max=100)])
    channels = StringField(lazy_gettext("Channels"))
    min_priority = IntegerField(lazy_gettext("Minimum priority (0-9)"), validators=[Optional(), NumberRange(0, 9)])
    regions = StringField(lazy_gettext("Regions"))
    skus = StringField(lazy_gettext("SKUs (any of them)"))
    customers = StringField(lazy_gettext("Customers"))
    warehouse_group = StringField(lazy_gettext("Only from warehouses"), render_kw={"placeholder": "EAST, WEST"})
    safety_stock = IntegerField(lazy_gettext("Safety stock (units per product held back)"),
                                validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)])
    daily_caps = StringField(lazy_gettext("Daily order caps"), render_kw={"placeholder": "EAST=200, WEST=50"})
    allow_split = SelectField(lazy_gettext("Allow split"), choices=YES_NO, default="")
    allow_dropship = SelectField(lazy_gettext("Allow drop-ship"), choices=YES_NO, default="")
    strategy = SelectField(lazy_gettext("Strategy"), choices=[UNCHANGED, *STRATEGY_CHOICES], default="")
    backorder = BooleanField(lazy_gettext("Send to backorder"))
    stop = BooleanField(lazy_gettext("Stop after this rule"), default=True)
    note = StringField(lazy_gettext("Why this change"), validators=[Length(max=300)])


# --- the page ------------------------------------------------------------------------------------

@bp.get("/allocation-settings")
@ops_required
def settings_page() -> ResponseReturnValue:
    """The rules in force, the forms to change them (ops admin) and every earlier version; ``?rule=NAME``,
    ``?channel=CODE`` or ``?customer=CODE`` fill the matching form from what is saved."""
    return _page(current_allocation_rules())


@bp.post("/allocation-settings")
@role_required(*EDITORS)
def save_default_policy() -> ResponseReturnValue:
    """Save the default policy as a new version when anything changed."""
    rule_set = current_allocation_rules()
    form = PolicyForm()
    if not form.validate_on_submit():
        return _page(rule_set, policy_form=form), 422
    old = rule_set.settings
    default = replace(old.default, strategy=form.strategy.data, cost_weight=_number(form.cost_weight.data),
                      days_weight=_number(form.days_weight.data), split_penalty=_number(form.split_penalty.data),
                      partial=form.partial.data, allow_split=form.allow_split.data,
                      allow_dropship=form.allow_dropship.data)
    new = replace(old, default=default)
    return _save(old, new, _note(form) or _policy_changes(old, new), form, policy_form=form)


@bp.post("/allocation-settings/overrides")
@role_required(*EDITORS)
def save_override() -> ResponseReturnValue:
    """Add or replace one channel's or customer's policy changes, as a new version."""
    rule_set = current_allocation_rules()
    form = OverrideForm(prefix="override")
    if form.validate_on_submit():
        _check_override(form)
    if form.errors:
        return _page(rule_set, override_form=form), 422
    old, scope, code = rule_set.settings, form.scope.data, form.code.data.strip()
    changes = _override_changes(form)
    section = getattr(old, SECTIONS[scope])
    new = replace(old, **{SECTIONS[scope]: {**section, code: changes}})
    listed = ", ".join(f"{key} {_shown(value)}" for key, value in changes.items())
    return _save(old, new, _note(form) or f"{scope} {code} policy set: {listed}", form, override_form=form)


@bp.post("/allocation-settings/overrides/<scope>/<code>/remove")
@role_required(*EDITORS)
def remove_override(scope: str, code: str) -> ResponseReturnValue:
    """Drop one channel's or customer's policy changes, as a new version."""
    rule_set, form = current_allocation_rules(), VersionForm()
    if _stale(form, rule_set):  # the code is only known to be there in the version shown
        return _page(rule_set, problem=conflict_message("allocation rules", rule_set)), 409
    old = rule_set.settings
    if scope not in SECTIONS or code not in getattr(old, SECTIONS[scope]):
        abort(404)
    section = {key: value for key, value in getattr(old, SECTIONS[scope]).items() if key != code}
    return _save(old, replace(old, **{SECTIONS[scope]: section}), f"{scope} {code} policy removed", form)


@bp.post("/allocation-settings/routing")
@role_required(*EDITORS)
def save_routing_rule() -> ResponseReturnValue:
    """Add a routing rule at the end, or replace the rule of the same name in its place, as a new version."""
    rule_set = current_allocation_rules()
    form = RoutingRuleForm(prefix="rule")
    rule = _rule_from_form(form) if form.validate_on_submit() else None
    if rule is None:
        return _page(rule_set, rule_form=form), 422
    old = rule_set.settings
    names = [each.name for each in old.routing]
    if rule.name in names:
        index = names.index(rule.name)
        rule = replace(rule, enabled=old.routing[index].enabled)  # switching on and off is its own button
        routing, done = (*old.routing[:index], rule, *old.routing[index + 1:]), "replaced"
    else:
        routing, done = (*old.routing, rule), "added"
    return _save(old, replace(old, routing=routing), _note(form) or f"routing rule {rule.name!r} {done}", form,
                 rule_form=form)


@bp.post("/allocation-settings/routing/<int:index>/<change>")
@role_required(*EDITORS)
def change_routing_rule(index: int, change: str) -> ResponseReturnValue:
    """Move a routing rule up or down, switch it on or off, or remove it, as a new version."""
    rule_set, form = current_allocation_rules(), VersionForm()
    if change not in RULE_CHANGES:
        abort(404)
    if _stale(form, rule_set):  # the index is only meaningful against the version shown
        return _page(rule_set, problem=conflict_message("allocation rules", rule_set)), 409
    old = rule_set.settings
    if not 0 <= index < len(old.routing):
        abort(404)
    routing = list(old.routing)
    rule = routing[index]
    if change in ("up", "down"):
        other = max(0, index - 1) if change == "up" else min(len(routing) - 1, index + 1)
        routing[index], routing[other] = routing[other], routing[index]
        done = f"moved {change}"
    elif change == "remove":
        del routing[index]
        done = "removed"
    else:
        routing[index] = replace(rule, enabled=change == "enable")
        done = f"{change}d"
    return _save(old, replace(old, routing=tuple(routing)), f"routing rule {rule.name!r} {done}", form)


def _save(old: AllocationSettings, new: AllocationSettings, note: str, form: VersionForm,
          **forms: FlaskForm) -> ResponseReturnValue:
    """Save against the version ``form`` was shown with; when another came first, show the page again (409)
    with the submitted ``forms``, now carrying the newer version so that saving again overwrites it on purpose."""
    try:
        save_if_changed(AllocationRuleSet, old, new, expected_version=form_version(form.base_version.data),
                        actor=current_user.email, note=note, what="Allocation rules")
    except RuleSetChanged as exc:
        form.base_version.data = str(exc.current.version)
        return _page(exc.current, problem=conflict_message("allocation rules", exc.current), **forms), 409
    return redirect(url_for("allocation_settings.settings_page"))


def _page(rule_set: AllocationRuleSet, *, policy_form: PolicyForm | None = None,
          override_form: OverrideForm | None = None, rule_form: RoutingRuleForm | None = None,
          problem: str = "") -> str:
    settings = rule_set.settings
    version = {"base_version": str(rule_set.version)}
    if policy_form is None:
        policy_form = PolicyForm(formdata=None, data={**version, **policy_document(settings.default)})
    if override_form is None:
        override_form = OverrideForm(formdata=None, prefix="override", data={**version, **_override_data(settings)})
    if rule_form is None:
        rule_form = RoutingRuleForm(formdata=None, prefix="rule", data={**version, **_rule_data(settings)})
    versions = AllocationRuleSet.select(AllocationRuleSet.id, AllocationRuleSet.created_by,
                                        AllocationRuleSet.created_at, AllocationRuleSet.note) \
        .order_by(AllocationRuleSet.id.desc()).limit(VERSIONS_SHOWN)
    overrides = [(scope, code, changes) for scope, section in SECTIONS.items()
                 for code, changes in sorted(getattr(settings, section).items())]
    return render_template("allocation/settings.html", rule_set=rule_set, settings=settings,
                           policy_form=policy_form, override_form=override_form, rule_form=rule_form,
                           overrides=overrides, rules=list(enumerate(settings.routing)), versions=list(versions),
                           problem=problem, may_edit=current_user.role in EDITORS, scope_words=SCOPE_WORDS,
                           policy_words=POLICY_WORDS, value_words=VALUE_WORDS)


def _stale(form: VersionForm, rule_set: AllocationRuleSet) -> bool:
    """True when another version was saved since a button was shown: a quick look before reading its index or
    code; the save itself checks again under the lock."""
    return form_version(form.base_version.data) != rule_set.version


# --- reading the forms ---------------------------------------------------------------------------

def _number(text: str) -> Decimal:
    """A checked form number, normalised so 5, 5.0 and 5.00 save as the same value."""
    return Decimal(f"{abs(Decimal(text.strip())).normalize():f}")


def _note(form: FlaskForm) -> str:
    return (form.note.data or "").strip()


def _check_override(form: OverrideForm) -> None:
    code = (form.code.data or "").strip()
    if form.scope.data == "channel" and code not in CHANNELS:
        form.code.errors.append(gettext("no channel %(code)s; use one of %(channels)s", code=code,
                                        channels=", ".join(CHANNELS)))
    if form.scope.data == "customer" and _customer_codes({code}) != {code}:
        form.code.errors.append(gettext("no customer with code %(code)s", code=code))
    if not _override_changes(form):
        form.form_errors.append(gettext("Set at least one policy field; to drop an override use its Remove button."))


def _override_changes(form: OverrideForm) -> dict:
    """Only the fields given; a blank field leaves the default policy's value in force."""
    changes: dict[str, object] = {}
    for key in POLICY_KEYS:
        value = (getattr(form, key).data or "").strip()
        if value in ("yes", "no"):
            changes[key] = value == "yes"
        elif value and key in ("cost_weight", "days_weight", "split_penalty"):
            changes[key] = f"{_number(value):f}"
        elif value:
            changes[key] = value
    return changes


def _rule_from_form(form: RoutingRuleForm) -> RoutingRule | None:
    """The rule the form describes, or None with the reasons on the fields."""
    lists = {key: _codes(getattr(form, key).data) for key in ("channels", "regions", "skus", "customers",
                                                                "warehouse_group")}
    caps = _caps(form.daily_caps)
    _refuse_unknown(form.channels, lists["channels"] - set(CHANNELS), "channel")
    _refuse_unknown(form.customers, lists["customers"] - _customer_codes(lists["customers"]), "customer")
    known_skus = {row.sku for row in Product.select(Product.sku).where(Product.sku.in_(lists["skus"]))}
    _refuse_unknown(form.skus, lists["skus"] - known_skus, "SKU")
    warehouses = {row.code for row in Warehouse.select(Warehouse.code)
                  .where(Warehouse.code.in_(lists["warehouse_group"] | set(caps)))}
    _refuse_unknown(form.warehouse_group, lists["warehouse_group"] - warehouses, "warehouse")
    _refuse_unknown(form.daily_caps, set(caps) - warehouses, "warehouse")
    if form.errors:
        return None
    route_filter = RouteFilter(channels=lists["channels"], min_priority=form.min_priority.data,
                               regions=lists["regions"], skus=lists["skus"], customers=lists["customers"])
    action = RouteAction(warehouse_group=lists["warehouse_group"], safety_stock=form.safety_stock.data or 0,
                         daily_order_cap=caps, allow_split=_yes_no(form.allow_split.data),
                         allow_dropship=_yes_no(form.allow_dropship.data), strategy=form.strategy.data or None,
                         backorder=form.backorder.data, stop=form.stop.data)
    return RoutingRule(form.name.data.strip(), route_filter, action)


def _codes(text: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (text or "").split(",") if part.strip())


def _caps(field: StringField) -> dict[str, int]:
    """Daily caps from "EAST=200, WEST=50"; syntax errors and negative caps go on the field."""
    caps: dict[str, int] = {}
    for part in filter(None, (part.strip() for part in (field.data or "").split(","))):
        match = CAP.fullmatch(part)
        if match is None:
            field.errors.append(gettext("could not read %(part)s: write caps as CODE=orders a day, e.g. EAST=200, "
                                        "WEST=50", part=repr(part)))
        elif int(match["orders"]) < 0:
            field.errors.append(gettext("%(code)s: must not be negative", code=match["code"]))
        elif match["code"] in caps:
            field.errors.append(gettext("%(code)s is capped twice", code=match["code"]))
        else:
            caps[match["code"]] = int(match["orders"])
    return caps


def _refuse_unknown(field, unknown: set[str], noun: str) -> None:
    if unknown:
        one, several = UNKNOWN[noun]
        field.errors.append(str(several if len(unknown) > 1 else one) % {"codes": ", ".join(sorted(unknown))})


def _customer_codes(codes: set[str] | frozenset[str]) -> set[str]:
    """Which of ``codes`` are customers (a distributor orders as its own customer too)."""
    rows = Partner.select(Partner.code).where(Partner.code.in_(codes), Partner.kind.in_(("customer", "distributor")))
    return {row.code for row in rows}


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# --- filling the forms ---------------------------------------------------------------------------

def _override_data(settings: AllocationSettings) -> dict:
    """``?channel=CODE`` or ``?customer=CODE``: that override's saved changes, to edit."""
    for scope, section in SECTIONS.items():
        code = request.args.get(scope)
        changes = getattr(settings, section).get(code) if code else None
        if changes is not None:
            return {"scope": scope, "code": code, **{key: _yes_no_text(value) if isinstance(value, bool) else value
                                                     for key, value in changes.items()}}
    return {}


def _rule_data(settings: AllocationSettings) -> dict:
    """``?rule=NAME``: that rule's saved values, to edit."""
    rule = next((each for each in settings.routing if each.name == request.args.get("rule")), None)
    if rule is None:
        return {}
    flt, action = rule.filter, rule.action
    return {"name": rule.name, "min_priority": flt.min_priority, "safety_stock": action.safety_stock,
            **{key: ", ".join(sorted(getattr(flt, key))) for key in ("channels", "regions", "skus", "customers")},
            "warehouse_group": ", ".join(sorted(action.warehouse_group)),
            "daily_caps": ", ".join(f"{code}={cap}" for code, cap in sorted(action.daily_order_cap.items())),
            "allow_split": _yes_no_text(action.allow_split), "allow_dropship": _yes_no_text(action.allow_dropship),
            "strategy": action.strategy or "", "backorder": action.backorder, "stop": action.stop}


def _yes_no_text(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


def _shown(value: object) -> str:
    return _yes_no_text(value) if isinstance(value, bool) else str(value)


def _policy_changes(old: AllocationSettings, new: AllocationSettings) -> str:
    """What a save of the default policy changed, for the version note when none is given."""
    before, after = policy_document(old.default), policy_document(new.default)
    return "default " + "; ".join(f"{key} {_shown(before[key])} → {_shown(after[key])}"
                                  for key in POLICY_KEYS if before[key] != after[key])


@bp.app_template_filter("route_filter")
def describe_filter(flt: RouteFilter) -> str:
    """A routing filter as a phrase: "channel shopify; priority 5+; SKU WIDGET"; "every order" when unset."""
    def listed(values) -> str:
        return ", ".join(sorted(values))

    parts = []
    if flt.channels:
        parts.append(gettext("channel %(codes)s", codes=listed(flt.channels)))
    if flt.min_priority is not None:
        parts.append(gettext("priority %(priority)s+", priority=flt.min_priority))
    if flt.regions:
        parts.append(gettext("region %(codes)s", codes=listed(flt.regions)))
    if flt.skus:
        parts.append(gettext("SKU %(codes)s", codes=listed(flt.skus)))
    if flt.customers:
        parts.append(gettext("customer %(codes)s", codes=listed(flt.customers)))
    return gettext("; ").join(parts) or gettext("every order")


@bp.app_template_filter("route_action")
def describe_action(action: RouteAction) -> str:
    """A routing action as a phrase: "only EAST; hold back 5; cap EAST 200/day; no split; then stop"."""
    parts = [gettext("only %(codes)s", codes=", ".join(sorted(action.warehouse_group)))] \
        if action.warehouse_group else []
    if action.safety_stock:
        parts.append(gettext("hold back %(units)s", units=action.safety_stock))
    parts += [gettext("cap %(code)s %(orders)s/day", code=code, orders=cap)
              for code, cap in sorted(action.daily_order_cap.items())]
    if action.allow_split is not None:
        parts.append(gettext("split") if action.allow_split else gettext("no split"))
    if action.allow_dropship is not None:
        parts.append(gettext("drop-ship") if action.allow_dropship else gettext("no drop-ship"))
    if action.strategy:
        parts.append(gettext("strategy %(strategy)s", strategy=VALUE_WORDS.get(action.strategy, action.strategy)))
    if action.backorder:
        parts.append(gettext("backorder"))
    parts.append(gettext("then stop") if action.stop else gettext("then go on"))
    return gettext("; ").join(parts)
