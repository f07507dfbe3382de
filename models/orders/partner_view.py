"""An order as a partner's user sees it: its status, lines, shipments, tracking, documents and returns, but nothing
of the planner (plan, candidates, lane costs), no review figures and no names of the people and workers inside.

Status reasons written inside the OMS carry the allocation explanation or the review's figures, so a partner reads
fixed words per status instead; what the partner's own users wrote (a cancellation reason) stays as written.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from models.core.audit import StatusChange
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_CANCELLED,
    ORDER_DELIVERED,
    ORDER_ON_HOLD,
    ORDER_PARTIALLY_ALLOCATED,
    ORDER_RECEIVED,
    ORDER_REJECTED,
    ORDER_REVIEWING,
    ORDER_SHIPPED,
)
from models.orders.tables import Order
from models.orders.views import load_order_view
from models.partners.tables import Partner, User

PARTNER_ACTOR = "Relay OMS"  # whoever acted inside the OMS: an ops user, a worker, the sweeper, a carrier feed
STATUS_WORDS = {
    ORDER_RECEIVED: "order received",
    ORDER_REVIEWING: "being checked",
    ORDER_ON_HOLD: "on hold for review",
    ORDER_APPROVED: "accepted",
    ORDER_REJECTED: "not accepted after review",
    ORDER_ALLOCATED: "stock reserved, being prepared for shipping",
    ORDER_PARTIALLY_ALLOCATED: "partly reserved, the rest waits for stock",
    ORDER_BACKORDERED: "waiting for stock",
    ORDER_SHIPPED: "shipped",
    ORDER_DELIVERED: "delivered",
    ORDER_CANCELLED: "cancelled",
}
# The review's reason codes (models.review.rules) as a partner reads them: what is checked, never the figures.
HOLD_WORDS = {
    "customer_blocked": "customer account closed to new orders",
    "credit_limit": "credit check",
    "distributor_limit": "credit check",
    "exchange_rate": "credit check",
    "overdue": "payment check",
    "amount": "order amount check",
    "amount_senior": "order amount check",
    "stock": "stock check",
    "ship_to_incomplete": "ship-to address incomplete",
    "ship_to_undeliverable": "ship-to region not served",
    "suspected_duplicate": "possible repeat of a recent order",
    "unknown_sku": "SKU not in the catalogue",
}
OTHER_HOLD = "review by our team"
AWAITING_SUPPLIER_WORDS = "awaiting supplier: part of the order ships straight from the supplier"


@dataclass(frozen=True)
class PartnerStatusChange:
    """One line of the order's history, with the attributes of StatusChange that the page and the API show."""

    from_status: str | None
    to_status: str
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class PartnerOrderView:
    status_reason: str
    submitted_by: str
    hold_reasons: tuple[str, ...]  # while on hold or after a rejection: what was checked, in HOLD_WORDS
    trail: tuple[PartnerStatusChange, ...]
    awaiting_supplier: bool = False  # a drop-ship supplier still has units of the order to ship


def load_partner_order_view(order_id: int, partner_id: int | None) -> Order | None:
    """load_order_view's order with ``partner_view`` attached, as the users of ``partner_id`` see it."""
    order = load_order_view(order_id)
    if order is not None:
        order.partner_view = partner_order_view(order, own_actor_names(partner_id))
    return order


def own_actor_names(partner_id: int | None) -> frozenset[str]:
    """How the partner's own users (and its mail address) appear as actors, casefolded."""
    if partner_id is None:
        return frozenset()
    emails = [email for (email,) in User.select(User.email).where(User.partner == partner_id).tuples()]
    emails += [email for (email,) in Partner.select(Partner.email).where(Partner.id == partner_id).tuples()]
    return frozenset(email.strip().casefold() for email in emails if email.strip())


def partner_order_view(order: Order, own: frozenset[str]) -> PartnerOrderView:
    """What ``order`` (as load_order_view loads it) shows a partner whose own actors are ``own``."""
    trail = tuple(_change(change, own) for change in order.loaded_audit)
    latest = order.loaded_reviews[-1] if order.loaded_reviews else None
    holds: tuple[str, ...] = ()
    if order.status in (ORDER_ON_HOLD, ORDER_REJECTED) and latest is not None:
        holds = tuple(dict.fromkeys(HOLD_WORDS.get(code, OTHER_HOLD) for code in latest.code_list))
    last = next((change for change in reversed(trail) if change.to_status == order.status), None)
    if last is not None and last.actor != PARTNER_ACTOR:
        reason = last.reason  # the partner's own words
    else:
        reason = _words(order.status) + (": " + ", ".join(holds) if holds else "")
    awaiting = bool(getattr(order, "awaiting_supplier", False))
    if awaiting and order.status == ORDER_ALLOCATED:
        reason = AWAITING_SUPPLIER_WORDS
    submitter = order.submitted_by if is_own_actor(order.submitted_by, own) else PARTNER_ACTOR
    return PartnerOrderView(status_reason=reason, submitted_by=submitter, hold_reasons=holds, trail=trail,
                            awaiting_supplier=awaiting)


def _change(change: StatusChange, own: frozenset[str]) -> PartnerStatusChange:
    mine = is_own_actor(change.actor, own)
    return PartnerStatusChange(from_status=change.from_status, to_status=change.to_status,
                               actor=change.actor if mine else PARTNER_ACTOR,
                               reason=change.reason if mine else _words(change.to_status), at=change.at)


def is_own_actor(actor: str, own: frozenset[str]) -> bool:
    return actor.removeprefix("api:").strip().casefold() in own


def _words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " "))
