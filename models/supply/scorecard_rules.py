"""The supplier scorecard's arithmetic: rates, averages and medians as exact decimals, calendar months, and
the ranking order of suppliers by a measure. Pure: standard library only."""
from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

RATE_PLACES = Decimal("0.0001")  # rates are fractions of 1: 0.9512 is 95.12 %
DURATION_PLACES = Decimal("0.1")  # lead days and confirmation hours
TREND_MONTHS = 12

# Every measure a ranking can sort on, and whether a higher value is the worse one.
HIGHER_IS_WORSE = {
    "on_time_rate": False,
    "fill_rate": False,
    "defect_rate": True,
    "promised_lead_days": True,
    "actual_lead_days": True,
    "confirmation_hours": True,
    "late_lines": True,
    "defective_rate": True,
}
DEFAULT_RANKING = "on_time_rate"

T = TypeVar("T")
Number = int | float | Decimal


def rate(part: int, whole: int) -> Decimal | None:
    """``part`` ÷ ``whole`` to four places; None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def mean(values: Iterable[Number]) -> Decimal | None:
    """The average to one place; None for no values."""
    numbers = [Decimal(value) for value in values]
    if not numbers:
        return None
    return (sum(numbers) / len(numbers)).quantize(DURATION_PLACES, rounding=ROUND_HALF_UP)


def median(values: Iterable[Number]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count) to one place; None for none."""
    numbers = [Decimal(value) for value in values]
    if not numbers:
        return None
    return Decimal(statistics.median(numbers)).quantize(DURATION_PLACES, rounding=ROUND_HALF_UP)


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Hours from ``start`` to ``end``, exactly (a fraction for minutes)."""
    delta = end - start
    return (Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000) / 3600


def days_between(start: date | datetime, end: date | datetime) -> int:
    """Calendar days from ``start``'s date to ``end``'s date (negative when ``end`` is earlier)."""
    return (as_date(end) - as_date(start)).days


def as_date(value: date | datetime | str) -> date:
    """The calendar date of a date, a datetime, or an ISO text such as a database returns for DATE(x)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def month_start(value: date | datetime | str) -> date:
    """The first day of the month holding ``value``."""
    return as_date(value).replace(day=1)


def trailing_months(today: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the ``count`` months ending with ``today``'s, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def month_label(month: date) -> str:
    """``2026-03`` for any day of March 2026."""
    return f"{month.year:04d}-{month.month:02d}"


def totals_by_month(rows: Iterable[tuple[date | datetime | str, int, int]],
                    months: Sequence[date]) -> dict[date, tuple[int, int]]:
    """Sum (day, part, whole) rows into each of ``months`` (first days); rows of other months are left out."""
    totals = {month: (0, 0) for month in months}
    for day, part, whole in rows:
        month = month_start(day)
        if month in totals:
            done, of = totals[month]
            totals[month] = (done + int(part or 0), of + int(whole or 0))
    return totals


def rank(items: Iterable[T], value: Callable[[T], Number | None], *, higher_is_worse: bool,
         worst_first: bool = True) -> list[T]:
    """``items`` ordered by ``value``, the worst first (or the best first); items without a value go last
    either way, and equal values keep their given order."""
    items = list(items)
    known = [item for item in items if value(item) is not None]
    unknown = [item for item in items if value(item) is None]
    descending = higher_is_worse == worst_first
    return sorted(known, key=value, reverse=descending) + unknown  # sorted() is stable, reversed too
