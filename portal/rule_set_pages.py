"""What the review-rules and allocation-rules editors share: saving a changed configuration as a new version."""
from __future__ import annotations

from flask import flash

from models.core.rule_set_versions import RuleSetVersion


def save_if_changed(table: type[RuleSetVersion], old, new, *, actor: str, note: str, what: str) -> None:
    """Record ``new`` as the next version of ``table`` unless it equals ``old``; flash what happened."""
    if new.to_document() == old.to_document():
        flash("Nothing changed; no new version was made.", "info")
        return
    saved = table.record(new, actor=actor, note=note)
    flash(f"{what} saved as version {saved.version}.", "success")
