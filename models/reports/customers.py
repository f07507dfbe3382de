"""The customer behaviour report from the order-grain rollup: every customer's orders and revenue in a range,
scored into RFM segments (models.reports.rfm), with repeat rate, average order value and the top customers."""
from __future__ import annotations

from dataclasses import dataclass

import peewee

from models.reports.periods import DateRange
from models.reports.rfm import (
    CurrencySummary,
    CustomerActivity,
    CustomerScore,
    score_customers,
    segment_counts,
    summarise,
)
from models.reports.scope import EVERYTHING, ReportScope, partner_names, scope_condition
from models.reports.tables import SalesDay
from models.reports.values import as_date, as_money

TOP = 20


@dataclass(frozen=True)
class CustomerReport:
    scores: list[CustomerScore]  # every customer, best revenue first per currency
    summaries: list[CurrencySummary]
    segments: dict[str, int]
    names: dict[str, str]  # customer code -> name

    def top(self, count: int = TOP) -> list[CustomerScore]:
        return self.scores[:count]


def customer_activity(span: DateRange, scope: ReportScope = EVERYTHING) -> tuple[list[CustomerActivity],
                                                                                dict[str, str]]:
    """Each customer's shipped orders in ``span`` per currency, and customer names by code (a query, and one per thousand customers for their names)."""
    scoped = scope_condition(SalesDay, scope)
    query = (SalesDay.select(SalesDay.customer_id, SalesDay.currency, peewee.fn.MAX(SalesDay.day),
                             peewee.fn.SUM(SalesDay.orders), peewee.fn.SUM(SalesDay.revenue))
             .where(SalesDay.day.between(span.start, span.end), *([scoped] if scoped is not None else []))
             .group_by(SalesDay.customer_id, SalesDay.currency))
    rows = list(query.tuples())
    names = partner_names(row[0] for row in rows)
    activities = [CustomerActivity(customer=names.get(cid, (str(cid), ""))[0], currency=currency,
                                   recency_days=(span.end - as_date(last)).days, orders=int(orders),
                                   revenue=as_money(revenue))
                  for cid, currency, last, orders, revenue in rows]
    return activities, dict(names.values())


def customer_report(span: DateRange, scope: ReportScope = EVERYTHING) -> CustomerReport:
    activities, names = customer_activity(span, scope)
    scores = sorted(score_customers(activities),
                    key=lambda s: (s.activity.currency, -s.activity.revenue, s.activity.customer))
    return CustomerReport(scores=scores, summaries=summarise(activities), segments=segment_counts(scores),
                          names=names)

