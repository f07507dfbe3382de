from datetime import datetime

import pytest

from models.core.rate_limits import RateLimitWindow
from tests.models.shipping.test_tracking_lookup import T0, ship, tracked_order

NOT_FOUND = b"We could not find an order with that number and postcode or email."
NOW = datetime(2024, 5, 1, 12, 0, 15)  # 45 s before the next one-minute window


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch):
    """Every lookup in a test falls in one rate-limit window, however slow the machine."""
    monkeypatch.setattr("portal.tracking_page.utc_now", lambda: NOW)


@pytest.fixture
def shipped(app):
    order = tracked_order()
    ship(order, waybill_number="SBX-100", events=(
        ("picked_up", T0, "Collected from the warehouse", "London"),
        ("out_for_delivery", datetime(2024, 5, 2, 7, 30), "With the driver", "Leeds"),
    ))
    return order


def lookups_performed(monkeypatch) -> list:
    import portal.tracking_page as page

    calls = []
    real = page.find_tracked_orders
    monkeypatch.setattr(page, "find_tracked_orders", lambda *a, **k: calls.append(a) or real(*a, **k))
    return calls


def test_the_empty_form_works_logged_out(client):
    response = client.get("/track")
    assert response.status_code == 200
    assert b'name="order"' in response.data and b'name="postcode"' in response.data
    assert b"Sign out" not in response.data and b"csrf_token" not in response.data


def test_right_postcode_with_spaces_and_lower_case_shows_the_timeline_and_carrier_link(client, shipped):
    response = client.get("/track", query_string={"order": " PO-1 ", "postcode": " sw1a 1aa"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Order PO-1" in page and "Being processed" in page and "Springfield" in page
    assert shipped.created_at.strftime("%d %B %Y") in page
    assert "SBX-100" in page and 'href="https://carrier.example/track/SBX-100"' in page
    assert "sandbox" in page and "express" in page and "On its way" in page
    assert page.index("Collected from the warehouse") < page.index("With the driver")
    assert "2024-05-01 08:00 UTC" in page and "Leeds" in page and "Out for delivery" in page
    assert "WIDGET" in page and "Gadget" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_right_email_in_another_case_shows_the_order(client, shipped):
    response = client.get("/track?order=PO-1&email=ADA.BUYER%40example.com")
    assert response.status_code == 200 and b"SBX-100" in response.data


def test_a_successful_lookup_shows_no_address_name_phone_or_email(client, shipped):
    page = client.get("/track?order=PO-1&postcode=SW1A1AA").get_data(as_text=True)
    assert "SBX-100" in page
    for private in (shipped.ship_to_address, shipped.ship_to_phone, shipped.ship_to_name, "Ada.Buyer@Example.com",
                    "ada.buyer@example.com", "SW1A"):
        assert private not in page


def test_wrong_postcode_and_missing_order_get_byte_identical_answers(client, shipped):
    wrong = client.get("/track?order=PO-1&postcode=SW1A1AB")
    wrong_email = client.get("/track?order=PO-1&email=eve%40example.com")
    missing = client.get("/track?order=PO-404&postcode=SW1A1AA")
    assert wrong.status_code == wrong_email.status_code == missing.status_code == 200
    assert NOT_FOUND in missing.data
    assert wrong.data == wrong_email.data == missing.data
    assert same_but_request_id(wrong.headers) == same_but_request_id(wrong_email.headers) \
        == same_but_request_id(missing.headers)
    assert len({wrong.headers["X-Request-ID"], missing.headers["X-Request-ID"]}) == 2  # fresh per request: no signal


def same_but_request_id(headers) -> dict:
    """The headers a prober compares, without the request id every answer carries afresh."""
    return {name: value for name, value in headers.items() if name != "X-Request-ID"}


def test_a_shipment_without_a_waybill_shows_preparing(client, app):
    ship(tracked_order(), status="ready")
    page = client.get("/track?order=PO-1&postcode=SW1A1AA").get_data(as_text=True)
    assert "Preparing" in page and "href=\"https://carrier.example" not in page


def test_orders_sharing_a_number_are_both_shown(client, app):
    ship(tracked_order(channel="api"), waybill_number="SBX-API")
    ship(tracked_order(channel="shopify"), waybill_number="SBX-SHOP")
    page = client.get("/track?order=PO-1&postcode=SW1A1AA").get_data(as_text=True)
    assert "SBX-API" in page and "SBX-SHOP" in page and page.count("Order PO-1") == 2


def test_the_eleventh_lookup_in_a_minute_is_refused_but_another_client_gets_through(client, shipped, monkeypatch):
    calls = lookups_performed(monkeypatch)
    for _ in range(10):
        assert client.get("/track?order=PO-404&postcode=SW1A1AA").status_code == 200
    assert len(calls) == 10

    refused = client.get("/track?order=PO-1&postcode=SW1A1AA")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "45"
    assert b"too many order lookups" in refused.data and b"SBX-100" not in refused.data
    assert len(calls) == 10  # refused before looking anything up

    other = client.get("/track?order=PO-1&postcode=SW1A1AA", environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200 and b"SBX-100" in other.data


def test_the_client_ip_is_the_connection_not_a_forwarded_header(client, shipped):
    for number in range(11):
        response = client.get("/track?order=PO-404&postcode=X", headers={"X-Forwarded-For": f"10.9.9.{number}"})
    assert response.status_code == 429


def test_the_empty_form_and_incomplete_queries_are_not_counted(client, shipped):
    for _ in range(15):
        assert client.get("/track").status_code == 200
    incomplete = client.get("/track?order=PO-1")
    assert incomplete.status_code == 200 and b"Enter your order number" in incomplete.data
    assert RateLimitWindow.select().count() == 0
    for _ in range(10):
        assert client.get("/track?order=PO-1&postcode=SW1A1AA").status_code == 200
