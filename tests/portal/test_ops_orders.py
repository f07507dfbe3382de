import re
from datetime import datetime
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.outbox import OutboxMessage
from models.inventory.tables import Stock, Warehouse
from models.orders.flow import allocate, review
from models.orders.tables import Order, OrderLine, Reservation
from models.shipping.tables import Shipment, TrackingEvent, Waybill
from portal import ops
from tests.portal.conftest import USERS, place, put_on_hold


def listed_ids(page: str) -> list[int]:
    """Order ids in the list, top to bottom."""
    return list(dict.fromkeys(int(i) for i in re.findall(r'href="/orders/(\d+)"', page)))


def outbox(actor_name: str) -> list[list[int]]:
    """The order ids of each outbox message for ``actor_name`` (its first argument)."""
    return [m.args[0] for m in OutboxMessage.select().where(OutboxMessage.actor_name == actor_name)]


# --- list --------------------------------------------------------------------------------------

def test_list_shows_orders_newest_first_with_columns(auth, client):
    first, second = place("PO-A"), place("PO-B")
    auth.login_as("ops_agent")
    page = client.get("/orders").text
    assert listed_ids(page) == [second.id, first.id]
    assert "PO-B" in page and "CUST1" in page and "api" in page
    assert "45.50 USD" in page  # 2 x 10.00 + 1 x 25.50
    assert 'class="badge status-reviewing"' in page


def test_list_filters_by_status_and_counts_each_status(auth, client):
    held, waiting = place("PO-HOLD"), place("PO-NEW")
    put_on_hold(held.id)
    auth.login_as("ops_admin")
    page = client.get("/orders?status=on_hold").text
    assert listed_ids(page) == [held.id]
    assert '<option value="on_hold" selected>' in page
    counts = dict(re.findall(r'status-(\w+)">\w+</span> <b>(\d+)</b>', page))
    assert counts == {"reviewing": "1", "on_hold": "1"}
    assert listed_ids(client.get("/orders?status=reviewing").text) == [waiting.id]
    assert listed_ids(client.get("/orders?status=all").text) == [waiting.id, held.id]


def test_unknown_status_filter_shows_all(auth, client):
    order = place("PO-1")
    auth.login_as("ops_admin")
    assert listed_ids(client.get("/orders?status=bogus").text) == [order.id]


def test_list_searches_reference_and_customer_code(auth, client):
    mine = place("ACME-77")
    other = place("ZZ-1", customer_code="CUST2", region="R2")
    auth.login_as("ops_admin")
    assert listed_ids(client.get("/orders?q=acme").text) == [mine.id]
    assert listed_ids(client.get("/orders?q=CUST2").text) == [other.id]
    assert listed_ids(client.get("/orders?q=nothing-like-it").text) == []


def test_searching_a_reference_two_distributors_share_lists_only_ones_own(auth, client):
    mine = place("PO-NE-9001", placed_by="DIST1")
    theirs = place("PO-NE-9001", customer_code="CUST2", placed_by="DIST2", region="R2")
    auth.login_as("distributor")
    assert listed_ids(client.get("/orders?q=PO-NE-9001").text) == [mine.id]
    auth.logout()
    auth.login_as("ops_admin")
    assert listed_ids(client.get("/orders?q=PO-NE-9001").text) == [theirs.id, mine.id]


def test_list_pages_by_keyset(auth, client):
    ids = [place(f"PO-{n:03d}").id for n in range(ops.PAGE_SIZE + 5)]
    auth.login_as("ops_admin")
    first = client.get("/orders").text
    assert listed_ids(first) == ids[::-1][:ops.PAGE_SIZE]
    next_before = re.search(r'rel="next" href="[^"]*before=(\d+)', first)[1]
    assert int(next_before) == ids[5]
    second = client.get(f"/orders?status=all&before={next_before}").text
    assert listed_ids(second) == ids[:5][::-1]
    assert 'rel="next"' not in second


# --- who sees what -----------------------------------------------------------------------------

@pytest.fixture
def books():
    """Orders of DIST1's book (placed by it, for its customer, for itself) and one of DIST2's."""
    return {
        "placed": place("D1-PLACED", placed_by="DIST1", channel="portal"),
        "served": place("D1-SERVED"),
        "own": place("D1-OWN", customer_code="DIST1"),
        "other": place("D2-ORDER", customer_code="CUST2", region="R2"),
    }


def test_distributor_sees_only_its_book(auth, client, books):
    auth.login_as("distributor")
    ids = listed_ids(client.get("/orders").text)
    assert sorted(ids) == sorted(books[k].id for k in ("placed", "served", "own"))
    assert client.get(f"/orders/{books['other'].id}").status_code == 404
    assert client.get(f"/orders/{books['served'].id}").status_code == 200


def test_second_distributor_is_isolated_from_first(auth, client, books):
    auth.login("dist2@relay.test")
    page = client.get("/orders").text
    assert listed_ids(page) == [books["other"].id]
    assert "D1-" not in page
    assert re.search(r"all <b>(\d+)</b>", page)[1] == "1"
    for key in ("placed", "served", "own"):
        assert client.get(f"/orders/{books[key].id}").status_code == 404


def test_supplier_gets_403_everywhere_on_the_desk(auth, client, books):
    auth.login_as("supplier")
    assert client.get("/orders").status_code == 403
    assert client.get(f"/orders/{books['served'].id}").status_code == 403
    assert client.post(f"/orders/{books['served'].id}/release").status_code == 403


def test_missing_order_is_404(auth, client):
    auth.login_as("ops_admin")
    assert client.get("/orders/999999").status_code == 404


# --- order page --------------------------------------------------------------------------------

def test_order_page_shows_lines_reservations_shipments_tracking_and_trail(auth, client):
    order = place("PO-FULL")
    east = Warehouse.get(Warehouse.code == "EAST")
    line = OrderLine.get(OrderLine.order == order.id, OrderLine.sku == "WIDGET")
    stock = Stock.get(Stock.product == line.product_id, Stock.warehouse == east)
    Reservation.create(order_line=line, warehouse=east, stock=stock, quantity=2)
    shipment = Shipment.create(order=order, warehouse=east, weight_kg="1.500")
    Waybill.create(shipment=shipment, carrier="sandbox", idempotency_key="k-1", status="issued",
                   waybill_number="WB123", tracking_url="https://track.example/WB123", last_error="timeout once")
    TrackingEvent.create(shipment=shipment, carrier="sandbox", carrier_event_id="e2", code="in_transit",
                         occurred_at=datetime(2024, 5, 2, 9, 0))
    TrackingEvent.create(shipment=shipment, carrier="sandbox", carrier_event_id="e1", code="picked_up",
                         occurred_at=datetime(2024, 5, 1, 8, 30))
    put_on_hold(order.id)
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{order.id}").text
    assert "PO-FULL" in page and "CUST1" in page and "credit limit exceeded" in page
    assert "WIDGET" in page and "GADGET" in page and "45.50 USD" in page
    assert re.search(r"EAST: 2 <span[^>]*>active</span>", page)
    assert "WB123" in page and 'href="https://track.example/WB123"' in page and "timeout once" in page
    assert page.index("picked_up") < page.index("in_transit")
    assert "2024-05-01 08:30 UTC" in page
    trail = [(c.from_status, c.to_status) for c in StatusChange.trail("order", order.id)]
    assert trail == [(None, "received"), ("received", "reviewing"), ("reviewing", "on_hold")]
    history = page[page.index("<h2>History</h2>"):]
    assert history.index("received") < history.index("reviewing") < history.index("on_hold")
    assert "Release" not in page  # an ops agent may look but not decide


def test_tracking_url_is_linked_only_when_it_is_http(auth, client):
    order = place("PO-URL")
    shipment = Shipment.create(order=order, warehouse=Warehouse.get(Warehouse.code == "EAST"))
    Waybill.create(shipment=shipment, carrier="sandbox", idempotency_key="k-js", tracking_url="javascript:alert(1)")
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order.id}").text
    assert "javascript:alert(1)" in page and 'href="javascript:' not in page


def test_order_page_queries_do_not_grow_with_rows(auth, client, monkeypatch):
    """Lines, reservations, shipments and events are fetched in a fixed number of queries."""
    from models.core.db import database

    def count_queries(order_id):
        seen = []
        real = database.obj.execute_sql
        monkeypatch.setattr(database.obj, "execute_sql", lambda sql, *a, **k: seen.append(sql) or real(sql, *a, **k))
        assert client.get(f"/orders/{order_id}").status_code == 200
        monkeypatch.undo()
        return len(seen)

    auth.login_as("ops_admin")
    small = place("PO-S")
    big = place("PO-B")
    for wave in (1, 2, 3):
        shipment = Shipment.create(order=big, warehouse=1, wave=wave)
        for n in range(3):
            TrackingEvent.create(shipment=shipment, carrier="sandbox", carrier_event_id=f"{wave}-{n}",
                                 code="in_transit", occurred_at=datetime(2024, 5, wave, n))
    Shipment.create(order=small, warehouse=1)
    queries = count_queries(small.id)
    assert queries > 0 and count_queries(big.id) == queries


# --- hold decisions ----------------------------------------------------------------------------

@pytest.fixture
def held():
    order = place("PO-HELD")
    put_on_hold(order.id)
    return order


def test_ops_agent_may_not_release_or_reject_a_credit_hold(auth, client, held):
    auth.login_as("ops_agent")
    refused = client.post(f"/orders/{held.id}/release", data={"release-comment": "ok"}, follow_redirects=True)
    assert "a credit_controller or ops_admin must" in refused.text
    client.post(f"/orders/{held.id}/reject", data={"reject-comment": "no"})
    assert Order.get_by_id(held.id).status == "on_hold"
    assert outbox("allocate_orders") == []


def test_distributor_may_not_release(auth, client):
    order = place("D1-HELD", placed_by="DIST1", channel="portal")
    put_on_hold(order.id)
    auth.login_as("distributor")
    assert client.post(f"/orders/{order.id}/release").status_code == 403
    assert Order.get_by_id(order.id).status == "on_hold"


def test_credit_controller_releases_to_allocation(auth, client, held):
    auth.login_as("credit_controller")
    assert "Release" in client.get(f"/orders/{held.id}").text
    response = client.post(f"/orders/{held.id}/release", data={"release-comment": "paid upfront"})
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{held.id}"
    order = Order.get_by_id(held.id)
    assert order.status == "approved" and order.status_reason == "released: paid upfront"
    assert outbox("allocate_orders") == [[held.id]]
    last = list(StatusChange.trail("order", held.id))[-1]
    assert (last.from_status, last.to_status, last.actor, last.reason) == (
        "on_hold", "approved", "credit@relay.test", "released: paid upfront")
    assert f"Order {held.id} released" in client.get(f"/orders/{held.id}").text


def test_release_twice_changes_nothing_the_second_time(auth, client, held):
    auth.login_as("ops_admin")
    client.post(f"/orders/{held.id}/release")
    response = client.post(f"/orders/{held.id}/release", follow_redirects=True)
    assert "no longer on hold" in response.text
    assert outbox("allocate_orders") == [[held.id]]
    assert StatusChange.select().where(StatusChange.entity_id == held.id,
                                       StatusChange.to_status == "approved").count() == 1


def test_admin_rejects_with_a_reason(auth, client, held):
    auth.login_as("ops_admin")
    response = client.post(f"/orders/{held.id}/reject", data={"reject-comment": "fraud suspected"},
                           follow_redirects=True)
    assert f"Order {held.id} rejected" in response.text
    order = Order.get_by_id(held.id)
    assert order.status == "rejected" and order.status_reason == "rejected: fraud suspected"
    assert outbox("allocate_orders") == []
    last = list(StatusChange.trail("order", held.id))[-1]
    assert (last.to_status, last.actor) == ("rejected", "admin@relay.test")


def test_reject_needs_a_reason(auth, client, held):
    auth.login_as("ops_admin")
    response = client.post(f"/orders/{held.id}/reject", data={"reject-comment": "  "}, follow_redirects=True)
    assert "Give a reason to reject." in response.text
    assert Order.get_by_id(held.id).status == "on_hold"


def test_release_of_unknown_order_is_404(auth, client):
    auth.login_as("ops_admin")
    assert client.post("/orders/424242/release").status_code == 404


# --- order entry -------------------------------------------------------------------------------

def entry_form(external_ref="PHONE-1", customer="CUST1", lines=(("WIDGET", "3", ""), ("GADGET", "1", "20.00")),
               **overrides) -> dict:
    data = {"customer_code": customer, "external_ref": external_ref, "currency": "USD",
            "ship_to_name": "Ada Buyer", "ship_to_phone": "+1 555 0100", "ship_to_email": "",
            "ship_to_address": "12 Main St", "ship_to_city": "Springfield", "ship_to_region": "R1",
            "ship_to_postcode": "12345", "ship_to_country": "us", "requested_delivery_date": "",
            "notes": "call before delivery"}
    for row in range(ops.LINE_ROWS):
        sku, quantity, price = lines[row] if row < len(lines) else ("", "", "")
        data |= {f"lines-{row}-sku": sku, f"lines-{row}-quantity": quantity, f"lines-{row}-unit_price": price}
    return data | overrides


def test_entry_form_for_ops_lists_every_buyer(auth, client):
    auth.login_as("ops_agent")
    page = client.get("/orders/new").text
    codes = re.findall(r'<option value="([A-Z0-9]+)"', page)
    assert {"CUST1", "CUST2", "DIST1", "DIST2"} <= set(codes) and "SUP1" not in codes
    assert re.search(r'name="external_ref" type="text" value="PHONE-\d{8}-\d{6}"', page)
    assert page.count('name="lines-') == 3 * ops.LINE_ROWS


def test_entry_form_for_distributor_lists_its_customers_and_itself(auth, client):
    auth.login_as("distributor")
    codes = set(re.findall(r'<option value="([A-Z0-9]+)"', client.get("/orders/new").text))
    assert {"CUST1", "DIST1"} <= codes and not codes & {"CUST2", "DIST2", "SUP1"}


def test_phone_order_is_placed(auth, client):
    auth.login_as("ops_agent")
    response = client.post("/orders/new", data=entry_form(requested_delivery_date="2030-01-15"))
    order = Order.get(Order.external_ref == "PHONE-1")
    assert response.status_code == 302 and response.headers["Location"] == f"/orders/{order.id}"
    assert (order.channel, order.placed_by_id, order.customer.code) == ("phone", None, "CUST1")
    assert order.ship_to_country == "US" and str(order.requested_delivery_date) == "2030-01-15"
    lines = [(line.sku, line.quantity, line.unit_price) for line in order.lines.order_by(OrderLine.line_no)]
    assert lines == [("WIDGET", 3, Decimal("10.00")), ("GADGET", 1, Decimal("20.00"))]
    assert order.total == Decimal("50.00")
    assert outbox("review_orders") == [[order.id]]
    assert StatusChange.trail("order", order.id).first().actor == "agent@relay.test"
    assert f"Order {order.id} received" in client.get(response.headers["Location"]).text


def test_distributor_order_is_a_portal_order_placed_by_it(auth, client):
    auth.login_as("distributor")
    response = client.post("/orders/new", data=entry_form("PORTAL-9"))
    assert response.status_code == 302
    order = Order.get(Order.external_ref == "PORTAL-9")
    assert order.channel == "portal" and order.placed_by.code == "DIST1"


def test_distributor_cannot_order_for_a_customer_it_does_not_serve(auth, client):
    auth.login_as("distributor")
    response = client.post("/orders/new", data=entry_form(customer="CUST2"))
    assert response.status_code == 422 and "Not a valid choice" in response.text
    assert Order.select().count() == 0


@pytest.mark.parametrize("lines, message", [
    ((("WIDGET", "abc", ""),), "Not a valid integer."),
    ((("WIDGET", "0", ""),), "greater than or equal to 1"),
    ((("WIDGET", "2", "1.234"),), "at most 2 decimal places"),
    ((("WIDGET", "", ""),), "Missing data for required field."),
    ((("NOPE", "1", ""),), "unknown SKU &#39;NOPE&#39;"),
    ((("WIDGET", "1", ""), ("WIDGET", "2", "")), "each SKU once per order"),
    ((), "Lines: Length must be between 1 and 500."),
])
def test_bad_lines_are_shown_and_nothing_is_placed(auth, client, lines, message):
    auth.login_as("ops_admin")
    response = client.post("/orders/new", data=entry_form(lines=lines))
    assert response.status_code == 422
    assert message in response.text
    assert 'value="PHONE-1"' in response.text  # what was typed is kept
    assert Order.select().count() == 0 and outbox("intake_orders") == []


def test_line_errors_sit_on_their_row(auth, client):
    auth.login_as("ops_admin")
    rows = (("WIDGET", "1", ""), ("", "", ""), ("GADGET", "x", ""))
    page = client.post("/orders/new", data=entry_form(lines=rows)).text
    invalid_rows = re.findall(r'<tr class="invalid">\s*<td>(\d+)</td>', page)
    assert invalid_rows == ["3"]


def test_missing_ship_to_field_is_shown_next_to_it(auth, client):
    auth.login_as("ops_admin")
    response = client.post("/orders/new", data=entry_form(ship_to_name="", ship_to_email="not-an-email"))
    assert response.status_code == 422
    assert re.search(r'<label class=" invalid">Name.*?Missing data for required field', response.text, re.S)
    assert "Not a valid email address." in response.text


def test_duplicate_reference_shows_the_existing_order(auth, client):
    auth.login_as("ops_agent")
    client.post("/orders/new", data=entry_form("PHONE-DUP"))
    response = client.post("/orders/new", data=entry_form("PHONE-DUP"), follow_redirects=True)
    order = Order.get(Order.external_ref == "PHONE-DUP")
    assert response.request.path == f"/orders/{order.id}"
    assert "already exists" in response.text
    assert Order.select().count() == 1 and outbox("review_orders") == [[order.id]]


def test_duplicate_of_an_order_the_user_may_not_see_is_not_revealed(auth, client):
    theirs = place("SHARED-REF", customer_code="CUST2", placed_by="DIST2", channel="portal", region="R2")
    auth.login_as("distributor")
    response = client.post("/orders/new", data=entry_form("SHARED-REF"), follow_redirects=True)
    # Another distributor's reference is not this one's (issue 13): it gets its own order, never theirs.
    mine = Order.get(Order.external_ref == "SHARED-REF", Order.id != theirs.id)
    assert response.request.path == f"/orders/{mine.id}" and mine.placed_by.code == "DIST1"
    assert f"/orders/{theirs.id}" not in response.text and "already" not in response.text


def test_entry_page_is_forbidden_to_suppliers(auth, client):
    auth.login_as("supplier")
    assert client.post("/orders/new", data=entry_form()).status_code == 403
    assert Order.select().count() == 0


def test_users_fixture_covers_every_role():
    from models.partners.tables import ROLES

    assert set(USERS) == set(ROLES)


def test_order_page_explains_the_allocation(auth, client):
    order = place("PO-PLAN")
    for step in (review, allocate):
        step(order.id, actor="test")
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{order.id}").text
    assert "<h2>Allocation</h2>" in page and "Chosen: EAST, 1 shipment" in page
    assert "EAST: lane 5.00, 1 d, fills 2/2 lines" in page
