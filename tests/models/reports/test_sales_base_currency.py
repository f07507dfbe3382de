"""Sales revenue in the base currency: every rollup day converted at that day's rate of its currency, at read time,
in the plain trend, the top keys and the kept customers; a day whose currency has no rate leaves the figure None."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from models.currency.rates import set_rates
from models.reports.periods import DateRange
from models.reports.sales import sales_trend, top_trend
from models.reports.tables import SalesDay, SalesSummaryDay

D = Decimal
MAY1, MAY2, MAY3 = date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 3)


def sold(day: date, currency: str, revenue: str, customer_id: int = 1) -> None:
    for table, extra in ((SalesDay, {"customer_id": customer_id}), (SalesSummaryDay, {})):
        table.create(day=day, channel="api", region="R1", currency=currency, orders=1, units=1, revenue=D(revenue),
                     **extra)


def test_each_day_is_converted_at_its_own_rate(any_db):
    set_rates([{"day": MAY1, "currency": "EUR", "rate": D("0.50")},
               {"day": MAY2, "currency": "EUR", "rate": D("0.80")}], actor="t")
    sold(MAY1, "EUR", "10.00")  # 20.00 USD
    sold(MAY2, "EUR", "8.00")  # 10.00 USD
    sold(MAY3, "EUR", "4.00", customer_id=2)  # May 2's rate still: 5.00 USD
    sold(MAY3, "USD", "7.00")
    span = DateRange(MAY1, MAY3)
    rows = sales_trend(span, "month")
    assert [(r.currency, r.revenue, r.revenue_base) for r in rows] == [("EUR", D("22.00"), D("35.00")),
                                                                       ("USD", D("7.00"), D("7.00"))]
    by_day = sales_trend(span, "day")
    assert [r.revenue_base for r in by_day if r.currency == "EUR"] == [D("20.00"), D("10.00"), D("5.00")]
    top, _ = top_trend(span, "month", "channel", 5)
    assert [(r.currency, r.revenue_base) for r in top] == [("EUR", D("35.00")), ("USD", D("7.00"))]
    kept, keep = top_trend(span, "month", "customer", 1)
    assert keep == [1]
    assert [(r.key, r.other, r.currency, r.revenue_base) for r in kept if r.currency == "EUR"] == [
        ("1", False, "EUR", D("30.00")), ("other", True, "EUR", D("5.00"))]


def test_a_day_without_a_rate_leaves_the_base_figure_unknown(any_db):
    set_rates([{"day": MAY2, "currency": "EUR", "rate": D("0.50")}], actor="t")
    sold(MAY1, "EUR", "10.00")  # before the first rate
    sold(MAY2, "EUR", "10.00")
    assert [r.revenue_base for r in sales_trend(DateRange(MAY1, MAY2), "day")] == [None, D("20.00")]
    assert sales_trend(DateRange(MAY1, MAY2), "month")[0].revenue_base is None


def test_a_long_range_converts_through_the_rates_validity_spans_the_same(any_db, monkeypatch):
    set_rates([{"day": MAY1, "currency": "EUR", "rate": D("0.50")},
               {"day": MAY2, "currency": "EUR", "rate": D("0.80")}], actor="t")
    sold(MAY1, "EUR", "10.00")
    sold(MAY3, "EUR", "8.00")
    span = DateRange(date(2026, 4, 1), MAY3)
    by_day = [r.revenue_base for r in sales_trend(span, "day")]
    monkeypatch.setattr("models.reports.base_currency.MAX_DAY_ROWS", 0)
    assert [r.revenue_base for r in sales_trend(span, "day")] == by_day == [D("20.00"), D("10.00")]
