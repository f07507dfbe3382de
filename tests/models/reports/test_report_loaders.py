"""The report loaders on SQLite and PostgreSQL alike: sales per period and key, customers, cycle times, each
equal to the figures computed from the raw rows (the portal tests cover the same through the API on SQLite)."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from models.partners.tables import Partner
from models.reports.customers import customer_report
from models.reports.cycle_rules import histogram_of, percentile
from models.reports.cycle_times import cycle_times
from models.reports.periods import DateRange, period_label, period_start
from models.reports.sales import SalesFilters, sales_trend, top_keys, top_trend
from models.reports.scope import ReportScope
from tests.factories import make_world
from tests.models.reports.raw_figures import cycle_durations
from tests.portal.report_sales_world import expected_sales, sell_world, today


@pytest.fixture
def sold(any_db):
    make_world()
    dist2 = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R2", distributor=dist2)
    return sell_world()


def figures(rows):
    return sorted((r.period, r.key, r.orders, r.units, r.revenue, r.currency) for r in rows)


def labelled(rows, group):
    return sorted((period_label(start, group), *rest) for start, *rest in rows)


def test_sales_per_period_and_key(sold):
    span = DateRange(today() - timedelta(days=59), today())
    for group in ("day", "week", "month"):
        for by in (None, "channel", "region", "sku", "customer"):
            assert figures(sales_trend(span, group, by=by)) == labelled(expected_sales(span, group, by), group), \
                (group, by)
    cust1 = {Partner.get(Partner.code == "CUST1").id}
    assert figures(sales_trend(span, "week", filters=SalesFilters(customer_code="CUST1"))) == \
        labelled(expected_sales(span, "week", None, customers=cust1), "week")


def test_partner_scopes(sold):
    span = DateRange(today() - timedelta(days=59), today())
    dist1 = Partner.get(Partner.code == "DIST1").id
    mine = {dist1, Partner.get(Partner.code == "CUST1").id}
    assert figures(sales_trend(span, "month", by="customer", scope=ReportScope(distributor_id=dist1))) == \
        labelled(expected_sales(span, "month", "customer", customers=mine), "month")
    supplier = Partner.get(Partner.code == "SUP2").id
    assert figures(sales_trend(span, "month", by="sku", scope=ReportScope(supplier_id=supplier))) == \
        labelled(expected_sales(span, "month", "sku", skus={"SPROCKET"}), "month")


def test_customers_and_cycle_times(sold):
    span = DateRange(today() - timedelta(days=59), today())
    report = customer_report(span)
    assert {(s.activity.customer, s.activity.orders) for s in report.scores} == {("CUST1", 3), ("CUST2", 2)}
    assert sum(report.segments.values()) == 2
    durations = defaultdict(list)
    for (day, step), seconds in cycle_durations().items():
        if span.contains(day):
            durations[(period_label(period_start(day, "week"), "week"), step)].extend(seconds)
    got = {(row.period, row.times.step): (row.times.orders, row.times.p50, row.times.p90)
           for row in cycle_times(span, "week")}
    assert got == {key: (len(v), percentile(histogram_of(v), 0.5), percentile(histogram_of(v), 0.9))
                   for key, v in durations.items()}


def kept_and_other(expected: list[tuple], keep: set[str]) -> list[tuple]:
    """Raw rows (period start, key, orders, units, revenue, currency) with every key outside ``keep`` summed
    into one "other" row per period and currency."""
    found: dict[tuple, list] = defaultdict(lambda: [0, 0, 0])
    for start, key, orders, units, revenue, currency in expected:
        row = found[(start, key if key in keep else "other", currency)]
        row[0] += orders
        row[1] += units
        row[2] += revenue
    return sorted((start, key, *figures, currency) for (start, key, currency), figures in found.items())


@pytest.mark.parametrize("by", ["customer", "sku", "channel"])
def test_top_keys_and_the_other_row_equal_the_raw_rows(sold, by):
    span = DateRange(today() - timedelta(days=59), today())
    expected = expected_sales(span, "week", by)
    revenue: dict[str, object] = defaultdict(int)
    for _, key, _, _, money, _ in expected:
        revenue[key] += money
    assert len(revenue) >= 2, "the world sells at least two keys"
    top = max(revenue, key=lambda key: revenue[key])
    keep = top_keys(span, by, 1)
    assert keep is not None and len(keep) == 1
    shown = sales_trend(span, "week", by=by, keep=keep)
    assert figures(shown) == labelled(kept_and_other(expected, {top}), "week")
    assert {row.key for row in shown if not row.other} == {top} and any(row.other for row in shown)
    assert all(not row.other or shown[i + 1:] == [] or shown[i + 1].period_start > row.period_start
               or shown[i + 1].other for i, row in enumerate(shown)), "the other row closes its period"
    assert top_keys(span, by, len(revenue)) is None, "no more keys than the limit: keep them all"
    assert figures(sales_trend(span, "week", by=by, keep=[])) == labelled(kept_and_other(expected, set()), "week")


@pytest.mark.parametrize("by", ["customer", "sku", "channel"])
@pytest.mark.parametrize("limit", [1, 2])
def test_the_one_query_top_trend_equals_top_keys_then_the_trend(sold, by, limit):
    span = DateRange(today() - timedelta(days=59), today())
    rows, keep = top_trend(span, "month", by, limit)
    picked = top_keys(span, by, limit)
    assert keep == (None if picked is None else sorted(picked))
    assert rows == sales_trend(span, "month", by=by, keep=keep)
    assert by != "sku" or limit != 1 or any(row.other for row in rows), "one SKU kept of several"
    assert top_trend(span, "month", by, 1000) == (sales_trend(span, "month", by=by), None)
