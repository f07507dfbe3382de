"""The supplier scorecard pages: ops rank every supplier and open any card, a supplier sees only its own card;
the trend is an inline SVG chart that needs no script and no inline style."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.supply.scorecard_rules import HIGHER_IS_WORSE
from portal.scorecard import RANKING_COLUMNS
from tests.models.supply.test_scorecard import give_back, purchase, receive, ship


@pytest.fixture
def scored(app):
    """SUP1: 20 WIDGET shipped this week, 2 defective; 10 shipped 200 days ago, 5 defective then; a purchase
    order of 10 WIDGET due 10 days ago, 6 came on time, 2 good and 2 damaged late (on time 60 %, fill 80 %).
    SUP2: 8 BOLT shipped, 1 damaged; a purchase order of 10 BOLT, all on time."""
    now = utc_now()
    world = {"customer": Partner.get(Partner.code == "CUST1"), "east": Warehouse.get(Warehouse.code == "EAST"),
             "supplier": Partner.get(Partner.code == "SUP1")}
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    give_back(ship(world, {"WIDGET": 20}), {"WIDGET": (2, "defective")})
    long_ago = now - timedelta(days=200)
    give_back(ship(world, {"WIDGET": 10}, created_at=long_ago), {"WIDGET": (5, "defective")}, inspected_at=long_ago)
    give_back(ship(world, {"BOLT": 8}), {"BOLT": (1, "damaged")})
    sent, due = now - timedelta(days=30), (now - timedelta(days=10)).date()
    late = purchase(world, {"WIDGET": 10}, sent_at=sent, answered_at=sent + timedelta(hours=30), promised=due)
    receive(late, {"WIDGET": (6, 0)}, at=now - timedelta(days=12))
    receive(late, {"WIDGET": (2, 2)}, at=now - timedelta(days=5))
    prompt = purchase(world, {"BOLT": 10}, supplier=sup2, sent_at=sent, answered_at=sent + timedelta(hours=2),
                      promised=due)
    receive(prompt, {"BOLT": (10, 0)}, at=now - timedelta(days=11))


def ranking(page: str) -> list[str]:
    """The supplier codes of the ranking, in the order shown."""
    return re.findall(r'<tr data-supplier="(\w+)">', page)


def row(page: str, code: str) -> dict[str, str]:
    """Measure -> the value shown, in one supplier's ranking row or card (without the muted detail after it)."""
    start = page.index(f'data-supplier="{code}"')
    end = page.index("</tr>" if page.startswith("<tr", page.rindex("<", 0, start)) else "</div>", start)
    cells = re.findall(r'data-measure="(\w+)">(.*?)</(?:td|dd)>', page[start:end])
    return {name: re.sub(r"<[^>]+>", "", value.split(" <span")[0]).strip() for name, value in cells}


@pytest.mark.parametrize("role", ["ops_admin", "ops_agent", "credit_controller"])
def test_ops_see_every_supplier_ranked_worst_on_time_first(auth, client, scored, role):
    Partner.create(code="SUP3", name="Supplier Three", kind="supplier")
    auth.login_as(role)

    response = client.get("/ops/suppliers/scorecard")

    assert response.status_code == 200
    page = response.text
    assert ranking(page) == ["SUP1", "SUP2", "SUP3"]  # 60 %, 100 %, no receipts: last
    sup1 = row(page, "SUP1")
    assert (sup1["on_time_rate"], sup1["fill_rate"], sup1["late_lines"]) == ("60.00%", "80.00%", "1")
    assert (sup1["confirmation_hours"], sup1["units_shipped"], sup1["defective_rate"]) == ("30.0", "20", "10.00%")
    assert sup1["defect_rate"] == "13.33%"  # (2 damaged + 2 defective) / (10 received + 20 shipped)
    assert row(page, "SUP3")["on_time_rate"] == "—"
    assert 'aria-current="page">Last 90 days' in page
    assert 'href="/ops/suppliers/scorecard">Supplier scorecard</a>' in page  # the nav
    assert 'href="/ops/suppliers/SUP1/scorecard?days=90">SUP1</a>' in page


def test_ops_sort_by_any_measure_and_turn_the_order_round(auth, client, scored):
    auth.login_as("ops_agent")

    by_confirmation = client.get("/ops/suppliers/scorecard?sort=confirmation_hours").text
    best_first = client.get("/ops/suppliers/scorecard?sort=on_time_rate&order=best").text
    bogus = client.get("/ops/suppliers/scorecard?sort=name&order=sideways").text

    assert ranking(by_confirmation) == ["SUP1", "SUP2"]  # 30 h is worse than 2 h
    assert 'aria-sort="descending"' in by_confirmation
    assert ranking(best_first) == ["SUP2", "SUP1"]
    assert 'aria-sort="descending"' in best_first
    assert ranking(bogus) == ["SUP1", "SUP2"]  # an unknown column or order: the default
    assert 'aria-sort="ascending"' in bogus
    # the current column's link turns the order round; the others start worst first
    assert "sort=on_time_rate&amp;order=best" in bogus and "sort=fill_rate&amp;order=worst" in bogus


def test_every_rankable_measure_has_a_column():
    assert set(RANKING_COLUMNS) == set(HIGHER_IS_WORSE)


def test_ops_choose_the_window(auth, client, scored):
    auth.login_as("ops_agent")

    everything = client.get("/ops/suppliers/scorecard?days=all").text
    bogus = client.get("/ops/suppliers/scorecard?days=7").text

    assert (row(everything, "SUP1")["units_shipped"], row(everything, "SUP1")["defective_rate"]) == ("30", "23.33%")
    assert 'aria-current="page">All time' in everything
    assert row(bogus, "SUP1")["units_shipped"] == "20"  # an unknown window shows the default


def test_ops_open_one_suppliers_card(auth, client, scored):
    auth.login_as("ops_admin")

    response = client.get("/ops/suppliers/SUP1/scorecard?days=365")

    assert response.status_code == 200
    card = row(response.text, "SUP1")
    assert (card["on_time_rate"], card["fill_rate"], card["units_shipped"], card["units_returned"]) == (
        "60.00%", "80.00%", "30", "7")
    assert card["promised_lead_days"] == "20.0" and card["actual_lead_days"] == "18.0"
    assert "WIDGET <span class=\"muted\">Widget</span> × 7" in response.text
    assert client.get("/ops/suppliers/NOPE/scorecard").status_code == 404
    assert client.get("/ops/suppliers/CUST1/scorecard").status_code == 404  # not a supplier


def test_the_trend_is_an_inline_svg_chart_without_script_or_inline_style(auth, client, scored):
    auth.login_as("ops_admin")

    for path in ("/ops/suppliers/scorecard", "/ops/suppliers/SUP1/scorecard"):
        response = client.get(path)
        page = response.text
        assert re.search(r'<svg xmlns="http://www.w3.org/2000/svg" id="chart-[\w-]+" class="pygal-chart"', page)
        assert "On time, " in page and "Fill rate" in page  # each point's title and the legend
        assert "<script" not in page and "<style" not in page and " style=" not in page
        assert '<link rel="stylesheet" href="/charts.css">' in page
        assert "script-src" not in response.headers["Content-Security-Policy"]  # default-src 'self' applies
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert re.search(r"<tr><td>\d{4}-\d\d</td>", page)  # the figures by month, for reading without the chart

    stylesheet = client.get("/charts.css")

    assert stylesheet.status_code == 200 and stylesheet.mimetype == "text/css"
    assert ".pygal-chart .axis" in stylesheet.text and "#chart-" not in stylesheet.text
    assert "#1d4ed8" in stylesheet.text  # the first series in the portal's accent colour


def test_supplier_sees_only_its_own_card(auth, client, scored):
    auth.login_as("supplier")  # SUP1

    response = client.get("/supplier/scorecard?days=365")

    assert response.status_code == 200
    page = response.text
    assert re.findall(r'data-supplier="(\w+)"', page) == ["SUP1"]
    card = row(page, "SUP1")
    assert (card["units_shipped"], card["units_returned"], card["on_time_rate"]) == ("30", "7", "60.00%")
    assert "SUP2" not in page and "Supplier Two" not in page and "BOLT" not in page
    assert "<svg" in page and "pygal-chart" in page
    assert 'href="/supplier/scorecard">Scorecard</a>' in page  # the nav


def months_received(page: str) -> dict[str, int]:
    """Month -> units received against a due date, from the figures under the chart."""
    return {month: int(units) for month, units in
            re.findall(r'<tr><td>(\d{4}-\d\d)</td><td class="num">.*?</td><td class="num">(\d+)</td>', page)}


def test_the_suppliers_trend_leaves_other_suppliers_out(auth, client, scored):
    auth.login_as("supplier")

    mine = months_received(client.get("/supplier/scorecard").text)

    assert len(mine) == 12 and sum(mine.values()) == 10  # SUP2's 10 BOLT are not in it
    auth.logout()
    auth.login_as("ops_admin")
    assert sum(months_received(client.get("/ops/suppliers/scorecard").text).values()) == 20
    assert sum(months_received(client.get("/ops/suppliers/SUP2/scorecard").text).values()) == 10


@pytest.mark.parametrize("path", ["/ops/suppliers/scorecard", "/ops/suppliers/SUP2/scorecard",
                                  "/ops/suppliers/SUP1/scorecard"])
def test_supplier_may_not_open_the_ops_pages(auth, client, scored, path):
    auth.login_as("supplier")

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/ops/suppliers/scorecard", "/supplier/scorecard", "/ops/suppliers/SUP1/scorecard"])
def test_distributor_is_forbidden(auth, client, scored, path):
    auth.login_as("distributor")

    assert client.get(path).status_code == 403


def test_ops_have_no_supplier_page(auth, client, scored):
    auth.login_as("ops_admin")

    assert client.get("/supplier/scorecard").status_code == 403


@pytest.mark.parametrize("path", ["/ops/suppliers/scorecard", "/supplier/scorecard", "/ops/suppliers/SUP1/scorecard"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
