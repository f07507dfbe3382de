"""Return approval settings in force: read them, save a change as a new version, read them from the ops form."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal

from models.core.errors import (
    RuleSetChanged,  # noqa: F401 - raised by save_return_rules; callers import it from here
    ValidationFailed,
)
from models.core.rule_set_versions import save_rule_set
from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.returns.rules import (
    CENT,
    DEFAULT_SETTINGS,
    REASONS,
    RULE_CODES,
    ReturnSettings,
)
from models.returns.tables import ReturnRuleSet

MAX_DAYS = 3650
AMOUNT = re.compile(r"\d{1,10}(\.\d{1,2})?")
WHOLE = re.compile(r"\d{1,9}")
SHARE = re.compile(r"(?P<number>\d{1,3}(\.\d{1,6})?)\s*(?P<percent>%?)")
RATE_PLACES = Decimal("0.0001")  # a share to 0.01 %
SETTING_FIELDS = ("enabled", "window_days", "max_auto_refund", "auto_approve_reasons", "max_return_rate",
                  "return_rate_min_orders", "refund_on_approval_below")


def settings_of(rule_set: ReturnRuleSet) -> ReturnSettings:
    return ReturnSettings.from_document(json.loads(rule_set.document_json))


def current_return_rules() -> tuple[ReturnRuleSet, ReturnSettings]:
    """The version in force and its settings (version 1, the defaults, comes from the migration)."""
    rule_set = ReturnRuleSet.in_force(DEFAULT_SETTINGS)
    return rule_set, settings_of(rule_set)


def save_return_rules(settings: ReturnSettings, *, actor: str, note: str = "",
                      expected_version: int | None = None) -> ReturnRuleSet:
    """Make ``settings`` the version in force if ``expected_version`` is still the newest, else raise
    RuleSetChanged; ``None`` (no check) is for system callers only, never for an editor."""
    return save_rule_set(ReturnRuleSet, settings, expected_version=expected_version, actor=actor, note=note)


def settings_from_form(form: Mapping[str, str]) -> ReturnSettings:
    """Settings from the ops form (a MultiDict, or a mapping whose checkbox fields may hold lists);
    a bad field raises ValidationFailed naming every bad field with what it must be."""
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {}

    def fail(name: str, message: TextMessage) -> None:
        errors.setdefault(name, []).append(message)

    for name, template in (("window_days", N_("a whole number of days from 0 to %(most)s")),
                           ("return_rate_min_orders", N_("a whole number of orders from 0 to %(most)s"))):
        text = _text(form, name)
        if not WHOLE.fullmatch(text) or int(text) > MAX_DAYS:
            fail(name, TextMessage(Text(template, most=MAX_DAYS)))
        else:
            values[name] = int(text)
    for name in ("max_auto_refund", "refund_on_approval_below"):
        text = _text(form, name).replace(",", "")
        if not AMOUNT.fullmatch(text):
            fail(name, TextMessage(Text("an amount of 0 or more such as 1000 or 1000.00")))
        else:
            values[name] = Decimal(text).quantize(CENT)
    rate = _share(_text(form, "max_return_rate"))
    if rate is None:
        fail("max_return_rate", TextMessage(Text("a share from 0 to 1 such as 0.30, or a percentage such as 30%%, "
                                                 "to at most 0.01 %%")))
    else:
        values["max_return_rate"] = rate
    for name, known in (("enabled", RULE_CODES), ("auto_approve_reasons", REASONS)):
        chosen = _choices(form, name)
        unknown = sorted(chosen - set(known))
        if unknown:
            fail(name, TextMessage(Text("unknown %(unknown)s; choose from %(known)s", unknown=", ".join(unknown),
                                        known=", ".join(known))))
        else:
            values[name] = frozenset(chosen)
    if errors:
        raise ValidationFailed(errors, "the return rules were not saved")
    try:
        return ReturnSettings(**values)
    except ValueError as exc:  # the form's checks above should leave nothing for the settings to refuse
        raise ValidationFailed(_named(str(exc)), "the return rules were not saved") from exc


def _text(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _choices(form: Mapping[str, str], name: str) -> set[str]:
    """Ticked checkboxes: all values of a MultiDict key, a list, or one value; nothing ticked sends nothing."""
    values = form.getlist(name) if hasattr(form, "getlist") else form.get(name, ())
    values = [values] if isinstance(values, str) else list(values)
    return {str(value).strip() for value in values if str(value).strip()}


def _share(text: str) -> Decimal | None:
    """ "0.3", "0.30" or "30%" as the share 0.30; None when it is not a share from 0 to 1 to 4 decimals."""
    match = SHARE.fullmatch(text)
    if match is None:
        return None
    share = Decimal(match["number"]) / (100 if match["percent"] else 1)
    if not 0 <= share <= 1 or share != share.quantize(RATE_PLACES):
        return None
    # one spelling per value, at least two decimals: "0.3" and "30%" both store as "0.30", so saving
    # the same share again is seen as no change
    share = share.normalize()
    return share.quantize(CENT) if share.as_tuple().exponent > -2 else share


def _named(message: str) -> dict[str, list[str]]:
    """ReturnSettings' "field: what; field: what" as messages by field (a "what" may hold "; " itself)."""
    parts = re.split(rf"(?:^|; )({'|'.join(SETTING_FIELDS)}): ", message)
    if len(parts) < 3:
        return {"settings": [message]}
    return {field: [what] for field, what in zip(parts[1::2], parts[2::2], strict=True)}
