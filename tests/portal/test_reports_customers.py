"""The customer behaviour and cycle-time reports: figures equal those computed here from the raw rows."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from models.partners.tables import ApiToken, Partner, User
from models.reports.cycle_rules import histogram_of, percentile
from models.reports.periods import DateRange, period_label, period_start
from models.reports.rfm import CustomerActivity, score_customers
from tests.models.reports.raw_figures import counted_orders, cycle_durations
from tests.portal.report_sales_world import sell_world, today


@pytest.fixture
def sold(app):
    return sell_world()


@pytest.fixture
def headers(sold):
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == 'admin@relay.test'))}"}


def raw_activity(span: DateRange) -> list[CustomerActivity]:
    codes = dict(Partner.select(Partner.id, Partner.code).tuples())
    found = defaultdict(lambda: [None, 0, Decimal("0.00")])
    for order, shipped_at in counted_orders():
        if span.contains(shipped_at.date()):
            row = found[(codes[order.customer_id], order.currency)]
            row[0] = max(row[0] or shipped_at.date(), shipped_at.date())
            row[1] += 1
            row[2] += order.subtotal
    return [CustomerActivity(code, currency, (span.end - last).days, orders, revenue)
            for (code, currency), (last, orders, revenue) in found.items()]


def test_customer_figures_and_segments_equal_the_raw_rows(client, headers):
    span = DateRange(today() - timedelta(days=364), today())
    body = client.get("/api/v1/reports/customers", headers=headers).get_json()
    expected = {s.activity.customer: s for s in score_customers(raw_activity(span))}
    assert {c["customer"] for c in body["customers"]} == set(expected) == {"CUST1", "CUST2"}
    for row in body["customers"]:
        score = expected[row["customer"]]
        assert (row["orders"], Decimal(row["revenue"]), row["recency_days"]) == (
            score.activity.orders, score.activity.revenue, score.activity.recency_days)
        assert (row["recency_score"], row["frequency_score"], row["monetary_score"], row["segment"]) == (
            score.recency, score.frequency, score.monetary, score.segment)
    [usd] = body["summaries"]
    orders = sum(s.activity.orders for s in expected.values())
    revenue = sum(s.activity.revenue for s in expected.values())
    assert (usd["customers"], usd["repeat_customers"], usd["orders"]) == (2, 2, orders) and orders == 5
    assert Decimal(usd["average_order_value"]) == (revenue / orders).quantize(Decimal("0.01"))
    assert Decimal(usd["repeat_rate"]) == Decimal("1")
    assert sum(body["segments"].values()) == 2


def test_a_short_range_counts_only_its_orders(client, headers):
    body = client.get("/api/v1/reports/customers", query_string={"from": today().isoformat()},
                      headers=headers).get_json()
    span = DateRange(today(), today())
    assert {(c["customer"], c["orders"]) for c in body["customers"]} == {
        (a.customer, a.orders) for a in raw_activity(span)} == {("CUST1", 2), ("CUST2", 1)}


def test_customer_page_and_csv(client, auth, sold):
    auth.login_as("credit_controller")
    page = client.get("/ops/reports/customers")
    assert page.status_code == 200 and "Repeat rate" in page.text and "<svg" in page.text
    assert "CUST1" in page.text and "champions" in page.text
    csv = client.get("/ops/reports/customers?format=csv").text.splitlines()
    assert csv[0].startswith("customer,name,currency,orders,revenue") and len(csv) == 3


@pytest.mark.parametrize("group", ["day", "week", "month"])
def test_cycle_time_percentiles_equal_the_raw_durations(client, headers, group):
    span = DateRange(today() - timedelta(days=59), today())
    body = client.get("/api/v1/reports/cycle-times", query_string={"from": span.start.isoformat(), "group": group},
                      headers=headers).get_json()
    durations = defaultdict(list)
    for (day, step), seconds in cycle_durations().items():
        if span.contains(day):
            durations[(period_label(period_start(day, group), group), step)].extend(seconds)
    expected = {key: (len(values), percentile(histogram_of(values), 0.5), percentile(histogram_of(values), 0.9))
                for key, values in durations.items()}
    answered = {(r["period"], r["step"]): (r["orders"], r["p50_seconds"], r["p90_seconds"]) for r in body["rows"]}
    assert set(answered) == set(expected)
    for key, (orders, p50, p90) in expected.items():
        assert answered[key] == (orders, round(p50, 1), round(p90, 1))
    assert sum(orders for (_, step), (orders, _, _) in answered.items() if step == "shipped_to_delivered") == 2
    assert body["resolution_percent"] == 19


def test_cycle_time_page_states_its_resolution(client, auth, sold):
    auth.login_as("ops_agent")
    page = client.get("/ops/reports/cycle-times?group=day")
    assert page.status_code == 200 and "19 %" in page.text and "received to approved" in page.text
    assert "<svg" in page.text
    csv = client.get("/ops/reports/cycle-times?format=csv").text.splitlines()
    assert csv[0] == "period,step,orders,p50_seconds,p90_seconds" and len(csv) > 1


def test_partners_cannot_read_ops_reports(client, auth, sold):
    token = ApiToken.issue(User.get(User.email == "dist1@relay.test"))
    # customer behaviour a distributor reads for its own book (below); cycle times are ops-only
    assert client.get("/api/v1/reports/cycle-times", headers={"Authorization": f"Bearer {token}"}).status_code == 403
    auth.login_as("distributor")
    for path in ("/ops/reports/", "/ops/reports/customers", "/ops/reports/cycle-times"):
        assert client.get(path).status_code == 403


def token_for(email: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == email))}"}


def test_a_distributor_sees_the_customer_behaviour_of_its_own_book_only(client, auth, sold):
    body = client.get("/api/v1/reports/customers", headers=token_for("dist1@relay.test")).get_json()
    assert {row["customer"] for row in body["customers"]} == {"CUST1"}
    body = client.get("/api/v1/reports/customers", headers=token_for("dist2@relay.test")).get_json()
    assert {row["customer"] for row in body["customers"]} == {"CUST2"}
    assert client.get("/api/v1/reports/customers", headers=token_for("sup1@relay.test")).status_code == 403
    auth.login_as("distributor")
    page = client.get("/my/reports/customers")
    assert page.status_code == 200 and "My customers" in page.text
    assert "CUST1" in page.text and "CUST2" not in page.text
    assert client.get("/ops/reports/customers").status_code == 403
