from datetime import date

import pytest

from models.core.errors import ValidationFailed
from models.reports.periods import (
    DateRange,
    parse_group,
    parse_range,
    period_label,
    period_start,
    periods,
)

TODAY = date(2026, 12, 2)


def test_a_range_defaults_to_the_last_thirty_days_up_to_today():
    assert parse_range(None, None, today=TODAY) == DateRange(date(2026, 11, 3), TODAY)


def test_the_previous_range_has_the_same_length_and_ends_the_day_before():
    span = DateRange(date(2026, 11, 1), date(2026, 11, 30))
    assert span.previous() == DateRange(date(2026, 10, 2), date(2026, 10, 31))
    assert span.previous().days == span.days == 30


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-13-01", None, "from"), (None, "yesterday", "to"), ("2026-12-02", "2026-12-01", "from"),
    ("1990-01-01", "2026-01-01", "from"),
])
def test_a_bad_range_names_the_parameter(start, end, field):
    with pytest.raises(ValidationFailed) as raised:
        parse_range(start, end, today=TODAY)
    assert list(raised.value.messages) == [field]


def test_weeks_start_on_monday_and_months_on_the_first():
    assert period_start(date(2026, 12, 2), "week") == date(2026, 11, 30)
    assert period_start(date(2026, 12, 2), "month") == date(2026, 12, 1)
    assert period_label(date(2026, 11, 30), "week") == "2026-W49"
    assert period_label(date(2026, 12, 1), "month") == "2026-12"


def test_periods_cover_the_range_across_a_year_end():
    span = DateRange(date(2026, 11, 15), date(2027, 1, 10))
    assert periods(span, "month") == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    assert periods(DateRange(TODAY, TODAY), "day") == [TODAY]


def test_an_unknown_group_is_refused_by_name():
    assert parse_group(None) == "day"
    with pytest.raises(ValidationFailed) as raised:
        parse_group("year")
    assert "group" in raised.value.messages
