"""Cycle-time histograms: log-spaced buckets and percentiles within the stated resolution."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.reports.cycle_rules import (
    LAST_BUCKET,
    RATIO,
    RESOLUTION_PERCENT,
    bucket_of,
    bucket_value,
    histogram_of,
    hours,
    percentile,
)


def test_buckets_are_log_spaced_from_one_second():
    assert bucket_of(-5) == 0 and bucket_of(0.99) == 0
    assert bucket_of(1) == 1 and bucket_of(RATIO - 1e-9) == 1 and bucket_of(RATIO) == 2
    assert bucket_of(2) == 5  # four buckets per doubling
    assert bucket_of(10 ** 12) == LAST_BUCKET
    assert RESOLUTION_PERCENT == 19


@settings(deadline=None)  # timing varies on a busy host; the property does not
@given(st.floats(min_value=1, max_value=2 ** 26))
def test_a_bucket_stands_for_its_durations_within_half_its_width(seconds):
    value = bucket_value(bucket_of(seconds))
    assert abs(math.log(value / seconds)) <= math.log(RATIO) / 2 + 1e-9


def test_percentiles_are_the_nearest_rank_bucket():
    durations = [60.0] * 5 + [3600.0] * 4 + [86400.0]
    histogram = histogram_of(durations)
    assert percentile(histogram, 0.5) == bucket_value(bucket_of(60))
    assert percentile(histogram, 0.9) == bucket_value(bucket_of(3600))
    assert percentile(histogram, 1.0) == bucket_value(bucket_of(86400))
    assert percentile({}, 0.5) is None


@settings(deadline=None)  # timing varies on a busy host; the property does not
@given(st.lists(st.floats(min_value=1, max_value=10 ** 7), min_size=1, max_size=200),
       st.sampled_from([0.5, 0.9]))
def test_a_percentile_is_within_the_resolution_of_the_exact_one(durations, fraction):
    exact = sorted(durations)[max(1, math.ceil(fraction * len(durations))) - 1]
    estimate = percentile(histogram_of(durations), fraction)
    assert abs(math.log(estimate / exact)) <= math.log(RATIO) / 2 + 1e-9


@pytest.mark.parametrize("seconds, text", [(None, "–"), (90, "1.5 min"), (5400, "1.5 h"), (3 * 86400, "3.0 d")])
def test_durations_for_people(seconds, text):
    assert hours(seconds) == text
