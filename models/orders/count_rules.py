"""Which status counts of the order list may be estimates and which must be counted: pure, no database."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

EXACT_BELOW = 5_000  # a status estimated under this many orders is counted exactly: holds, backorders, working ones


@dataclass(frozen=True)
class StatusCount:
    """How many orders are in one status; ``estimated`` when it comes from the planner's statistics."""

    value: int
    estimated: bool = False

    def __str__(self) -> str:
        return f"≈ {self.value:,}" if self.estimated else f"{self.value:,}"


@dataclass(frozen=True)
class CountPlan:
    """The estimates to show as they are, and the statuses to count exactly."""

    estimated: dict[str, int]
    exact: tuple[str, ...]


def plan_status_counts(statuses: tuple[str, ...], rows: float, frequencies: Mapping[str, float], *,
                       exact_below: int = EXACT_BELOW) -> CountPlan:
    """Estimate a status from ``rows`` (the table's row estimate) × its frequency among the most common values
    when that comes to ``exact_below`` or more; count every other status exactly. Without statistics (``rows``
    negative: never analysed) or on a small table, everything is counted."""
    if rows < exact_below:
        return CountPlan({}, tuple(statuses))
    estimated = {status: round(rows * frequencies[status]) for status in statuses
                 if rows * frequencies.get(status, 0.0) >= exact_below}
    return CountPlan(estimated, tuple(status for status in statuses if status not in estimated))


def total_of(counts: Mapping[str, StatusCount]) -> StatusCount:
    """The "all" figure: estimated as soon as one of its parts is."""
    return StatusCount(sum(count.value for count in counts.values()),
                       any(count.estimated for count in counts.values()))
