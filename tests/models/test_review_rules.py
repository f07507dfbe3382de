from decimal import Decimal

import pytest

from models.review_rules import APPROVE, HOLD, REJECT, ReviewDecision, ReviewFacts, ReviewReason, review_order


def facts(total="100.00", limit="1000.00", outstanding="0", open_orders="0", blocked=False) -> ReviewFacts:
    return ReviewFacts(order_total=Decimal(total), credit_limit=None if limit is None else Decimal(limit),
                       outstanding_balance=Decimal(outstanding), open_orders_value=Decimal(open_orders),
                       customer_blocked=blocked)


@pytest.mark.parametrize("case, expected_outcome, expected_codes", [
    (facts(limit=None, total="999999999.99", outstanding="5000000"), APPROVE, ()),
    (facts(total="1000.00"), APPROVE, ()),
    (facts(total="1000.01"), HOLD, ("credit_limit",)),
    (facts(limit="0", total="0.00"), APPROVE, ()),
    (facts(limit="0", total="0.01"), HOLD, ("credit_limit",)),
    (facts(total="400.00", outstanding="300.00", open_orders="300.00"), APPROVE, ()),
    (facts(total="400.00", outstanding="300.00", open_orders="300.01"), HOLD, ("credit_limit",)),
    (facts(total="400.00", outstanding="600.01"), HOLD, ("credit_limit",)),
    (facts(total="400.00", open_orders="600.01"), HOLD, ("credit_limit",)),
    (facts(total="1.00", blocked=True), REJECT, ("customer_blocked",)),
    (facts(total="5000.00", blocked=True), REJECT, ("customer_blocked",)),
    (facts(limit=None, blocked=True), REJECT, ("customer_blocked",)),
], ids=["no-limit", "at-limit", "one-cent-over", "zero-limit-free-order", "zero-limit-one-cent",
        "outstanding-plus-open-at-limit", "open-orders-push-over", "outstanding-over", "open-orders-over",
        "blocked-under-limit", "blocked-over-limit-only-blocked-reason", "blocked-without-limit"])
def test_review_order(case, expected_outcome, expected_codes):
    decision = review_order(case)
    assert decision.outcome == expected_outcome
    assert tuple(reason.code for reason in decision.reasons) == expected_codes


def test_hold_message_shows_the_arithmetic():
    decision = review_order(facts(total="400.00", outstanding="300.00", open_orders="300.01"))
    assert decision.summary() == ("credit_limit: exposure 1000.01 (outstanding 300.00 + open orders 300.01"
                                  " + this order 400.00) exceeds credit limit 1000.00")


@pytest.mark.parametrize("decision, summary", [
    (ReviewDecision(APPROVE), "all checks passed"),
    (ReviewDecision(REJECT, (ReviewReason("customer_blocked", "the customer is blocked"),)),
     "customer_blocked: the customer is blocked"),
    (ReviewDecision(HOLD, (ReviewReason("a", "first"), ReviewReason("b", "second"))), "a: first; b: second"),
])
def test_summary(decision, summary):
    assert decision.summary() == summary


def test_blocked_summary_from_review():
    assert review_order(facts(blocked=True)).summary() == "customer_blocked: the customer is blocked"


def test_unmatched_sku_holds_the_order_with_the_skus_named():
    from decimal import Decimal

    from models.review_rules import HOLD, ReviewFacts, review_order

    decision = review_order(ReviewFacts(order_total=Decimal("10"), credit_limit=None, outstanding_balance=Decimal("0"),
                                        open_orders_value=Decimal("0"), customer_blocked=False,
                                        unmatched_skus=("TEA-OOL-250", "CUP-CER-6")))
    assert decision.outcome == HOLD
    assert [r.code for r in decision.reasons] == ["unknown_sku"]
    assert "TEA-OOL-250, CUP-CER-6" in decision.reasons[0].message
