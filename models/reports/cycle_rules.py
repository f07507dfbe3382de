"""Order cycle times as log-spaced histograms: which bucket a duration falls in, and the percentiles of a
histogram. Pure: no database or framework.

Bucket 0 holds everything under one second; bucket n (n ≥ 1) holds [RATIO**(n-1), RATIO**n) seconds, so each
bucket spans a factor of 2**(1/4) (about 19 %), up to LAST_BUCKET (about 4 years). A percentile is reported as its
bucket's geometric midpoint: within about ±9 % of the exact value."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

STEPS_PER_DOUBLING = 4
RATIO = 2 ** (1 / STEPS_PER_DOUBLING)
LAST_BUCKET = 27 * STEPS_PER_DOUBLING + 1  # 2**27 s is over four years
RESOLUTION_PERCENT = round((RATIO - 1) * 100)

# Step name -> (where it starts, where it ends), in the order the pages show them.
STEPS = {
    "received_to_approved": ("received", "approved"),
    "approved_to_allocated": ("approved", "allocated"),
    "allocated_to_shipped": ("allocated", "shipped"),
    "received_to_shipped": ("received", "shipped"),
    "shipped_to_delivered": ("shipped", "delivered"),
}
SHIP_STEPS = ("received_to_approved", "approved_to_allocated", "allocated_to_shipped", "received_to_shipped")
DELIVERY_STEPS = ("shipped_to_delivered",)


def bucket_bounds() -> list[float]:
    """The upper bound (exclusive) in seconds of every bucket but the last, which is open."""
    return [RATIO ** n for n in range(LAST_BUCKET)]


def bucket_of(seconds: float) -> int:
    """The bucket of a duration of ``seconds`` (negative or sub-second durations fall in bucket 0)."""
    for index, bound in enumerate(bucket_bounds()):
        if seconds < bound:
            return index
    return LAST_BUCKET


def bucket_value(bucket: int) -> float:
    """The duration a bucket stands for: its geometric midpoint (half a second for bucket 0)."""
    if bucket <= 0:
        return 0.5
    return RATIO ** (bucket - 0.5)


@dataclass(frozen=True)
class StepTimes:
    """One step's orders and percentiles (seconds) in one period."""

    step: str
    orders: int
    p50: float | None
    p90: float | None


def percentile(histogram: Mapping[int, int], fraction: float) -> float | None:
    """The ``fraction`` (0 < f ≤ 1) percentile of a histogram of bucket -> count; None when it is empty.
    Nearest rank: the smallest bucket holding at least ``fraction`` of the counts."""
    total = sum(count for count in histogram.values() if count > 0)
    if total <= 0:
        return None
    needed = max(1, math.ceil(fraction * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += max(histogram[bucket], 0)
        if seen >= needed:
            return bucket_value(bucket)
    return bucket_value(max(histogram))


def step_times(step: str, histogram: Mapping[int, int]) -> StepTimes:
    return StepTimes(step, sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9))


def histogram_of(durations: Iterable[float]) -> dict[int, int]:
    """The histogram of raw durations in seconds (what the rollup holds, computed in memory)."""
    counts: dict[int, int] = {}
    for seconds in durations:
        bucket = bucket_of(seconds)
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def hours(seconds: float | None) -> str:
    """A duration for people: minutes under an hour, hours under two days, days beyond."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
