"""What the rule-set editors (review, allocation, return rules) share: saving a changed configuration as a new
version against the version the form was shown with, and saying so when someone saved in between."""
from __future__ import annotations

from flask import flash

from models.core.rule_set_versions import Document, RuleSetVersion, save_rule_set


def save_if_changed(table: type[RuleSetVersion], old: Document, new: Document, *, expected_version: int, actor: str,
                    note: str, what: str) -> None:
    """Record ``new`` as the next version of ``table`` unless it equals ``old``; flash what happened.
    Raises RuleSetChanged when ``expected_version`` is no longer the newest."""
    if new.to_document() == old.to_document():
        flash("Nothing changed; no new version was made.", "info")
        return
    saved = save_rule_set(table, new, expected_version=expected_version, actor=actor, note=note)
    flash(f"{what} saved as version {saved.version}.", "success")


def form_version(text: str | None) -> int:
    """The version a form was shown against; a missing or garbled one is 0, which no version matches."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else 0


def conflict_message(what: str, current: RuleSetVersion) -> str:
    """The one wording every editor shows when a save was refused because another version came first."""
    return (f"The {what} were changed to version {current.version} by {current.created_by} while you edited: "
            f"someone saved version {current.version} meanwhile; reload, or check the values below and save again.")
