"""The review rule `price`: a given price below the lowest the price book allows holds with the figures. Pure."""
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from models.pricing.rules import PriceResolution
from models.review.rules import (
    APPROVE,
    DEFAULT_SETTINGS,
    HOLD,
    LineFacts,
    LinePriceFacts,
    ReviewFacts,
    RuleSettings,
    may_release,
    review_order,
)

BASE = ReviewFacts(
    order_id=1, external_ref="PO-1", placed_at=datetime(2026, 6, 1, 9), order_total=Decimal("0.01"), currency="USD",
    customer_code="DST-EAST", customer_blocked=False, credit_limit=None, outstanding_balance=Decimal(0),
    open_orders_value=Decimal(0), oldest_overdue_days=0, overdue_amount=Decimal(0), customer_allows_backorders=True,
    lines=(LineFacts(1, "SKU-A", 1, True, None, True),), ship_to_missing=(), ship_to_region="R1", region_served=True,
)
CATALOGUE = PriceResolution(Decimal("208.73"), "USD", "product", "SKU-A", "catalogue price of SKU-A: 208.73")


def priced(given: str | None, resolution: PriceResolution | None = CATALOGUE, **settings) -> tuple:
    line = LinePriceFacts(1, "SKU-A", None if given is None else Decimal(given), resolution, "USD")
    decision = review_order(replace(BASE, price_lines=(line,)), replace(DEFAULT_SETTINGS, **settings))
    return decision


def test_a_price_below_the_resolved_one_holds_with_the_figures():
    decision = priced("0.01")
    assert (decision.outcome, decision.codes) == (HOLD, ("price",))
    reason = decision.reasons[0]
    assert reason.message == ("line 1 SKU-A: given 0.01, resolved 208.73 (catalogue price of SKU-A: 208.73),"
                              " lowest allowed 208.73")
    assert dict(reason.numbers) == {"line_1_sku": "SKU-A", "line_1_given": "0.01", "line_1_resolved": "208.73",
                                    "line_1_allowed_minimum": "208.73",
                                    "line_1_explanation": "catalogue price of SKU-A: 208.73"}
    assert reason.release_roles == ("sales_manager", "ops_admin")


@pytest.mark.parametrize("given", ["208.73", "300.00"])
def test_a_price_at_or_above_the_resolved_one_passes(given):
    assert priced(given).outcome == APPROVE


def test_no_given_price_takes_the_resolved_one_without_a_hold():
    assert priced(None).outcome == APPROVE


def test_no_given_price_and_nothing_to_resolve_holds():
    decision = priced(None, None)
    assert decision.codes == ("price",)
    assert decision.reasons[0].message == "line 1 SKU-A: no price given and no price for SKU-A in USD"


@pytest.mark.parametrize("tolerance, given, outcome", [
    ("10", "187.86", APPROVE), ("10", "187.85", HOLD),  # 208.73 × 0.9 = 187.857 → 187.86
    ("0", "208.72", HOLD),
])
def test_the_rule_set_tolerance(tolerance, given, outcome):
    assert priced(given, price_tolerance_percent=Decimal(tolerance)).outcome == outcome


def test_a_list_tolerance_overrides_the_rule_set():
    generous = replace(CATALOGUE, tolerance_percent=Decimal("50"))
    strict = replace(CATALOGUE, tolerance_percent=Decimal("0"))
    assert priced("110.00", generous, price_tolerance_percent=Decimal("1")).outcome == APPROVE
    decision = priced("207.00", strict, price_tolerance_percent=Decimal("5"))
    assert decision.outcome == HOLD and decision.reasons[0].numbers["line_1_allowed_minimum"] == "208.73"


def test_the_price_rule_can_be_switched_off():
    assert priced("0.01", enabled=DEFAULT_SETTINGS.enabled - {"price"}).outcome == APPROVE


@pytest.mark.parametrize("role, allowed", [
    ("sales_manager", True), ("ops_admin", True), ("ops_agent", False), ("credit_controller", False),
])
def test_only_pricing_authority_may_release_a_price_hold(role, allowed):
    assert may_release(("price",), role) is allowed


def test_a_sales_manager_decides_price_holds_only():
    assert not may_release(("stock",), "sales_manager")
    assert not may_release(("price", "credit_limit"), "sales_manager")
    assert may_release(("price", "stock"), "ops_admin")


@pytest.mark.parametrize("value", ["-1", "101", None])
def test_the_tolerance_setting_is_a_percentage(value):
    with pytest.raises(ValueError, match="price_tolerance_percent"):
        RuleSettings.from_document({"price_tolerance_percent": value})


def test_the_tolerance_setting_round_trips():
    settings = replace(DEFAULT_SETTINGS, price_tolerance_percent=Decimal("2.5"))
    assert RuleSettings.from_document(settings.to_document()) == settings
