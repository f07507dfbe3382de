"""The returns report's pure rules: return rate, average rating, refund values per currency, ranking."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models.reports.returns_rules import (
    average_rating,
    figures,
    ranked,
    refund_values,
    return_rate,
)


@pytest.mark.parametrize(("returned", "shipped", "rate"), [
    (4, 6, Decimal("0.6667")), (0, 5, Decimal("0.0000")), (3, 0, None), (3, None, None), (7, 7, Decimal("1.0000")),
])
def test_return_rate(returned, shipped, rate):
    assert return_rate(returned, shipped) == rate


@pytest.mark.parametrize(("total", "count", "average"), [
    (10, 4, Decimal("2.50")), (Decimal("11"), 3, Decimal("3.67")), (3.0, 1, Decimal("3.00")), (None, 0, None),
])
def test_average_rating(total, count, average):
    assert average_rating(total, count) == average


def test_refund_values_keep_currencies_apart():
    values = refund_values([("damaged", "USD", Decimal("20.00")), ("damaged", "EUR", 5.5),
                            ("damaged", "USD", Decimal("6")), ("other", "USD", None)])
    assert values == {"damaged": {"USD": Decimal("26.00"), "EUR": Decimal("5.50")}, "other": {"USD": Decimal("0.00")}}
    row = figures("damaged", name="", returns=2, units=6, refund_value=values["damaged"], units_shipped=None,
                  ratings=0, rating_total=None)
    assert row.refund_text == "EUR 5.50; USD 26.00"
    assert row.return_rate is None and row.average_rating is None


def test_most_units_first_then_by_key():
    rows = [figures(key, name="", returns=1, units=units, refund_value={}, units_shipped=10, ratings=0,
                    rating_total=None) for key, units in (("B", 2), ("A", 2), ("C", 5))]
    assert [row.key for row in ranked(rows)] == ["C", "A", "B"]
