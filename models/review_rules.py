"""Order review rules: pure functions from facts to a decision with every reason that fired."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

APPROVE, HOLD, REJECT = "approve", "hold", "reject"


@dataclass(frozen=True)
class ReviewFacts:
    order_total: Decimal
    credit_limit: Decimal | None  # None: no limit
    outstanding_balance: Decimal
    open_orders_value: Decimal  # this customer's approved orders not yet invoiced, excluding this one
    customer_blocked: bool
    unmatched_skus: tuple[str, ...] = ()  # lines whose SKU is not in the catalogue yet


@dataclass(frozen=True)
class ReviewReason:
    code: str
    message: str


@dataclass(frozen=True)
class ReviewDecision:
    outcome: str
    reasons: tuple[ReviewReason, ...] = ()

    def summary(self) -> str:
        return "; ".join(f"{r.code}: {r.message}" for r in self.reasons) or "all checks passed"


def review_order(facts: ReviewFacts) -> ReviewDecision:
    """Reject a blocked customer; hold an order that takes exposure over the credit limit; else approve."""
    if facts.customer_blocked:
        return ReviewDecision(REJECT, (ReviewReason("customer_blocked", "the customer is blocked"),))
    reasons = tuple(r for r in (_unmatched_skus(facts), _credit_exposure(facts)) if r is not None)
    return ReviewDecision(HOLD if reasons else APPROVE, reasons)


def _unmatched_skus(facts: ReviewFacts) -> ReviewReason | None:
    if not facts.unmatched_skus:
        return None
    return ReviewReason("unknown_sku", f"SKU not in the catalogue: {', '.join(facts.unmatched_skus)}")


def _credit_exposure(facts: ReviewFacts) -> ReviewReason | None:
    if facts.credit_limit is None:
        return None
    exposure = facts.outstanding_balance + facts.open_orders_value + facts.order_total
    if exposure <= facts.credit_limit:
        return None
    return ReviewReason(
        "credit_limit",
        f"exposure {exposure} (outstanding {facts.outstanding_balance} + open orders {facts.open_orders_value}"
        f" + this order {facts.order_total}) exceeds credit limit {facts.credit_limit}",
    )
