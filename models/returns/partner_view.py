"""A return as a partner's user sees it: its status, lines, label, refund and the rules' decision in fixed words,
but none of the rules' figures or thresholds, no rule-set version, no carrier error text and no names of the
people and workers inside (they read as models.orders.partner_view.PARTNER_ACTOR).

What the partner's own users wrote stays as written; the shopper of a self-service return reads as "customer".
A rejection's note is kept: ops write it for the customer ("Why (the customer reads this)").
"""
from __future__ import annotations

from models.orders.partner_view import PARTNER_ACTOR, is_own_actor
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_CLOSED,
    RETURN_EXCHANGED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
    RETURN_REFUNDED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
)

CUSTOMER_ACTOR = "customer"
STATUS_WORDS = {
    RETURN_REQUESTED: "return requested",
    RETURN_APPROVED: "approved",
    RETURN_REJECTED: "not approved",
    RETURN_LABEL_ISSUED: "return label issued",
    RETURN_IN_TRANSIT: "on its way back",
    RETURN_RECEIVED: "received at the warehouse",
    RETURN_INSPECTED: "inspected",
    RETURN_REFUNDED: "refunded",
    RETURN_EXCHANGED: "replacement order placed",
    RETURN_CLOSED: "closed",
}
# The return rules' codes (models.returns.rules.RULE_CODES) as a partner reads them: what is checked, no figures.
REASON_WORDS = {
    "window": "requested after the return window",
    "refund_amount": "return value checked by our team",
    "reason": "this return reason is checked by our team",
    "return_rate": "return history checked by our team",
    "final_sale": "includes a final-sale item",
    "already_returned": "some units were returned before",
}
OTHER_REASON = "review by our team"


def partner_return_document(document: dict, own: frozenset[str]) -> dict:
    """``document`` (models.returns.views.return_document) as the users whose own actors are ``own`` see it."""
    shown = dict(document)
    shown["reasons"] = [{"code": code, "message": REASON_WORDS.get(code, OTHER_REASON)}
                        for code in dict.fromkeys(reason.get("code", "") for reason in document["reasons"])]
    shown["decided_by"] = _actor(document["decided_by"], own) if document["decided_by"] else ""
    if document["decision"] != "rejected":
        shown["decision_note"] = ""  # an approval's note is ops' own
    shown["rule_set_version"] = None
    if document["label"] is not None:
        shown["label"] = {**document["label"], "last_error": ""}
    shown["history"] = [_change(change, own) for change in document["history"]]
    return shown


def _change(change: dict, own: frozenset[str]) -> dict:
    actor = _actor(change["actor"], own)
    kept = actor != PARTNER_ACTOR or (change["to_status"] == RETURN_REJECTED)  # a rejection's note is for them
    reason = change["reason"] if kept else STATUS_WORDS.get(change["to_status"], change["to_status"])
    return {**change, "actor": actor, "reason": reason}


def _actor(actor: str, own: frozenset[str]) -> str:
    if is_own_actor(actor, own):
        return actor
    return CUSTOMER_ACTOR if actor.startswith("customer:") else PARTNER_ACTOR
