"""The supplier scorecard's trend: on-time and fill rate per calendar month over the last twelve, for one
supplier or all of them together. Two grouped queries (by day), summed into months in Python."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from models.core.base import utc_now
from models.supply import scorecard_queries as queries
from models.supply.scorecard_rules import (
    TREND_MONTHS,
    month_label,
    rate,
    totals_by_month,
    trailing_months,
)


@dataclass(frozen=True)
class MonthScore:
    month: date  # its first day
    on_time_rate: Decimal | None  # as in scorecard: units received by their due date ÷ units received dated
    fill_rate: Decimal | None  # good units received ÷ units ordered on lines due that month, once settled
    units_dated: int
    units_ordered: int

    @property
    def label(self) -> str:
        return month_label(self.month)


def monthly_trend(*, supplier_id: int | None = None, now: datetime | None = None,
                  months: int = TREND_MONTHS) -> list[MonthScore]:
    """One MonthScore per month, oldest first, ending with the current month; ``supplier_id`` None sums up
    every supplier. Receipts count in the month they came, fill in the month the line was due."""
    now = now or utc_now()
    calendar = trailing_months(now.date(), months)
    since = datetime.combine(calendar[0], datetime.min.time())
    on_time = totals_by_month(queries.on_time_by_day(since, supplier_id), calendar)
    filled = totals_by_month(queries.fill_by_day(since, now.date(), supplier_id), calendar)
    return [MonthScore(month=month, on_time_rate=rate(*on_time[month]), fill_rate=rate(*filled[month]),
                       units_dated=on_time[month][1], units_ordered=filled[month][1]) for month in calendar]
