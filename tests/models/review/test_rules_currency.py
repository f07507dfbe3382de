"""The credit rules across currencies, pure: the limit weighed in the customer's currency with the order converted,
a missing rate holding for exchange_rate, a distributor's group cap, and overrides on either."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from models.currency.rules import RateTable
from models.review.exposure_rules import Exposure, convert_exposure
from models.review.rules import (
    CREDIT_ROLES,
    CreditOverride,
    GroupCreditFacts,
    may_release,
    review_order,
)
from tests.models.review.test_rules import BASE, settings

D = Decimal
DAY = date(2024, 5, 6)
TABLE = RateTable.of("USD", [(date(2024, 5, 1), "EUR", D("0.90")), (date(2024, 5, 1), "GBP", D("0.80"))])


def test_the_limit_is_weighed_with_the_order_in_the_customers_currency():
    # a 1000.00 EUR order for a GBP customer: 888.89 GBP
    exposure, order_total = convert_exposure(Exposure({"USD": D("100.00")}), TABLE, "GBP", DAY, {"EUR": D("1000")})
    assert (exposure.outstanding, order_total, dict(exposure.rates)) == (
        D("80.00"), D("888.89"), {"EUR": "0.90", "GBP": "0.80"})
    facts = replace(BASE, credit_limit=D("968.88"), credit_currency="GBP", outstanding_balance=exposure.outstanding,
                    order_total_in_credit_currency=order_total, base_currency="USD", exchange_rates=exposure.rates)
    reason = review_order(facts).reasons[0]
    assert reason.message == ("exposure 968.89 GBP (outstanding 80.00 + open orders 0.00 + this order 888.89) exceeds"
                              " the credit limit 968.88 GBP by 0.01 GBP; at EUR 0.90, GBP 0.80 per USD")
    assert (reason.numbers["rate_EUR"], reason.numbers["base_currency"]) == ("0.90", "USD")
    assert review_order(replace(facts, credit_limit=D("968.89"))).codes == ()


def test_a_missing_rate_holds_for_exchange_rate_only_when_a_limit_needs_it():
    exposure, order_total = convert_exposure(Exposure({"HKD": D("5")}), TABLE, "EUR", DAY, {"EUR": D("10")})
    assert exposure.missing == ("no exchange rate for HKD on or before 2024-05-06",)
    facts = replace(BASE, credit_currency="EUR", missing_rates=exposure.missing)
    decision = review_order(facts)
    assert decision.codes == ("exchange_rate",)
    assert decision.reasons[0].message == ("no exchange rate for HKD on or before 2024-05-06: the exposure of ACME in"
                                           " EUR cannot be checked against its limit")
    assert decision.reasons[0].release_roles == CREDIT_ROLES and not may_release(["exchange_rate"], "ops_agent")
    assert review_order(replace(facts, credit_limit=None)).codes == ()
    bypass = settings(overrides={"ACME": CreditOverride(bypass=True)})
    assert review_order(facts, bypass).codes == ()


def test_nothing_in_another_currency_needs_no_rate():
    exposure, order_total = convert_exposure(Exposure({"HKD": D("5")}, {"HKD": D("1")}), TABLE, "HKD", DAY,
                                             {"HKD": D("10")})
    assert (exposure.total, order_total, exposure.missing, dict(exposure.rates)) == (D("6.00"), D("10.00"), (), {})


GROUP = GroupCreditFacts(distributor_code="DST", limit=D("500.00"), currency="EUR", exposure=D("400.00"),
                         order_total=D("100.01"), rates={"EUR": "0.90"})


@pytest.mark.parametrize("order_total, codes", [("100.00", ()), ("100.01", ("distributor_limit",))])
def test_a_distributor_group_over_its_cap_holds(order_total, codes):
    facts = replace(BASE, credit_limit=None, group=replace(GROUP, order_total=D(order_total)), base_currency="USD")
    decision = review_order(facts)
    assert decision.codes == codes
    if codes:
        assert decision.reasons[0].message == (
            "exposure 500.01 EUR of distributor DST and the customers it serves (400.00 + this order 100.01)"
            " exceeds the group credit limit 500.00 EUR by 0.01 EUR; at EUR 0.90 per USD")
        assert decision.reasons[0].release_roles == CREDIT_ROLES


def test_a_group_without_a_rate_holds_for_exchange_rate_and_a_bypass_of_the_distributor_skips_it():
    missing = replace(GROUP, order_total=None, missing_rates=("no exchange rate for HKD on or before 2024-05-06",))
    facts = replace(BASE, credit_limit=None, group=missing)
    assert review_order(facts).codes == ("exchange_rate",)
    assert "group exposure of distributor DST in EUR" in review_order(facts).reasons[0].message
    bypass = settings(overrides={"DST": CreditOverride(bypass=True)})
    assert review_order(facts, bypass).codes == ()
    assert review_order(replace(facts, group=GROUP), bypass).codes == ()
