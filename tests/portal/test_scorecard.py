"""The supplier scorecard pages: ops see every supplier over a window, a supplier only its own row."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from tests.models.supply.test_scorecard import give_back, ship


@pytest.fixture
def scored(app):
    """SUP1: 20 WIDGET shipped this week, 2 defective; 10 shipped 200 days ago, 5 defective then.
    SUP2: 8 BOLT shipped, 1 damaged."""
    world = {"customer": Partner.get(Partner.code == "CUST1"), "east": Warehouse.get(Warehouse.code == "EAST")}
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    give_back(ship(world, {"WIDGET": 20}), {"WIDGET": (2, "defective")})
    long_ago = utc_now() - timedelta(days=200)
    give_back(ship(world, {"WIDGET": 10}, created_at=long_ago), {"WIDGET": (5, "defective")}, inspected_at=long_ago)
    give_back(ship(world, {"BOLT": 8}), {"BOLT": (1, "damaged")})


def rows(page: str) -> dict[str, list[str]]:
    """Supplier code -> its number cells (shipped, returned, defective, rate)."""
    found = {}
    for code, cells in re.findall(r"<tr>\s*<td>(\w+) <span class=\"muted\">.*?</td>(.*?)</tr>", page, re.DOTALL):
        found[code] = re.findall(r'<td class="num">(.*?)</td>', cells)
    return found


@pytest.mark.parametrize("role", ["ops_admin", "ops_agent", "credit_controller"])
def test_ops_see_every_supplier_over_ninety_days_by_default(auth, client, scored, role):
    auth.login_as(role)

    response = client.get("/ops/suppliers/scorecard")

    assert response.status_code == 200
    page = response.text
    assert rows(page) == {"SUP1": ["20", "2", "2", "10.00%"], "SUP2": ["8", "1", "0", "0.00%"]}
    assert "WIDGET <span class=\"muted\">Widget</span> × 2" in page
    assert 'aria-current="page">Last 90 days' in page
    assert 'href="/ops/suppliers/scorecard">Supplier scorecard</a>' in page  # the nav


def test_ops_choose_the_window(auth, client, scored):
    auth.login_as("ops_agent")

    everything = client.get("/ops/suppliers/scorecard?days=all").text
    bogus = client.get("/ops/suppliers/scorecard?days=7").text

    assert rows(everything)["SUP1"] == ["30", "7", "7", "23.33%"]
    assert 'aria-current="page">All time' in everything
    assert rows(bogus)["SUP1"] == ["20", "2", "2", "10.00%"]  # an unknown window shows the default


def test_supplier_without_shipments_shows_no_rate(auth, client, app):
    Partner.create(code="SUP3", name="Supplier Three", kind="supplier")
    auth.login_as("ops_admin")

    page = client.get("/ops/suppliers/scorecard").text

    assert rows(page)["SUP3"] == ["0", "0", "0", '<span class="muted">—</span>']


def test_supplier_sees_only_its_own_row(auth, client, scored):
    auth.login_as("supplier")  # SUP1

    response = client.get("/supplier/scorecard?days=365")

    assert response.status_code == 200
    assert rows(response.text) == {"SUP1": ["30", "7", "7", "23.33%"]}
    assert "SUP2" not in response.text and "Supplier Two" not in response.text
    assert 'href="/supplier/scorecard">Scorecard</a>' in response.text  # the nav


def test_supplier_may_not_open_the_ops_scorecard(auth, client, scored):
    auth.login_as("supplier")

    assert client.get("/ops/suppliers/scorecard").status_code == 403


@pytest.mark.parametrize("path", ["/ops/suppliers/scorecard", "/supplier/scorecard"])
def test_distributor_is_forbidden(auth, client, scored, path):
    auth.login_as("distributor")

    assert client.get(path).status_code == 403


def test_ops_have_no_supplier_page(auth, client, scored):
    auth.login_as("ops_admin")

    assert client.get("/supplier/scorecard").status_code == 403


@pytest.mark.parametrize("path", ["/ops/suppliers/scorecard", "/supplier/scorecard"])
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
