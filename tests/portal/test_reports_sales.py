"""The sales trend report, page and API: every figure equals the one computed here from the raw rows, for every
split and grouping, the previous range too; partners see only their own book (distributors) or SKUs (suppliers)."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from models.partners.tables import ApiToken, Partner, User
from models.reports.periods import DateRange, period_label
from tests.portal.report_sales_world import answered, expected_sales, sell_world, today


@pytest.fixture
def sold(app):
    return sell_world()


def token_for(email: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == email))}"}


def labelled(rows, group):
    return sorted((period_label(start, group), *rest) for start, *rest in rows)


@pytest.mark.parametrize("group", ["day", "week", "month"])
@pytest.mark.parametrize("by", [None, "channel", "region", "sku", "customer"])
def test_every_split_and_grouping_equals_the_raw_rows(client, sold, by, group):
    headers = token_for("admin@relay.test")
    span = DateRange(today() - timedelta(days=29), today())
    query = {"from": span.start.isoformat(), "to": span.end.isoformat(), "group": group, **({"by": by} if by else {})}
    body = client.get("/api/v1/reports/sales", query_string=query, headers=headers).get_json()
    assert sorted(answered(body["rows"])) == labelled(expected_sales(span, group, by), group)
    assert sorted(answered(body["previous"])) == labelled(expected_sales(span.previous(), group, by), group)
    assert body["rows"], "the range holds shipped orders"
    if by is None:
        assert body["previous"], "the previous range holds one shipped order"


def test_filters_narrow_to_the_raw_rows_of_the_filter(client, sold):
    headers = token_for("admin@relay.test")
    span = DateRange(today() - timedelta(days=60), today())
    base = {"from": span.start.isoformat(), "to": span.end.isoformat(), "group": "month"}
    cust2 = {Partner.get(Partner.code == "CUST2").id}
    body = client.get("/api/v1/reports/sales", query_string={**base, "customer": "CUST2"}, headers=headers).get_json()
    assert sorted(answered(body["rows"])) == labelled(expected_sales(span, "month", None, customers=cust2), "month")
    body = client.get("/api/v1/reports/sales", query_string={**base, "sku": "SPROCKET", "by": "customer"},
                      headers=headers).get_json()
    expected = labelled(expected_sales(span, "month", "customer", sku="SPROCKET"), "month")
    assert sorted(answered(body["rows"])) == expected
    assert sum(row[2] for row in expected) == 2  # two orders held sprockets
    body = client.get("/api/v1/reports/sales", query_string={**base, "channel": "email"}, headers=headers).get_json()
    assert [(r["orders"], r["key"]) for r in body["rows"]] == [(1, "all")]


def test_csv_gives_the_same_rows(client, sold):
    headers = token_for("admin@relay.test")
    query = {"group": "week", "by": "sku"}
    rows = client.get("/api/v1/reports/sales", query_string=query, headers=headers).get_json()["rows"]
    csv = client.get("/api/v1/reports/sales", query_string={**query, "format": "csv"}, headers=headers)
    assert csv.mimetype == "text/csv"
    lines = csv.text.strip().splitlines()
    assert lines[0] == "period,key,orders,units,revenue,currency,revenue_base,base_currency"
    assert lines[1:] == [f"{r['period']},{r['key']},{r['orders']},{r['units']},{r['revenue']},{r['currency']},"
                         f"{r['revenue_base']},USD" for r in rows]


def test_the_page_shows_chart_table_and_export(client, auth, sold):
    auth.login_as("ops_agent")
    page = client.get("/ops/reports/sales?group=week&by=channel")
    assert page.status_code == 200
    assert "<svg" in page.text and "pygal-chart" in page.text and "Previous range USD" in page.text
    assert "email" in page.text and "portal" in page.text
    assert "format=csv" in page.text
    csv = client.get("/ops/reports/sales?group=week&by=channel&format=csv")
    assert csv.text.startswith("period,key,orders,units,revenue,currency")
    index = client.get("/ops/reports/")
    assert "/ops/reports/sales" in index.text and "/ops/reports/customers" in index.text


def test_a_wrong_range_is_a_400_page_and_a_422_answer(client, auth, sold):
    auth.login_as("ops_admin")
    page = client.get("/ops/reports/sales?from=2026-13-01")
    assert page.status_code == 400 and "is not a date" in page.text
    assert client.get("/ops/reports/sales?by=colour").status_code == 400
    answer = client.get("/api/v1/reports/sales?to=nope", headers=token_for("admin@relay.test"))
    assert answer.status_code == 422 and "to" in answer.get_json()["errors"]


def test_a_distributor_sees_only_its_own_book(client, auth, sold):
    dist1 = {Partner.get(Partner.code == code).id for code in ("CUST1", "DIST1")}
    span = DateRange(today() - timedelta(days=29), today())
    body = client.get("/api/v1/reports/sales", query_string={"by": "customer"},
                      headers=token_for("dist1@relay.test")).get_json()
    assert sorted(answered(body["rows"])) == labelled(expected_sales(span, "day", "customer", customers=dist1), "day")
    assert {r["key"] for r in body["rows"]} == {"CUST1"}
    body = client.get("/api/v1/reports/sales", query_string={"by": "customer"},
                      headers=token_for("dist2@relay.test")).get_json()
    assert {r["key"] for r in body["rows"]} == {"CUST2"}
    auth.login_as("distributor")
    page = client.get("/my/reports/sales?by=customer")
    assert page.status_code == 200 and "CUST1" in page.text and "CUST2" not in page.text
    # Asking for another distributor's customer by code finds nothing.
    page = client.get("/my/reports/sales?customer=CUST2")
    assert "No order shipped" in page.text
    assert client.get("/ops/reports/sales").status_code == 403


def test_a_supplier_sees_the_sell_through_of_its_own_skus_only(client, auth, sold):
    skus = {"WIDGET", "GADGET"}  # SUP1's; SPROCKET is SUP2's
    span = DateRange(today() - timedelta(days=29), today())
    body = client.get("/api/v1/reports/sales", query_string={"by": "sku", "group": "month"},
                      headers=token_for("sup1@relay.test")).get_json()
    assert sorted(answered(body["rows"])) == labelled(expected_sales(span, "month", "sku", skus=skus), "month")
    assert {r["key"] for r in body["rows"]} == skus
    body = client.get("/api/v1/reports/sales", headers=token_for("sup1@relay.test")).get_json()
    assert sorted(answered(body["rows"])) == labelled(expected_sales(span, "day", None, skus=skus), "day")
    assert client.get("/api/v1/reports/sales?by=customer",
                      headers=token_for("sup1@relay.test")).status_code == 422  # never who bought
    auth.login_as("supplier")
    page = client.get("/supplier/reports/sell-through?by=sku")
    assert page.status_code == 200 and "WIDGET" in page.text and "SPROCKET" not in page.text
    assert client.get("/api/v1/reports/customers", headers=token_for("sup1@relay.test")).status_code == 403


def test_a_limit_keeps_the_top_keys_and_sums_the_others_into_one_row(client, auth, sold):
    """The API keeps the customer with most revenue; every other customer, in the range and the range before,
    is summed into an "other" row that equals the raw rows; the CSV export has every key."""
    headers = token_for("admin@relay.test")
    span = DateRange(today() - timedelta(days=29), today())
    query = {"from": span.start.isoformat(), "to": span.end.isoformat(), "group": "month", "by": "customer"}
    every = client.get("/api/v1/reports/sales", query_string=query, headers=headers).get_json()
    assert every["limit"] == 50 and not any(row["other"] for row in every["rows"])
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for _, key, _, _, money, _ in expected_sales(span, "month", "customer"):
        revenue[key] += money
    assert len(revenue) >= 2, "the range sells to at least two customers"
    top = max(revenue, key=lambda key: revenue[key])
    body = client.get("/api/v1/reports/sales", query_string={**query, "limit": "1"}, headers=headers).get_json()
    assert body["limit"] == 1
    assert sorted(answered(body["rows"])) == labelled(folded(expected_sales(span, "month", "customer"), top), "month")
    assert sorted(answered(body["previous"])) == labelled(
        folded(expected_sales(span.previous(), "month", "customer"), top), "month")
    assert {row["key"] for row in body["rows"] if not row["other"]} == {top}
    assert [row["key"] for row in body["rows"] if row["other"]] == ["other"] * sum(r["other"] for r in body["rows"])
    csv = client.get("/api/v1/reports/sales", query_string={**query, "format": "csv"}, headers=headers)
    assert len(csv.text.strip().splitlines()) == 1 + len(every["rows"])
    auth.login_as("ops_agent")
    page = client.get("/ops/reports/sales", query_string={**query, "limit": "1"})
    assert page.status_code == 200 and "every other customer" in page.text and "The 1 customer keys" in page.text


@pytest.mark.parametrize("limit", ["0", "1001", "ten", "-3"])
def test_a_wrong_limit_is_a_400_page_and_a_422_answer(client, auth, sold, limit):
    answer = client.get(f"/api/v1/reports/sales?by=sku&limit={limit}", headers=token_for("admin@relay.test"))
    assert answer.status_code == 422 and "limit" in answer.get_json()["errors"]
    auth.login_as("ops_admin")
    assert client.get(f"/ops/reports/sales?by=sku&limit={limit}").status_code == 400


def folded(expected: list[tuple], top: str) -> list[tuple]:
    """Raw rows with every key but ``top`` summed per period and currency under "other"."""
    found: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for start, key, orders, units, revenue, currency in expected:
        row = found[(start, key if key == top else "other", currency)]
        row[0] += orders
        row[1] += units
        row[2] += revenue
    return sorted((start, key, *figures, currency) for (start, key, currency), figures in found.items())
