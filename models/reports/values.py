"""Values as the databases hand them back from report queries: dates (text on SQLite) and money sums (floats on
SQLite), made exact."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

CENT = Decimal("0.01")


def as_date(value) -> date:
    """A DATE() result as a date: SQLite answers text, PostgreSQL a date (a timestamp is cut to its day)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def as_money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(CENT)
