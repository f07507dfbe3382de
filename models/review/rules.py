"""Order review: pure rules from an order's facts to approve, hold or reject with every reason that fired."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from models.review.settings import (
    DEFAULT_SETTINGS,
    RULE_CODES,
    CreditOverride,
    RuleSettings,
    money_text,
)

__all__ = [
    "APPROVE",
    "CREDIT_HOLD_CODES",
    "CREDIT_ROLES",
    "DEFAULT_SETTINGS",
    "HOLD",
    "HOLD_DECIDERS",
    "REJECT",
    "RULE_CODES",
    "CreditOverride",
    "LineFacts",
    "RecentOrder",
    "ReviewDecision",
    "ReviewFacts",
    "ReviewReason",
    "RuleSettings",
    "may_release",
    "review_order",
]

APPROVE, HOLD, REJECT = "approve", "hold", "reject"
CREDIT_ROLES = ("credit_controller", "ops_admin")  # may release credit-type holds
HOLD_DECIDERS = ("ops_admin", "ops_agent", "credit_controller")  # may release the other holds
CREDIT_HOLD_CODES = frozenset({"credit_limit", "overdue", "amount_senior"})  # need CREDIT_ROLES to release
_REJECT_CODES = frozenset({"customer_blocked"})


@dataclass(frozen=True)
class LineFacts:
    line_no: int
    sku: str
    quantity: int
    matched: bool  # the SKU is in the catalogue
    fillable: int | None  # units all warehouses + incoming could ever supply; None = unlimited (drop-ship)
    backorder_allowed: bool


@dataclass(frozen=True)
class RecentOrder:
    order_id: int
    external_ref: str
    placed_at: datetime
    lines: frozenset[tuple[str, int]]  # (sku, quantity) pairs
    intake_scope: str = ""  # who submitted it (models.intake.rules): a reference repeats only within one scope


@dataclass(frozen=True)
class ReviewFacts:
    order_id: int
    external_ref: str
    placed_at: datetime
    order_total: Decimal
    currency: str
    customer_code: str
    customer_blocked: bool
    credit_limit: Decimal | None  # None: no limit
    outstanding_balance: Decimal  # open receivables
    open_orders_value: Decimal  # this customer's approved, not yet invoiced orders, excluding this one
    oldest_overdue_days: int  # of the oldest unpaid invoice; 0 when none is past due
    overdue_amount: Decimal
    customer_allows_backorders: bool
    lines: tuple[LineFacts, ...]
    ship_to_missing: tuple[str, ...]  # required ship-to fields that are empty
    ship_to_region: str
    region_served: bool  # some warehouse lane serves ship_to_region
    recent_orders: tuple[RecentOrder, ...] = ()  # the customer's other live orders placed around this one
    now: datetime | None = None  # for override expiry; None means placed_at
    intake_scope: str = ""  # who submitted this order


@dataclass(frozen=True)
class ReviewReason:
    code: str
    message: str  # one plain sentence for ops, numbers included
    numbers: Mapping[str, str] = field(default_factory=dict)  # the figures behind the message
    release_roles: tuple[str, ...] = HOLD_DECIDERS

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))
        object.__setattr__(self, "release_roles", tuple(self.release_roles))

    def as_document(self) -> dict:
        return {"code": self.code, "message": self.message, "numbers": dict(self.numbers),
                "release_roles": list(self.release_roles)}


@dataclass(frozen=True)
class ReviewDecision:
    outcome: str
    reasons: tuple[ReviewReason, ...] = ()

    def summary(self) -> str:
        return "; ".join(f"{r.code}: {r.message}" for r in self.reasons) or "all checks passed"

    @property
    def release_roles(self) -> tuple[str, ...]:
        """The roles allowed to release every reason at once."""
        return tuple(role for role in HOLD_DECIDERS if all(role in r.release_roles for r in self.reasons))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def as_document(self) -> dict:
        return {"outcome": self.outcome, "reasons": [r.as_document() for r in self.reasons],
                "release_roles": list(self.release_roles)}


def review_order(facts: ReviewFacts, settings: RuleSettings = DEFAULT_SETTINGS) -> ReviewDecision:
    """Run every enabled rule; reject if a reject reason fired, hold if any reason fired, else approve."""
    reasons = tuple(reason for name, rule in _RULES if name in settings.enabled
                    if (reason := rule(facts, settings)) is not None)
    if any(reason.code in _REJECT_CODES for reason in reasons):
        return ReviewDecision(REJECT, reasons)
    return ReviewDecision(HOLD if reasons else APPROVE, reasons)


def may_release(decision_codes: Iterable[str], role: str) -> bool:
    """Whether `role` may release an order held for all of these reason codes."""
    return all(role in _release_roles(code) for code in decision_codes) and role in HOLD_DECIDERS


def _release_roles(code: str) -> tuple[str, ...]:
    return CREDIT_ROLES if code in CREDIT_HOLD_CODES else HOLD_DECIDERS


def _clock(facts: ReviewFacts) -> datetime:
    return facts.placed_at if facts.now is None else facts.now


def _reason(code: str, message: str, numbers: Mapping[str, str] | None = None) -> ReviewReason:
    return ReviewReason(code, message, numbers or {}, _release_roles(code))


def _customer_blocked(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    if not facts.customer_blocked:
        return None
    return _reason("customer_blocked", f"customer {facts.customer_code} is blocked")


def _credit_limit(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    override = settings.override_for(facts.customer_code, _clock(facts))
    if override is not None and override.bypass:
        return None
    temporary = override is not None and override.temporary_limit is not None
    limit = override.temporary_limit if temporary else facts.credit_limit
    if limit is None:
        return None
    exposure = facts.outstanding_balance + facts.open_orders_value + facts.order_total
    if exposure <= limit:
        return None
    numbers = {"exposure": money_text(exposure), "outstanding": money_text(facts.outstanding_balance),
               "open_orders": money_text(facts.open_orders_value), "order_total": money_text(facts.order_total),
               "limit": money_text(limit), "over_by": money_text(exposure - limit)}
    which = f"the credit limit {numbers['limit']}"
    if temporary:
        which = f"the temporary limit {numbers['limit']}{_until(override)}"
    return _reason("credit_limit", f"exposure {numbers['exposure']} (outstanding {numbers['outstanding']}"
                                   f" + open orders {numbers['open_orders']} + this order {numbers['order_total']})"
                                   f" exceeds {which} by {numbers['over_by']}", numbers)


def _until(override: CreditOverride) -> str:
    if override.expires_at is None:
        return ""
    return f" until {override.expires_at.isoformat(sep=' ', timespec='minutes')} UTC"


def _overdue(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    override = settings.override_for(facts.customer_code, _clock(facts))
    if override is not None and override.bypass:
        return None
    if facts.oldest_overdue_days <= settings.overdue_grace_days:
        return None
    numbers = {"overdue_amount": money_text(facts.overdue_amount), "days_past_due": str(facts.oldest_overdue_days),
               "grace_days": str(settings.overdue_grace_days)}
    return _reason("overdue", f"the oldest unpaid invoice is {facts.oldest_overdue_days} days past due, more than"
                              f" the {settings.overdue_grace_days} days allowed; {numbers['overdue_amount']} is overdue",
                   numbers)


def _amount(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    for code, threshold, label in (("amount_senior", settings.amount_senior_threshold, "senior review threshold"),
                                   ("amount", settings.amount_hold_threshold, "review threshold")):
        if threshold is not None and facts.order_total > threshold:
            numbers = {"order_total": money_text(facts.order_total), "threshold": money_text(threshold)}
            return _reason(code, f"order total {numbers['order_total']} is above the {label}"
                                 f" {numbers['threshold']}", numbers)
    return None


def _stock(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    # a backorder is only acceptable when both the customer and the SKU accept waiting for stock
    short = [line for line in facts.lines
             if line.matched and line.fillable is not None and line.fillable < line.quantity
             and not (facts.customer_allows_backorders and line.backorder_allowed)]
    if not short:
        return None
    parts, numbers = [], {}
    for line in short:
        shortfall = line.quantity - line.fillable
        parts.append(f"line {line.line_no} {line.sku}: {line.quantity} ordered,"
                     f" at most {line.fillable} can be supplied, short {shortfall}")
        numbers.update({f"line_{line.line_no}_ordered": str(line.quantity),
                        f"line_{line.line_no}_fillable": str(line.fillable),
                        f"line_{line.line_no}_shortfall": str(shortfall)})
    return _reason("stock", "not enough stock for " + "; ".join(parts), numbers)


def _ship_to(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    if facts.ship_to_missing:
        return _reason("ship_to_incomplete", f"the ship-to address is missing {', '.join(facts.ship_to_missing)}")
    if not facts.region_served:
        return _reason("ship_to_undeliverable", f"no warehouse ships to region {facts.ship_to_region}")
    return None


def _duplicate(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    lines = frozenset((line.sku, line.quantity) for line in facts.lines)
    window = timedelta(minutes=settings.duplicate_window_minutes)
    # A repeated external_ref from the same submitter is a resend, which intake answers with the existing order;
    # the same reference from another submitter (ops keying what the distributor also sent) is a twin.
    twins = sorted((r for r in facts.recent_orders
                    if r.order_id != facts.order_id
                    and (r.external_ref, r.intake_scope) != (facts.external_ref, facts.intake_scope)
                    and r.lines == lines and abs(r.placed_at - facts.placed_at) <= window),
                   key=lambda r: (r.placed_at, r.order_id))
    if not twins:
        return None
    named = ", ".join(f"order {r.order_id} ({r.external_ref})" for r in twins)
    numbers = {"window_minutes": str(settings.duplicate_window_minutes),
               "duplicate_of": ", ".join(str(r.order_id) for r in twins)}
    return _reason("suspected_duplicate", f"the same lines as {named}, placed within"
                                          f" {settings.duplicate_window_minutes} minutes of this order", numbers)


def _unknown_sku(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    skus = list(dict.fromkeys(line.sku for line in facts.lines if not line.matched))
    if not skus:
        return None
    return _reason("unknown_sku", f"SKU not in the catalogue: {', '.join(skus)}")


_RULES: tuple[tuple[str, Callable[[ReviewFacts, RuleSettings], ReviewReason | None]], ...] = (
    ("customer_blocked", _customer_blocked),
    ("credit_limit", _credit_limit),
    ("overdue", _overdue),
    ("amount", _amount),
    ("stock", _stock),
    ("ship_to", _ship_to),
    ("duplicate", _duplicate),
    ("unknown_sku", _unknown_sku),
)
