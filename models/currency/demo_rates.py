"""Demo exchange rates: one on the first of each month for two years, drifting a little around a fixed level, for
every currency but the base one."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.core.config import base_currency
from models.currency.rates import set_rates

# Units per one US dollar, roughly; rebased when the base currency is another one.
LEVELS = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "CNY": Decimal("7.23"),
          "HKD": Decimal("7.82"), "TWD": Decimal("32.4"), "JPY": Decimal("151.2"), "CAD": Decimal("1.365"),
          "AUD": Decimal("1.523")}
MONTHS = 24


def seed_demo_rates(*, today: date) -> int:
    """Set the demo rates up to ``today``; returns how many were set."""
    base = base_currency()
    rows = []
    for back in range(MONTHS, -1, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        day = date(year, month + 1, 1)
        drift = Decimal(1) + Decimal((back * 7) % 11 - 5) / 1000  # within half a percent, the same every run
        for currency, level in LEVELS.items():
            if currency != base:
                rate = (level / LEVELS[base] * drift).quantize(Decimal("0.00000001"))
                rows.append({"day": day, "currency": currency, "rate": rate, "source": "demo"})
    return sum(1 for outcome in set_rates(rows, actor="demo") if outcome.outcome)
