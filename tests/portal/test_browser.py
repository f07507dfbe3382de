"""One real browser run: headless Chromium signs in, places a phone order through the form (CSRF on),
watches it reach shipped with a sandbox waybill, and cancels a second order."""
from __future__ import annotations

import dramatiq
import pytest

from models.orders.tables import Order
from models.partners.accounts import create_user
from tests.factories import make_world
from tests.pipeline_support import (
    drain,
    in_process_broker,
    running_portal,
    running_sandbox,
)
from tests.portal.conftest import PASSWORD, build_app

pytestmark = pytest.mark.slow  # a real Chromium against a portal server: end to end, out of `make test-quick`


@pytest.fixture
def portal(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)  # CSRF protection stays on, as in production
    make_world()
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    worker = dramatiq.Worker(in_process_broker(), worker_threads=2, worker_timeout=50)
    worker.start()
    with running_sandbox(), running_portal(app) as url:
        yield url, worker
    worker.stop()


def place_phone_order(page, url: str, reference: str) -> None:
    page.goto(f"{url}/orders/new")
    page.fill("#customer-search", "distributor one")  # narrows the list and picks the first match
    assert page.eval_on_selector('select[name="customer_code"]', "s => s.value") == "DIST1"
    assert page.eval_on_selector('option[value="CUST1"]', "o => o.hidden")
    page.fill("#customer-search", "cust")
    page.select_option('select[name="customer_code"]', "CUST1")
    page.fill('input[name="external_ref"]', reference)
    for field, value in {"ship_to_name": "Dock 4", "ship_to_phone": "+1 555 0101", "ship_to_address": "4 Pier St",
                         "ship_to_city": "Boston", "ship_to_region": "R1", "ship_to_postcode": "02110",
                         "ship_to_country": "US", "lines-0-sku": "WIDGET", "lines-0-quantity": "2",
                         "lines-1-sku": "GADGET", "lines-1-quantity": "1"}.items():
        page.fill(f'[name="{field}"]', value)
    with page.expect_navigation():
        page.click("button:has-text('Place order')")


def test_phone_order_in_the_browser_ships_and_another_is_cancelled(browser, portal, tmp_path):
    url, worker = portal
    page = browser.new_page()
    page.goto(f"{url}/orders")  # protected: lands on the sign-in form
    page.fill('input[name="email"]', "agent@relay.test")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")
    assert page.url.endswith("/orders"), page.inner_text("body")

    place_phone_order(page, url, "PHONE-B1")
    assert "received" in page.inner_text("body")
    order = Order.get(Order.external_ref == "PHONE-B1")
    assert order.channel == "phone"
    drain(worker)
    page.reload()
    body = page.inner_text("body")
    assert "shipped" in body and "SBX" in body, body
    page.screenshot(path=str(tmp_path / "order-shipped.png"), full_page=True)

    place_phone_order(page, url, "PHONE-B2")
    page.click("text=Cancel this order")
    page.fill('textarea[name="cancel-comment"]', "customer changed their mind")
    with page.expect_navigation():
        page.click("button:has-text('Cancel order')")
    assert Order.get(Order.external_ref == "PHONE-B2").status == "cancelled"
    assert "customer changed their mind" in page.inner_text("body")
