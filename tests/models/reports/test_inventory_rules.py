"""The inventory report's pure rules: carrying missed snapshot days, averages, turnover, days of supply, fill and
backorder rates, backorder age buckets, the refresh window."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.reports.inventory_rules import (
    AGE_BUCKETS,
    REFRESH_GRACE,
    age_bucket,
    annualised,
    average_on_hand,
    bucket_units,
    carry_forward,
    days_of_supply,
    refresh_from,
    service_figures,
    snapshot_span,
    stock_figures,
    turnover,
)

DAY = date(2026, 11, 10)


@pytest.mark.parametrize(("last", "today", "carried"), [
    (None, DAY, []),
    (DAY, DAY, []),
    (DAY - timedelta(days=1), DAY, []),
    (DAY - timedelta(days=3), DAY, [DAY - timedelta(days=2), DAY - timedelta(days=1)]),
    (DAY + timedelta(days=1), DAY, []),  # a clock set back: nothing to carry
])
def test_carry_forward_fills_only_the_days_between(last, today, carried):
    assert carry_forward(last, today) == carried


def test_average_turnover_and_days_of_supply():
    average = average_on_hand(7 + 7 + 7 + 10, 4)
    assert average == Decimal("7.75")
    assert turnover(31, average) == Decimal("4.00")
    assert annualised(Decimal("4.00"), 30) == Decimal("48.67")
    assert days_of_supply(10, 20, 30) == Decimal("15.0")  # 20 units in 30 days: 10 last 15 days


@pytest.mark.parametrize(("args", "expected"), [
    ((0, 0), None),  # no snapshot: no average
    ((0, 3), Decimal("0.00")),
])
def test_average_without_snapshots(args, expected):
    assert average_on_hand(*args) == expected


def test_nothing_on_hand_or_nothing_shipped_has_no_ratio():
    assert turnover(5, None) is None and turnover(5, Decimal(0)) is None
    assert days_of_supply(None, 5, 7) is None and days_of_supply(10, 0, 7) is None
    assert annualised(None, 30) is None


def test_stock_figures_put_them_together():
    row = stock_figures(sku="W", name="Widget", warehouse="EAST", units_shipped=14, snapshot_total=70,
                        snapshot_days=7, on_hand_end=8, days=7)
    assert (row.average_on_hand, row.turnover, row.annual_turnover, row.days_of_supply) == (
        Decimal("10.00"), Decimal("1.40"), Decimal("73.00"), Decimal("4.0"))


def test_fill_rate_leaves_refills_of_backorders_out():
    # 30 reserved of which 20 for an order that had gone to backorder; 20 went to backorder
    row = service_figures(sku="W", name="", units_reserved=30, units_refilled=20, units_backordered=20,
                          open_backorders=(0, 0, 0, 0))
    assert (row.units_demanded, row.units_filled) == (30, 10)
    assert row.fill_rate == Decimal("0.3333") and row.backorder_rate == Decimal("0.6667")
    empty = service_figures(sku="W", name="", units_reserved=0, units_refilled=0, units_backordered=0,
                            open_backorders=(0, 0, 0, 0))
    assert empty.fill_rate is None and empty.backorder_rate is None


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_fill_and_backorder_rate_add_up_to_one(filled, backordered):
    row = service_figures(sku="W", name="", units_reserved=filled, units_refilled=0, units_backordered=backordered,
                          open_backorders=(0, 0, 0, 0))
    if filled + backordered:
        assert abs(row.fill_rate + row.backorder_rate - 1) <= Decimal("0.0001")


@pytest.mark.parametrize(("days", "bucket"), [(-1, 0), (0, 0), (7, 0), (8, 1), (14, 1), (15, 2), (30, 2), (31, 3),
                                              (400, 3)])
def test_age_buckets_have_no_gaps(days, bucket):
    assert age_bucket(days) == bucket


def test_bucket_units_by_the_day_they_went_to_backorder():
    assert bucket_units({DAY: 3, DAY - timedelta(days=9): 4, DAY - timedelta(days=40): 5}, DAY) == (3, 4, 0, 5)
    assert len(AGE_BUCKETS) == 4


def test_refresh_starts_at_the_previous_refresh_less_the_grace():
    now = datetime(2026, 11, 10, 12, 0)
    assert refresh_from(None, now) is None
    assert refresh_from(datetime(2026, 11, 10, 11, 0), now) == date(2026, 11, 10)
    assert refresh_from(datetime(2026, 11, 10, 0, 30), now) == date(2026, 11, 9)  # within the grace of midnight
    assert refresh_from(now + timedelta(days=2), now) == now.date()  # a mark from the future
    assert REFRESH_GRACE >= timedelta(minutes=10)


@pytest.mark.parametrize(("at_end", "before", "span"), [
    (None, None, (0, 0)),  # no snapshot by the range's end
    ((9, 40, 4), None, (40, 4)),  # the row's first snapshot falls in the range
    ((9, 40, 4), (7, 14, 2), (26, 2)),  # the days after the one before the range
    ((7, 14, 2), (7, 14, 2), (0, 0)),  # no snapshot day inside the range
])
def test_snapshot_span_is_the_difference_of_running_totals(at_end, before, span):
    assert snapshot_span(at_end, before) == span
