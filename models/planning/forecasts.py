"""Forecast runs: weekly shipped demand per series from the database, the back-tested forecast, stored."""
from __future__ import annotations

from datetime import timedelta


def recompute_forecasts(*, sku: str | None = None, horizon_weeks: int, actor: str):
    """Recompute every series (or ``sku``'s) and store the forecasts; returns the ForecastRun row."""
    raise NotImplementedError


def schedule_due_forecasts(every: timedelta, *, horizon_weeks: int) -> bool:
    """Nudge a forecast run when the last one started longer than ``every`` ago; True when nudged."""
    return False
