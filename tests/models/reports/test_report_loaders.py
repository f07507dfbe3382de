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
from models.reports.sales import SalesFilters, sales_trend
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
