"""Converting money at a day's rates: the latest rate on or before the day, the base currency always 1, cross rates
through the base, and a missing rate answered as missing, never guessed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.currency.rules import RateTable, no_rate_message

D = Decimal
MAY1, MAY4, MAY8 = date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 8)
TABLE = RateTable.of("USD", [(MAY4, "EUR", D("0.90")), (MAY1, "EUR", D("0.92")), (MAY1, "GBP", D("0.80")),
                             (MAY8, "JPY", D("150"))])


@pytest.mark.parametrize("currency, day, rate", [
    ("EUR", MAY1, D("0.92")), ("EUR", date(2026, 5, 3), D("0.92")), ("EUR", MAY4, D("0.90")),
    ("EUR", date(2027, 1, 1), D("0.90")), ("EUR", date(2026, 4, 30), None), ("USD", date(1999, 1, 1), D(1)),
    ("HKD", MAY8, None), ("JPY", MAY4, None),
], ids=["on-the-day", "weekend-uses-the-day-before", "newer-replaces", "long-after", "before-the-first", "base",
        "never-set", "only-later"])
def test_the_rate_on_a_day_is_the_latest_on_or_before_it(currency, day, rate):
    assert TABLE.rate_on(currency, day) == rate


def test_converting_to_and_from_the_base_and_across_through_it():
    assert TABLE.convert(D("100.00"), "USD", "EUR", MAY4) == D("90.00")
    assert TABLE.convert(D("90.00"), "EUR", "USD", MAY4) == D("100.00")
    # 100 EUR -> 100 / 0.90 USD -> * 0.80 GBP = 88.888… -> 88.89, rounded once, half-up
    assert TABLE.convert(D("100.00"), "EUR", "GBP", MAY4) == D("88.89")
    assert TABLE.cross_rate("EUR", "GBP", MAY4) == D("0.80") / D("0.90")
    assert TABLE.convert(D("0.005"), "USD", "USD", MAY1) == D("0.01")  # same currency: only rounded, half-up


def test_a_missing_rate_is_none_and_named_never_guessed():
    assert TABLE.convert(D("10.00"), "HKD", "EUR", MAY8) is None
    assert TABLE.convert(D("10.00"), "EUR", "JPY", MAY4) is None
    assert TABLE.missing(["HKD", "EUR", "USD", "JPY"], MAY4) == ["HKD", "JPY"]
    assert no_rate_message("HKD", MAY1) == "no exchange rate for HKD on or before 2026-05-01"


def test_the_converter_of_a_day_is_what_pricing_takes():
    convert = TABLE.converter_on(MAY8)
    assert convert(D("3.00"), "USD", "JPY") == D("450.00")
    assert convert(D("3.00"), "USD", "HKD") is None


def test_a_rate_must_be_positive():
    with pytest.raises(ValueError, match="rate of EUR on 2026-05-01: must be more than 0"):
        RateTable.of("USD", [(MAY1, "EUR", D("0"))])


rates = st.decimals(min_value=D("0.0001"), max_value=D("20000"), places=8)
amounts = st.decimals(min_value=D("0"), max_value=D("10000000"), places=2)


@given(amount=amounts, there=rates, back=rates)
def test_there_and_back_again_is_the_amount_within_rounding(amount, there, back):
    table = RateTable.of("USD", [(MAY1, "EUR", there), (MAY1, "JPY", back)])
    converted = table.convert(amount, "EUR", "JPY", MAY1)
    returned = table.convert(converted, "JPY", "EUR", MAY1)
    # two roundings to the cent: the first is worth at most half a cent of JPY, carried back at the JPY->EUR rate
    assert abs(returned - amount) <= D("0.005") * there / back + D("0.005")


@given(amount=amounts, rate=rates)
def test_the_base_currency_converts_at_exactly_the_rate(amount, rate):
    table = RateTable.of("USD", [(MAY1, "EUR", rate)])
    assert table.convert(amount, "USD", "EUR", MAY1) == (amount * rate).quantize(D("0.01"), rounding="ROUND_HALF_UP")
