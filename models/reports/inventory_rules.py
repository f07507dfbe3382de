"""The inventory report's arithmetic: pure rules, no database or framework.

Definitions (per SKU, and per warehouse where stock is held):
- units shipped: units whose reservation was fulfilled (the goods left the warehouse) in the range;
- average on hand: the mean of the daily on-hand snapshots in the range (a day the scheduler missed carries the
  snapshot before it; days before a stock row's first snapshot are left out);
- turnover: units shipped ÷ average on hand over the range; annualised: × 365 ÷ days in the range;
- days of supply: on hand at the end of the range ÷ average units shipped per day of the range;
- fill rate: units reserved from stock when an order was first allocated ÷ units demanded at that first allocation
  (those plus the units that went to backorder); units reserved later for an order that had been backordered
  (``refilled``) are not first-allocation fills. Backorder rate: backordered units ÷ those demanded units.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from models.supply.scorecard_rules import rate

DAYS_PER_YEAR = 365
# Open backorders by the days since they went to backorder: (label, first day, last day or None).
AGE_BUCKETS = (("0-7 days", 0, 7), ("8-14 days", 8, 14), ("15-30 days", 15, 30), ("over 30 days", 31, None))
# A refresh recomputes from the previous one's start less this: a transaction that stamped its rows before the
# previous refresh began but committed after it is still counted, as long as it lasted less than this.
REFRESH_GRACE = timedelta(hours=1)
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class StockFigures:
    """One SKU in one warehouse over a range."""

    sku: str
    name: str
    warehouse: str
    units_shipped: int
    average_on_hand: Decimal | None
    on_hand_end: int | None
    turnover: Decimal | None
    annual_turnover: Decimal | None
    days_of_supply: Decimal | None


@dataclass(frozen=True)
class ServiceFigures:
    """One SKU over a range: how much of its demand stock filled at first allocation; its open backorders."""

    sku: str
    name: str
    units_demanded: int
    units_filled: int
    units_backordered: int
    fill_rate: Decimal | None
    backorder_rate: Decimal | None
    open_backorders: tuple[int, ...]  # units per AGE_BUCKETS


def carry_forward(last_day: date | None, today: date) -> list[date]:
    """The days a missed snapshot leaves empty between ``last_day`` (the newest snapshot) and ``today``: each is
    written with ``last_day``'s figures. None when there is no snapshot yet (nothing to carry)."""
    if last_day is None or last_day >= today:
        return []
    return [last_day + timedelta(days=n) for n in range(1, (today - last_day).days)]


def snapshot_span(at_end: tuple[int, int, int] | None, before: tuple[int, int, int] | None) -> tuple[int, int]:
    """(on-hand total, days) of a stock row's snapshots within a range, from its (on_hand, running total, running
    days) at the range's last snapshot day and at the last snapshot day before the range (None: no row there)."""
    if at_end is None:
        return 0, 0
    _, total, days = at_end
    if before is not None:
        total, days = total - before[1], days - before[2]
    return total, days


def average_on_hand(total: int, days: int) -> Decimal | None:
    """The mean of ``days`` daily snapshots adding up to ``total``; None without any."""
    return (Decimal(total) / days).quantize(TWO_PLACES, ROUND_HALF_UP) if days else None


def turnover(units_shipped: int, average: Decimal | None) -> Decimal | None:
    """Units shipped ÷ average on hand; None when nothing was on hand on average."""
    if average is None or average <= 0:
        return None
    return (Decimal(units_shipped) / average).quantize(TWO_PLACES, ROUND_HALF_UP)


def annualised(value: Decimal | None, days: int) -> Decimal | None:
    """A rate over ``days`` as a rate over a year."""
    if value is None or days <= 0:
        return None
    return (value * DAYS_PER_YEAR / days).quantize(TWO_PLACES, ROUND_HALF_UP)


def days_of_supply(on_hand: int | None, units_shipped: int, days: int) -> Decimal | None:
    """How many days ``on_hand`` lasts at the range's average daily shipments; None when nothing shipped."""
    if on_hand is None or units_shipped <= 0 or days <= 0:
        return None
    return (Decimal(on_hand) * days / units_shipped).quantize(Decimal("0.1"), ROUND_HALF_UP)


def first_fills(units_reserved: int, units_refilled: int) -> int:
    """Units reserved at an order's first allocation: all reserved less those reserved for backordered orders."""
    return units_reserved - units_refilled


def age_bucket(days: int) -> int:
    """The index in AGE_BUCKETS of a backorder open for ``days`` days."""
    for index, (_, low, high) in enumerate(AGE_BUCKETS):
        if days >= low and (high is None or days <= high):
            return index
    return 0  # a clock running behind: counted as new


def bucket_units(open_since: Mapping[date, int], today: date) -> tuple[int, ...]:
    """Units of open backorders per AGE_BUCKETS, from the units by the day they went to backorder."""
    units = [0] * len(AGE_BUCKETS)
    for day, quantity in open_since.items():
        units[age_bucket((today - day).days)] += quantity
    return tuple(units)


def stock_figures(*, sku: str, name: str, warehouse: str, units_shipped: int, snapshot_total: int,
                  snapshot_days: int, on_hand_end: int | None, days: int) -> StockFigures:
    average = average_on_hand(snapshot_total, snapshot_days)
    over_range = turnover(units_shipped, average)
    return StockFigures(sku=sku, name=name, warehouse=warehouse, units_shipped=units_shipped,
                        average_on_hand=average, on_hand_end=on_hand_end, turnover=over_range,
                        annual_turnover=annualised(over_range, days),
                        days_of_supply=days_of_supply(on_hand_end, units_shipped, days))


def service_figures(*, sku: str, name: str, units_reserved: int, units_refilled: int, units_backordered: int,
                    open_backorders: tuple[int, ...]) -> ServiceFigures:
    filled = first_fills(units_reserved, units_refilled)
    demanded = filled + units_backordered
    return ServiceFigures(sku=sku, name=name, units_demanded=demanded, units_filled=filled,
                          units_backordered=units_backordered, fill_rate=rate(filled, demanded),
                          backorder_rate=rate(units_backordered, demanded), open_backorders=open_backorders)


def refresh_from(previous_start: datetime | None, now: datetime) -> date | None:
    """The first day a rollup refresh recomputes: the day of the previous refresh's start less REFRESH_GRACE;
    None when there was none (everything is recomputed)."""
    if previous_start is None:
        return None
    return min((previous_start - REFRESH_GRACE).date(), now.date())
