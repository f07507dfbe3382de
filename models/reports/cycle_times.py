"""The order cycle-time report from the histogram rollup: per period and step, the orders and their p50/p90
(models.reports.cycle_rules for the buckets and their resolution)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import peewee

from models.reports.cycle_rules import STEPS, StepTimes, step_times
from models.reports.periods import DateRange, period_label
from models.reports.scope import period_of
from models.reports.tables import CycleTimeDay
from models.reports.values import as_date


@dataclass(frozen=True)
class CycleRow:
    period: str
    times: StepTimes


def cycle_times(span: DateRange, group: str) -> list[CycleRow]:
    """One row per period and step with orders in ``span`` (by the day the step ended), in period then step
    order; one query."""
    period = period_of(CycleTimeDay.day, group)
    query = (CycleTimeDay.select(period.alias("period"), CycleTimeDay.step, CycleTimeDay.bucket,
                                 peewee.fn.SUM(CycleTimeDay.orders))
             .where(CycleTimeDay.day.between(span.start, span.end))
             .group_by(period, CycleTimeDay.step, CycleTimeDay.bucket))
    histograms: dict[tuple, dict[int, int]] = defaultdict(dict)
    for start, step, bucket, orders in query.tuples():
        histograms[(as_date(start), step)][bucket] = int(orders)
    order = {step: index for index, step in enumerate(STEPS)}
    keys = sorted(histograms, key=lambda k: (k[0], order.get(k[1], len(order)), k[1]))
    return [CycleRow(period_label(start, group), step_times(step, histograms[(start, step)]))
            for start, step in keys]
