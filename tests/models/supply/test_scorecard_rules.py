"""The scorecard's pure arithmetic: rates, averages, medians, durations, months and ranking order."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.supply.scorecard_rules import (
    HIGHER_IS_WORSE,
    as_date,
    days_between,
    hours_between,
    mean,
    median,
    month_label,
    month_start,
    rank,
    rate,
    totals_by_month,
    trailing_months,
)


@pytest.mark.parametrize(("part", "whole", "expected"), [
    (0, 0, None), (5, 0, None), (0, 7, Decimal("0")), (7, 7, Decimal("1")), (1, 3, Decimal("0.3333")),
    (2, 3, Decimal("0.6667")), (1, 8, Decimal("0.125")), (1, 20000, Decimal("0.0001")), (1, 30000, Decimal("0")),
])
def test_rate_is_a_four_place_decimal_or_none(part, whole, expected):
    assert rate(part, whole) == expected
    if expected is not None:
        assert isinstance(rate(part, whole), Decimal)


@given(st.integers(min_value=1, max_value=10**9), st.data())
def test_a_part_of_a_whole_rates_within_half_a_place_of_the_fraction(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    value = rate(part, whole)
    assert Decimal("0") <= value <= Decimal("1")
    assert abs(value - Decimal(part) / Decimal(whole)) <= Decimal("0.00005")


def test_mean_and_median_round_to_one_place():
    assert mean([]) is None and median([]) is None
    assert mean([7, 7, 10]) == Decimal("8.0")
    assert mean([1, 2]) == Decimal("1.5")
    assert mean([Decimal("0.05")]) == Decimal("0.1")  # half up
    assert median([10, 2, 4]) == Decimal("4.0")
    assert median([Decimal("1.5"), 2, 4, 10]) == Decimal("3.0")  # the mean of the middle two
    assert median([Decimal("2.25")]) == Decimal("2.3")


def test_hours_and_days_between():
    sent = datetime(2026, 3, 1, 22, 30)
    assert hours_between(sent, datetime(2026, 3, 2, 1, 0)) == Decimal("2.5")
    assert hours_between(sent, sent) == 0
    assert hours_between(sent, datetime(2026, 3, 1, 22, 31)) * 60 == 1
    # calendar days, whatever the hour: sent late on the 1st, promised for the 8th
    assert days_between(sent, date(2026, 3, 8)) == 7
    assert days_between(sent, datetime(2026, 3, 2, 0, 5)) == 1
    assert days_between(sent, date(2026, 2, 28)) == -1


@pytest.mark.parametrize("value", [date(2026, 3, 17), datetime(2026, 3, 17, 23, 59), "2026-03-17",
                                   "2026-03-17 08:00:00"])
def test_a_day_from_a_database_in_any_shape(value):
    assert as_date(value) == date(2026, 3, 17)
    assert month_start(value) == date(2026, 3, 1)


def test_trailing_months_end_with_the_current_month_across_a_year():
    months = trailing_months(date(2026, 2, 28))
    assert len(months) == 12
    assert months[0] == date(2025, 3, 1) and months[-1] == date(2026, 2, 1)
    assert [month_label(m) for m in months[8:]] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert trailing_months(date(2026, 1, 1), 3) == [date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1)]


def test_totals_by_month_sum_days_into_their_month_and_leave_others_out():
    months = [date(2026, 4, 1), date(2026, 5, 1)]
    rows = [("2026-04-02", 3, 4), (date(2026, 4, 30), 1, 6), (datetime(2026, 5, 1, 0, 0), 0, 2),
            ("2026-03-31", 9, 9), ("2026-06-01", 9, 9), ("2026-05-09", None, None)]

    assert totals_by_month(rows, months) == {date(2026, 4, 1): (4, 10), date(2026, 5, 1): (0, 2)}
    assert totals_by_month([], months) == {date(2026, 4, 1): (0, 0), date(2026, 5, 1): (0, 0)}


def test_rank_orders_the_worst_first_and_unknown_values_last():
    values = {"A": Decimal("0.9"), "B": None, "C": Decimal("0.5"), "D": Decimal("0.9"), "E": Decimal("1")}

    def value(code):
        return values[code]

    assert rank(values, value, higher_is_worse=False) == ["C", "A", "D", "E", "B"]
    assert rank(values, value, higher_is_worse=False, worst_first=False) == ["E", "A", "D", "C", "B"]
    assert rank(values, value, higher_is_worse=True) == ["E", "A", "D", "C", "B"]
    assert rank(values, value, higher_is_worse=True, worst_first=False) == ["C", "A", "D", "E", "B"]
    assert rank([], value, higher_is_worse=True) == []


def test_every_rate_where_more_is_better_ranks_lowest_first():
    assert HIGHER_IS_WORSE["on_time_rate"] is False and HIGHER_IS_WORSE["fill_rate"] is False
    assert HIGHER_IS_WORSE["defect_rate"] is True and HIGHER_IS_WORSE["confirmation_hours"] is True
