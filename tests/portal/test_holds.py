"""The hold queue and hold decisions in the portal: who may release which hold, and the server refusing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.orders.flow import review
from models.orders.tables import Order
from schemas.orders import order_schema
from tests.factories import order_body
from tests.portal.conftest import place

QUEUE = "/ops/holds"


def held(external_ref: str, *, customer_code: str, region: str, quantity: int, held_ago: timedelta) -> Order:
    """Place a one-line WIDGET order and run review on it the real way; it must end on hold."""
    body = order_body(external_ref, customer_code=customer_code, region=region,
                      lines=[{"sku": "WIDGET", "quantity": quantity, "unit_price": "10.00"}])
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor="test") == "hold"
    Order.update(status_changed_at=utc_now() - held_ago).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


@pytest.fixture
def credit_hold(app) -> Order:
    """CUST1 (limit 10,000.00) ordering 10,010.00: held for credit_limit, three hours ago."""
    return held("PO-CREDIT", customer_code="CUST1", region="R1", quantity=1001, held_ago=timedelta(hours=3))


@pytest.fixture
def amount_hold(app) -> Order:
    """CUST2 (no limit) ordering 26,000.00, above the 25,000.00 review threshold: held two days ago."""
    return held("PO-AMOUNT", customer_code="CUST2", region="R2", quantity=2600, held_ago=timedelta(days=2, hours=1))


def allocation_nudges() -> int:
    return OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders").count()


def queue_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<td><a href="/orders/(\d+)">', page)]


# --- the queue ---------------------------------------------------------------------------------

def test_queue_lists_held_orders_oldest_first_with_reasons(auth, client, credit_hold, amount_hold):
    place("PO-NOT-HELD")
    auth.login_as("ops_agent")
    page = client.get(QUEUE).text
    assert queue_ids(page) == [amount_hold.id, credit_hold.id]
    assert "Orders on hold <span class=\"muted\">2</span>" in page
    assert "CUST2" in page and "26,000.00 USD" in page and "10,010.00 USD" in page
    assert ">2d 1h</time>" in page and ">3h 0m</time>" in page
    assert re.search(r'title="order total 26000.00 is above the review threshold 25000.00">amount</span>', page)
    assert re.search(r'title="exposure 10010.00 [^"]*exceeds the credit limit 10000.00[^"]*">credit_limit</span>',
                     page)
    credit_row = page[page.index(f'<a href="/orders/{credit_hold.id}">'):]
    assert "a credit controller or ops admin" in credit_row
    assert "not your decision" in credit_row and "release-comment" not in credit_row
    amount_row = page[page.index(f'<a href="/orders/{amount_hold.id}">'):page.index(f'<a href="/orders/{credit_hold.id}">')]
    assert "a credit controller, ops admin or ops agent" in amount_row
    assert f'action="/orders/{amount_hold.id}/release"' in amount_row
    assert f'action="/orders/{amount_hold.id}/reject"' in amount_row


def test_credit_controller_may_decide_every_row(auth, client, credit_hold, amount_hold):
    auth.login_as("credit_controller")
    page = client.get(QUEUE).text
    assert "not your decision" not in page
    assert page.count('name="release-comment"') == 2


@pytest.mark.parametrize("reason, expected", [
    ("credit_limit", ["credit"]), ("amount", ["amount"]), ("stock", []), ("", ["amount", "credit"]),
    ("no-such-reason", ["amount", "credit"]),
])
def test_queue_filters_by_reason(auth, client, credit_hold, amount_hold, reason, expected):
    auth.login_as("ops_admin")
    page = client.get(QUEUE, query_string={"reason": reason}).text
    ids = {"credit": credit_hold.id, "amount": amount_hold.id}
    assert queue_ids(page) == [ids[name] for name in expected]
    if reason == "credit_limit":
        assert '<option value="credit_limit" selected>' in page
    if not expected:
        assert "No orders on hold for stock." in page


def test_queue_pages(auth, client, credit_hold, amount_hold, monkeypatch):
    monkeypatch.setattr("portal.holds.PAGE_SIZE", 1)
    auth.login_as("ops_admin")
    first = client.get(QUEUE).text
    assert queue_ids(first) == [amount_hold.id] and 'href="/ops/holds?page=2"' in first
    second = client.get(QUEUE, query_string={"page": 2}).text
    assert queue_ids(second) == [credit_hold.id] and "page=3" not in second


@pytest.mark.parametrize("role, status", [("distributor", 403), ("supplier", 403)])
def test_queue_is_for_ops_only(auth, client, role, status):
    assert client.get(QUEUE).status_code == 302  # signed out: to the sign-in page
    auth.login_as(role)
    assert client.get(QUEUE).status_code == status


# --- deciding from the queue -------------------------------------------------------------------

def test_ops_agent_releases_an_amount_hold_and_returns_to_the_queue(auth, client, amount_hold):
    auth.login_as("ops_agent")
    response = client.post(f"/orders/{amount_hold.id}/release",
                           data={"release-comment": "called the buyer", "next": "/ops/holds?reason=amount"})
    assert response.status_code == 302 and response.headers["Location"] == "/ops/holds?reason=amount"
    order = Order.get_by_id(amount_hold.id)
    assert (order.status, order.status_reason) == ("approved", "released: called the buyer")
    assert allocation_nudges() == 1
    assert f"Order {amount_hold.id} released to allocation." in client.get("/ops/holds").text


def test_ops_agent_may_not_release_a_credit_hold(auth, client, credit_hold):
    auth.login_as("ops_agent")
    response = client.post(f"/orders/{credit_hold.id}/release", data={"release-comment": "ok", "next": QUEUE},
                           follow_redirects=True)
    assert f"Order {credit_hold.id} cannot be released" in response.text
    assert "credit_controller or ops_admin" in response.text
    assert Order.get_by_id(credit_hold.id).status == "on_hold"
    refused = client.post(f"/orders/{credit_hold.id}/reject", data={"reject-comment": "no"}, follow_redirects=True)
    assert f"Order {credit_hold.id} cannot be rejected" in refused.text
    assert Order.get_by_id(credit_hold.id).status == "on_hold"
    assert allocation_nudges() == 0


def test_credit_controller_releases_a_credit_hold(auth, client, credit_hold):
    auth.login_as("credit_controller")
    response = client.post(f"/orders/{credit_hold.id}/release", data={"release-comment": "prepaid", "next": QUEUE})
    assert response.headers["Location"] == QUEUE
    assert Order.get_by_id(credit_hold.id).status == "approved"
    assert allocation_nudges() == 1


def test_reject_needs_a_comment(auth, client, amount_hold):
    auth.login_as("ops_agent")
    response = client.post(f"/orders/{amount_hold.id}/reject", data={"reject-comment": " ", "next": QUEUE},
                           follow_redirects=True)
    assert "Give a reason to reject." in response.text
    assert Order.get_by_id(amount_hold.id).status == "on_hold"
    client.post(f"/orders/{amount_hold.id}/reject", data={"reject-comment": "duplicate of PO-9", "next": QUEUE})
    order = Order.get_by_id(amount_hold.id)
    assert (order.status, order.status_reason) == ("rejected", "rejected: duplicate of PO-9")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_a_next_that_leaves_the_site_is_ignored(auth, client, amount_hold, target):
    auth.login_as("ops_admin")
    response = client.post(f"/orders/{amount_hold.id}/release", data={"next": target})
    assert response.headers["Location"] == f"/orders/{amount_hold.id}"


def test_distributor_may_not_decide(auth, client, credit_hold):
    auth.login_as("distributor")
    assert client.post(f"/orders/{credit_hold.id}/release").status_code == 403
    assert Order.get_by_id(credit_hold.id).status == "on_hold"


# --- the order page ----------------------------------------------------------------------------

def test_order_page_lists_reviews_newest_first_with_reasons(auth, client, credit_hold):
    auth.login_as("credit_controller")
    client.post(f"/orders/{credit_hold.id}/release")
    Order.update(status="reviewing").where(Order.id == credit_hold.id).execute()
    assert review(credit_hold.id, actor="second-review") == "hold"
    page = client.get(f"/orders/{credit_hold.id}").text
    section = page[page.index("<h2>Review</h2>"):page.index("<h2>History</h2>")]
    assert section.count('class="card review"') == 2
    assert section.index("second-review") < section.index("· test")
    assert "rule set version 1" in section and "credit_limit" in section
    assert "exceeds the credit limit 10000.00 USD by 10.00 USD" in section
    assert "over_by 10.00" in section and "limit 10000.00" in section


def test_order_page_says_who_decides_when_the_user_may_not(auth, client, credit_hold):
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{credit_hold.id}").text
    assert "Held for credit_limit: a credit controller or ops admin decides." in page
    assert "release-comment" not in page
    auth.logout()
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{credit_hold.id}").text
    assert "On hold for credit_limit: decide" in page and 'name="release-comment"' in page


def test_order_that_was_never_reviewed_says_so(auth, client):
    order = place("PO-FRESH")
    auth.login_as("ops_agent")
    assert "Not reviewed yet." in client.get(f"/orders/{order.id}").text
