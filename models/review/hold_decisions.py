"""Deciding held orders: release or reject by a person with the authority for every reason that held
the order, re-checking credit holds when money comes in, and cancelling holds nobody decided in time."""
from __future__ import annotations

from datetime import timedelta

import peewee

from models.core.base import utc_now
from models.core.db import database
from models.core.errors import PermissionDenied, ValidationFailed
from models.core.stages import ALLOCATION, REVIEW
from models.core.text_messages import TextMessage
from models.core.texts import N_, Joined, Text
from models.core.transitions import transition
from models.intake.sku_matching import unmatched_lines
from models.orders.cancellation import cancel_order
from models.orders.states import (
    ORDER_APPROVED,
    ORDER_ON_HOLD,
    ORDER_REJECTED,
    ORDER_REVIEWING,
)
from models.orders.tables import Order
from models.review.reviews import (
    OrderReview,
    current_rule_set,
    latest_review,
    newest_review_ids,
)
from models.review.rules import CREDIT_ROLES, PRICE_HOLD_CODES, may_release

# The order roles are named in when a refusal says who may decide instead.
_NAMED_ORDER = ("credit_controller", "sales_manager", "ops_agent", "ops_admin")
_OR = N_(" or ")  # between the roles named
# Holds that money coming in can lift: the order is reviewed again.
PAYMENT_SENSITIVE_CODES = ("credit_limit", "overdue", "distributor_limit")
# Status reasons of fixed words: the portal finds them in its catalogue as they are stored.
RECEIVABLES_RECHECK = N_("receivables changed: credit re-checked")


def hold_codes(order_id: int) -> tuple[str, ...]:
    """The reason codes of the review that put the order on hold (none when a person held it)."""
    review = latest_review(order_id)
    return tuple(review.code_list) if review is not None and review.outcome == "hold" else ()


def check_may_decide(order_id: int, role: str) -> tuple[str, ...]:
    """The hold's reason codes; raises PermissionDenied when ``role`` may not decide every one of them.
    A hold no review explains (held by hand, or before reviews were recorded) needs a credit role."""
    codes = hold_codes(order_id)
    allowed = may_release(codes, role) if codes else role in CREDIT_ROLES
    if not allowed:
        held_for = list(codes) or Text("a reason no review recorded")
        deciders = [name for name in _NAMED_ORDER if (may_release(codes, name) if codes else name in CREDIT_ROLES)]
        who = Text("a %(roles)s", roles=Joined(deciders, _OR))  # never empty: ops_admin may decide every reason
        sentence = N_("the role %(role)s may not decide an order held for %(held_for)s; %(who)s must")
        if PRICE_HOLD_CODES & set(codes):
            sentence = N_("the role %(role)s may not decide an order held for %(held_for)s; %(who)s must (accepting"
                          " a price below the price book is a commercial decision)")
        raise PermissionDenied(TextMessage(Text(sentence, role=role, held_for=held_for, who=who)))
    return codes


def release_held_order(order_id: int, *, actor: str, role: str, comment: str = "") -> bool:
    """on_hold → approved and on to allocation; False when the order was no longer on hold. Releasing a price hold
    accepts the prices below the price book: it needs a comment, and the audit trail keeps it with the figures."""
    codes = check_may_decide(order_id, role)
    overridden = price_override(order_id) if PRICE_HOLD_CODES & set(codes) else ""
    if overridden and not comment.strip():
        raise ValidationFailed({"comment": [TextMessage(Text("say why the prices below the price book are accepted"))]})
    waiting = unmatched_lines(order_id)
    if waiting:  # allocation cannot reserve a line without a product
        lines = [str(line.line_no) for line in waiting]
        raise ValidationFailed({"lines": [TextMessage(Text(
            "match line(s) %(lines)s to a catalogue SKU before releasing", lines=lines))]})
    with database.atomic():
        reason = _why(N_("released"), comment) + (f"; price override by {role}: {overridden}" if overridden else "")
        released = transition("order", order_id, ORDER_APPROVED, actor=actor, reason=reason,
                              expected=ORDER_ON_HOLD)
        if released:
            ALLOCATION.nudge([order_id])
    return released


def price_override(order_id: int) -> str:
    """The figures of the price hold on ``order_id`` ("line 1 SKU-A: given 0.01, resolved 208.73 …"), "" when none."""
    review = latest_review(order_id)
    if review is None or review.outcome != "hold":
        return ""
    return "; ".join(reason["message"] for reason in review.reasons if reason["code"] in PRICE_HOLD_CODES)


def reject_held_order(order_id: int, *, actor: str, role: str, comment: str) -> bool:
    """on_hold → rejected with the comment; False when the order was no longer on hold."""
    if not comment.strip():
        raise ValidationFailed({"comment": [TextMessage(Text("give the reason for rejecting"))]})
    check_may_decide(order_id, role)
    return transition("order", order_id, ORDER_REJECTED, actor=actor, reason=_why("rejected", comment),
                      expected=ORDER_ON_HOLD)



def recheck_held_orders(customer_id: int, *, actor: str) -> list[int]:
    """Send the customer's orders held for credit or overdue reasons back to review; call inside the
    transaction that changed the customer's receivables. Returns the ids sent back."""
    held = [order.id for order in Order.select(Order.id).where(Order.customer == customer_id,
                                                                Order.status == ORDER_ON_HOLD).order_by(Order.id)]
    back = [order_id for order_id in held if set(hold_codes(order_id)) & set(PAYMENT_SENSITIVE_CODES)
            and transition("order", order_id, ORDER_REVIEWING, actor=actor,
                           reason=RECEIVABLES_RECHECK, expected=ORDER_ON_HOLD)]
    if back:
        REVIEW.nudge(back)
    return back


def cancel_stale_holds(*, actor: str = "sweeper") -> list[int]:
    """Cancel orders on hold longer than the rule set's hold_max_age_days (0: never)."""
    days = current_rule_set().settings.hold_max_age_days
    if days <= 0:
        return []
    cutoff = utc_now() - timedelta(days=days)
    stale = [order.id for order in Order.select(Order.id).where(
        Order.status == ORDER_ON_HOLD, Order.status_changed_at < cutoff).order_by(Order.id).limit(500)]
    reason = f"on hold for more than {days} days without a decision: cancelled automatically"
    return [order_id for order_id in stale if cancel_order(order_id, actor=actor, reason=reason)]


def held_orders(reason_code: str | None = None) -> peewee.ModelSelect:
    """Orders on hold, oldest hold first; with ``reason_code``, only those its latest review held for it."""
    query = Order.select().where(Order.status == ORDER_ON_HOLD).order_by(Order.status_changed_at, Order.id)
    if reason_code:
        query = query.where(Order.id.in_(OrderReview.select(OrderReview.order).where(
            OrderReview.id.in_(newest_review_ids()), OrderReview.codes.contains(f" {reason_code} "))))
    return query


def _why(verb: str, comment: str) -> str:
    return f"{verb}: {comment.strip()}" if comment.strip() else verb
