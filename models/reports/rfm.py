"""RFM segments of customers: recency, frequency and monetary value scored 1–5 by quintile, and named segments.
Pure: no database or framework. Customers are scored within one currency (money of two currencies does not
compare)."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

# (segment, condition on (r, f, m) scores), first match wins; descriptions for the page.
SEGMENTS = (
    ("champions", lambda r, f, m: r >= 4 and f >= 4),
    ("loyal", lambda r, f, m: r >= 3 and f >= 4),
    ("new", lambda r, f, m: r >= 4 and f <= 1),
    ("promising", lambda r, f, m: r >= 3),
    ("at_risk", lambda r, f, m: r <= 2 and f >= 3),
    ("lost", lambda r, f, m: r <= 1),
    ("hibernating", lambda r, f, m: True),
)
SEGMENT_NAMES = tuple(name for name, _ in SEGMENTS)
SEGMENT_TEXT = {
    "champions": "bought recently and often", "loyal": "buy often, not quite the latest",
    "new": "first orders, recently", "promising": "recent, few orders yet",
    "at_risk": "bought often, not lately", "lost": "longest without an order",
    "hibernating": "neither recent nor frequent",
}


@dataclass(frozen=True)
class CustomerActivity:
    """One customer's orders in one currency over the report's range."""

    customer: str
    currency: str
    recency_days: int  # days from the last order to the range's end
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class CustomerScore:
    activity: CustomerActivity
    recency: int
    frequency: int
    monetary: int
    segment: str


def quintiles(values: Sequence[float | Decimal | int], *, higher_is_better: bool = True) -> list[int]:
    """A score 1–5 per value by its rank among ``values`` (5: the best fifth); equal values score the same."""
    count = len(values)
    if not count:
        return []
    ordered = sorted(values, reverse=not higher_is_better)  # worst first
    first_rank: dict = {}
    for rank, value in enumerate(ordered):
        first_rank.setdefault(value, rank)
    return [1 + (5 * first_rank[value]) // count for value in values]


def segment_of(recency: int, frequency: int, monetary: int) -> str:
    return next(name for name, matches in SEGMENTS if matches(recency, frequency, monetary))


def score_customers(activities: Sequence[CustomerActivity]) -> list[CustomerScore]:
    """Every customer scored against the others of its currency, in the order given."""
    scores: dict[int, CustomerScore] = {}
    for currency in sorted({a.currency for a in activities}):
        indexed = [(i, a) for i, a in enumerate(activities) if a.currency == currency]
        group = [a for _, a in indexed]
        recency = quintiles([a.recency_days for a in group], higher_is_better=False)
        frequency = quintiles([a.orders for a in group])
        monetary = quintiles([a.revenue for a in group])
        for (index, activity), r, f, m in zip(indexed, recency, frequency, monetary):
            scores[index] = CustomerScore(activity, r, f, m, segment_of(r, f, m))
    return [scores[i] for i in range(len(activities))]


@dataclass(frozen=True)
class CurrencySummary:
    currency: str
    customers: int
    repeat_customers: int
    orders: int
    revenue: Decimal

    @property
    def repeat_rate(self) -> Decimal | None:
        """Customers with two orders or more, as a fraction of customers with one or more."""
        return (Decimal(self.repeat_customers) / self.customers).quantize(Decimal("0.0001")) if self.customers \
            else None

    @property
    def average_order_value(self) -> Decimal | None:
        return (self.revenue / self.orders).quantize(Decimal("0.01")) if self.orders else None


def summarise(activities: Sequence[CustomerActivity]) -> list[CurrencySummary]:
    """Customers, repeat customers, orders and revenue per currency."""
    found = []
    for currency in sorted({a.currency for a in activities}):
        group = [a for a in activities if a.currency == currency]
        found.append(CurrencySummary(currency, len(group), sum(1 for a in group if a.orders >= 2),
                                     sum(a.orders for a in group), sum((a.revenue for a in group), Decimal("0.00"))))
    return found


def segment_counts(scores: Sequence[CustomerScore]) -> dict[str, int]:
    counts = dict.fromkeys(SEGMENT_NAMES, 0)
    for score in scores:
        counts[score.segment] += 1
    return counts
