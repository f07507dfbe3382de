"""Ops page for the return approval rules: what each rule does, the version in force and its history, and
the form that saves a change as a new version."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_login import current_user

from models.core.errors import ValidationFailed
from models.returns.rules import REASONS, RULE_CODES, ReturnSettings
from models.returns.settings import (
    RuleSetChanged,
    current_return_rules,
    save_return_rules,
    settings_from_form,
    settings_of,
)
from models.returns.tables import ReturnRuleSet
from portal.auth import ops_required, role_required
from portal.i18n import format_number
from portal.model_messages import translate_message
from portal.rule_set_pages import conflict_message, form_version

bp = Blueprint("return_settings", __name__)

EDITORS = ("ops_admin", "credit_controller")  # as for the review rules: these rules decide refunds
VERSIONS_SHOWN = 10
NOTE_MAX = 300
TEXT_FIELDS = ("window_days", "max_auto_refund", "max_return_rate", "return_rate_min_orders",
               "refund_on_approval_below", "note", "expected_version")
RULE_LABELS = {
    "window": lazy_gettext("Return window"),
    "refund_amount": lazy_gettext("Refund value"),
    "reason": lazy_gettext("Reason"),
    "return_rate": lazy_gettext("Customer's return rate"),
    "final_sale": lazy_gettext("Final-sale items"),
    "already_returned": lazy_gettext("Returned before"),
}
FIELD_LABELS = {
    "enabled": lazy_gettext("Rules in force"),
    "window_days": lazy_gettext("Return window (days after delivery)"),
    "max_auto_refund": lazy_gettext("Highest refund approved automatically"),
    "max_return_rate": lazy_gettext("Highest customer return rate"),
    "return_rate_min_orders": lazy_gettext("Judge the return rate from (delivered orders)"),
    "refund_on_approval_below": lazy_gettext("Refund on approval below"),
    "auto_approve_reasons": lazy_gettext("Reasons approved automatically"),
    "note": lazy_gettext("Why this change"),
}
_REASON_WORDS = {
    "damaged": lazy_gettext("Damaged"), "defective": lazy_gettext("Defective"),
    "wrong_item": lazy_gettext("Wrong item"), "not_as_described": lazy_gettext("Not as described"),
    "no_longer_needed": lazy_gettext("No longer needed"), "other": lazy_gettext("Other"),
}
REASON_LABELS = {reason: _REASON_WORDS[reason] if reason in _REASON_WORDS else reason.replace("_", " ").capitalize()
                 for reason in REASONS}


@bp.get("/ops/return-settings")
@ops_required
def settings_page() -> ResponseReturnValue:
    """The rules in force with what each does, the form to change them (editors) and the recent versions."""
    rule_set, settings = current_return_rules()
    return _page(rule_set, settings, _values_of(rule_set, settings))


@bp.post("/ops/return-settings")
@role_required(*EDITORS)
def save_settings() -> ResponseReturnValue:
    """Save the submitted rules as a new version when anything changed; 409 when another version came first."""
    rule_set, old = current_return_rules()
    values = _submitted()
    note = values["note"].strip()
    errors: dict[str, list[str]] = {}
    try:
        new = settings_from_form(request.form)
    except ValidationFailed as exc:
        errors.update({name: [translate_message(message) for message in messages]
                       for name, messages in exc.messages.items()})
    if len(note) > NOTE_MAX:
        errors["note"] = [gettext("at most %(count)s characters", count=NOTE_MAX)]
    if errors:
        return _page(rule_set, old, values, errors=errors), 422
    if new == old:
        flash(gettext("Nothing changed; no new version was made."), "info")
        return redirect(url_for("return_settings.settings_page"))
    try:
        saved = save_return_rules(new, actor=current_user.email, note=note or describe_changes(old, new),
                                  expected_version=form_version(values["expected_version"]))
    except RuleSetChanged as exc:
        current = exc.current
        values["expected_version"] = str(current.version)  # saving again overwrites it, on purpose
        return _page(current, settings_of(current), values, problem=conflict_message("return rules", current)), 409
    flash(gettext("Return rules saved as version %(version)s.", version=saved.version), "success")
    return redirect(url_for("return_settings.settings_page"))


def describe_changes(old: ReturnSettings, new: ReturnSettings) -> str:
    """What a save changed, for the version note when none is given."""
    parts = []
    for name, label in (("enabled", "rules"), ("auto_approve_reasons", "automatic reasons")):
        added, removed = getattr(new, name) - getattr(old, name), getattr(old, name) - getattr(new, name)
        parts += [f"{label} on: {', '.join(sorted(added))}"] if added else []
        parts += [f"{label} off: {', '.join(sorted(removed))}"] if removed else []
    before, after = old.to_document(), new.to_document()
    parts += [f"{key} {before[key]} → {after[key]}" for key in before
              if key not in ("enabled", "auto_approve_reasons") and getattr(old, key) != getattr(new, key)]
    return "; ".join(parts)


def rule_explanations(settings: ReturnSettings) -> list[dict]:
    """Each rule with whether it runs and what it does under ``settings``; a rule that fires sends the
    return to a person."""
    reasons = gettext(", ").join(str(REASON_LABELS[r]).lower() for r in REASONS if r in settings.auto_approve_reasons)
    rate = f"{settings.max_return_rate * 100:.2f}".rstrip("0").rstrip(".")
    texts = {
        "window": gettext("Asked for more than %(days)s days after the order was delivered (exactly %(days)s days "
                          "is still inside the window).", days=settings.window_days),
        "refund_amount": gettext("The refund value is above %(amount)s in the order's currency (exactly the limit "
                                 "is approved).", amount=format_number(settings.max_auto_refund)),
        "reason": gettext("The reason is not one approved automatically: %(reasons)s.", reasons=reasons)
                  if reasons else
                  gettext("No reason is approved automatically, so every return with this rule on goes to a person."),
        "return_rate": gettext("The customer returned more than %(rate)s%% of their delivered orders; judged only "
                               "once they have %(orders)s or more delivered orders.", rate=rate,
                               orders=settings.return_rate_min_orders),
        "final_sale": gettext("A line is a final-sale SKU."),
        "already_returned": gettext("Units of a line were returned before (in a return that was not rejected)."),
    }
    return [{"code": code, "label": RULE_LABELS[code], "text": texts[code], "on": code in settings.enabled}
            for code in RULE_CODES]


def _page(rule_set: ReturnRuleSet, settings: ReturnSettings, values: dict, *,
          errors: dict[str, list[str]] | None = None, problem: str = "") -> str:
    versions = (ReturnRuleSet.select(ReturnRuleSet.id, ReturnRuleSet.created_by, ReturnRuleSet.created_at,
                                     ReturnRuleSet.note)
                .order_by(ReturnRuleSet.id.desc()).limit(VERSIONS_SHOWN))
    return render_template("ops/return_settings.html", rule_set=rule_set, settings=settings, values=values,
                           errors=errors or {}, problem=problem, rules=rule_explanations(settings),
                           reasons=[(reason, REASON_LABELS[reason]) for reason in REASONS],
                           versions=list(versions), versions_shown=VERSIONS_SHOWN,
                           labels=FIELD_LABELS,
                           may_edit=current_user.role in EDITORS)


def _values_of(rule_set: ReturnRuleSet, settings: ReturnSettings) -> dict:
    """The form filled from the version in force."""
    return {"window_days": str(settings.window_days), "max_auto_refund": f"{settings.max_auto_refund:.2f}",
            "max_return_rate": str(settings.max_return_rate),
            "return_rate_min_orders": str(settings.return_rate_min_orders),
            "refund_on_approval_below": f"{settings.refund_on_approval_below:.2f}", "note": "",
            "expected_version": str(rule_set.version), "enabled": sorted(settings.enabled),
            "auto_approve_reasons": sorted(settings.auto_approve_reasons)}


def _submitted() -> dict:
    """The form as sent, to show again with its errors."""
    values: dict = {name: request.form.get(name, "") for name in TEXT_FIELDS}
    values["enabled"] = request.form.getlist("enabled")
    values["auto_approve_reasons"] = request.form.getlist("auto_approve_reasons")
    return values
