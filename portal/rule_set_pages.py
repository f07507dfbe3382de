"""What the rule-set editors (review, allocation, return rules) share: saving a changed configuration as a new
version against the version the form was shown with, and saying so when someone saved in between."""
from __future__ import annotations

from flask import flash
from flask_babel import gettext, lazy_gettext

from models.core.rule_set_versions import Document, RuleSetVersion, save_rule_set

# The editors name their rule set in English (``what``); the page's language shows these words.
RULE_SET_NAMES = {
    "Allocation rules": lazy_gettext("Allocation rules"), "Review rules": lazy_gettext("Review rules"),
    "Return rules": lazy_gettext("Return rules"), "allocation rules": lazy_gettext("allocation rules"),
    "review rules": lazy_gettext("review rules"), "return rules": lazy_gettext("return rules"),
    "replenishment settings": lazy_gettext("replenishment settings"),
}


def save_if_changed(table: type[RuleSetVersion], old: Document, new: Document, *, expected_version: int, actor: str,
                    note: str, what: str) -> None:
    """Record ``new`` as the next version of ``table`` unless it equals ``old``; flash what happened.
    Raises RuleSetChanged when ``expected_version`` is no longer the newest."""
    if new.to_document() == old.to_document():
        flash(gettext("Nothing changed; no new version was made."), "info")
        return
    saved = save_rule_set(table, new, expected_version=expected_version, actor=actor, note=note)
    flash(gettext("%(what)s saved as version %(version)s.", what=_named(what), version=saved.version), "success")


def form_version(text: str | None) -> int:
    """The version a form was shown against; a missing or garbled one is 0, which no version matches."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else 0


def conflict_message(what: str, current: RuleSetVersion) -> str:
    """The one wording every editor shows when a save was refused because another version came first."""
    return gettext("The %(what)s were changed to version %(version)s by %(who)s while you edited: someone saved "
                   "version %(version)s meanwhile; reload, or check the values below and save again.",
                   what=_named(what), version=current.version, who=current.created_by)


def _named(what: str) -> str:
    return str(RULE_SET_NAMES.get(what, what))
