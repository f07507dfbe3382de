"""Tax rates by class and destination, and the tax in a line: pure, no database."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.pricing.tax_rules import TaxRate, line_tax, order_total, rate_for

DAY = date(2026, 6, 1)
RATES = (
    TaxRate("standard", "GB", "", Decimal("0.2"), name="VAT standard"),
    TaxRate("standard", "US", "", Decimal("0.05"), name="federal"),
    TaxRate("standard", "US", "CA", Decimal("0.0725"), name="CA sales tax"),
    TaxRate("standard", "DE", "", Decimal("0.16"), valid_from=date(2020, 7, 1), name="MwSt"),
    TaxRate("standard", "DE", "", Decimal("0.19"), valid_from=date(2021, 1, 1), name="MwSt"),
    TaxRate("reduced", "GB", "", Decimal("0.05"), name="VAT reduced"),
)


@pytest.mark.parametrize("tax_class, country, region, day, rate, words", [
    ("standard", "GB", "ENG", DAY, "0.2", "VAT standard GB: 20 %"),  # the country's rate covers its regions
    ("reduced", "gb", "", DAY, "0.05", "VAT reduced GB: 5 %"),
    ("standard", "US", "CA", DAY, "0.0725", "CA sales tax US-CA: 7.25 %"),  # the region's own rate wins
    ("standard", "US", "NY", DAY, "0.05", "federal US: 5 %"),
    ("standard", "DE", "", date(2020, 12, 31), "0.16", "MwSt DE: 16 %"),  # the newest in force that day
    ("standard", "DE", "", DAY, "0.19", "MwSt DE: 19 %"),
])
def test_the_most_specific_rate_in_force_wins(tax_class, country, region, day, rate, words):
    found = rate_for(RATES, tax_class, country, region, day)
    assert (found.rate, found.explanation, found.found) == (Decimal(rate), words, True)


@pytest.mark.parametrize("tax_class, country, region, day, words", [
    ("zero", "GB", "", DAY, "no tax rate for zero goods to GB"),
    ("standard", "FR", "IDF", DAY, "no tax rate for standard goods to FR-IDF"),
    ("standard", "DE", "", date(2019, 1, 1), "no tax rate for standard goods to DE"),  # before any was in force
])
def test_no_rate_is_zero_said_in_words(tax_class, country, region, day, words):
    found = rate_for(RATES, tax_class, country, region, day)
    assert (found.rate, found.explanation, found.found) == (Decimal(0), words, False)


@pytest.mark.parametrize("amount, rate, included, tax", [
    ("100.00", "0.2", False, "20.00"),
    ("0.05", "0.1", False, "0.01"),  # 0.005 rounds half up
    ("120.00", "0.2", True, "20.00"),
    ("10.00", "0.0725", True, "0.68"),  # 10 - 10 / 1.0725 = 0.676
    ("99.99", "0", False, "0.00"),
])
def test_line_tax_on_top_of_net_or_inside_gross(amount, rate, included, tax):
    assert line_tax(Decimal(amount), Decimal(rate), included=included) == Decimal(tax)


def test_the_total_adds_tax_only_to_net_prices():
    assert order_total(Decimal("100.00"), Decimal("5.00"), Decimal("20.00"), included=False) == Decimal("125.00")
    assert order_total(Decimal("120.00"), Decimal("5.00"), Decimal("20.00"), included=True) == Decimal("125.00")


@pytest.mark.parametrize("rate", ["1", "-0.1", "0.12345"])
def test_a_rate_is_a_fraction_with_four_decimals(rate):
    with pytest.raises(ValueError, match="rate"):
        TaxRate("standard", "GB", "", Decimal(rate))


@given(st.decimals(min_value=0, max_value=100000, places=2), st.decimals(min_value=0, max_value="0.5", places=4))
def test_gross_tax_and_net_tax_agree_within_a_cent(net, rate):
    tax = line_tax(net, rate, included=False)
    gross = net + tax
    assert abs(line_tax(gross, rate, included=True) - tax) <= Decimal("0.01")
    assert Decimal(0) <= tax <= net
