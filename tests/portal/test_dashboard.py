"""/home: each role's "needs my action now" with counts linked to where it is acted on, and today's figures."""
import re

import pytest

import models.operations.dashboard as dashboard
from tests.factories import allow_repeat_orders
from tests.portal.conftest import place, put_on_hold


def actions(html: str) -> dict[str, tuple[str, str]]:
    """data-action key -> (link, count shown)."""
    return {key: (href, count) for href, key, count in
            re.findall(r'<a href="([^"]*)" data-action="(\w+)">[^<]*<b>([^<]*)</b>', html)}


def figure(html: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">(.*?)</td>', html, re.S).group(1)


@pytest.fixture
def held(app):
    allow_repeat_orders()
    order = place("PO-HELD")
    put_on_hold(order.id)  # a credit-limit hold
    place("PO-OTHER", customer_code="CUST2")
    return order


def test_agent_sees_its_queue_links_and_today(client, auth, held, monkeypatch):
    monkeypatch.setattr(dashboard, "dead_letter_count", lambda: None)
    auth.login_as("ops_agent")
    html = client.get("/home").text
    found = actions(html)
    assert found["holds"] == ("/ops/holds", "0")  # a credit hold is not the agent's to decide
    assert found["dead_letters"][1] == "–"
    assert found["stuck"] == ("/ops/stuck", "0")
    assert found["returns_to_inspect"][0] == "/ops/returns?view=received"
    assert found["draft_purchase_orders"][0] == "/ops/purchase-orders?status=draft"
    assert figure(html, "received") == "2"
    assert figure(html, "shipped") == "0"
    assert ">1</a>" in figure(html, "open_holds")


def test_dead_letter_count_shows_when_known(client, auth, held, monkeypatch):
    monkeypatch.setattr(dashboard, "dead_letter_count", lambda: 4)
    auth.login_as("ops_admin")
    found = actions(client.get("/home").text)
    assert found["dead_letters"][1] == "4"
    assert found["holds"][1] == "1"  # an ops admin may decide a credit hold


def test_credit_controller_sees_credit_holds_and_overdue_customers(client, auth, held):
    auth.login_as("credit_controller")
    found = actions(client.get("/home").text)
    assert set(found) == {"credit_holds", "overdue_customers"}
    assert found["credit_holds"] == ("/ops/holds", "1")
    assert found["overdue_customers"][0].startswith("/ops/customers")


def test_distributor_sees_only_its_own(client, auth, held):
    auth.login_as("distributor")  # DIST1: CUST1's distributor
    html = client.get("/home").text
    assert actions(html)["my_on_hold"] == ("/orders?status=on_hold", "1")
    assert "data-figure" not in html  # the business's figures are not a partner's
    auth.logout()
    auth.login("dist2@relay.test")
    assert actions(client.get("/home").text)["my_on_hold"][1] == "0"


def test_supplier_keeps_its_own_home(client, auth, held):
    auth.login_as("supplier")
    assert client.get("/home").headers["Location"] == "/supplier"


def test_nav_links_home(client, auth, held):
    auth.login_as("ops_agent")
    assert 'href="/home"' in client.get("/orders").text
