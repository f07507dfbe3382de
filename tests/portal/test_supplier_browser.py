"""One real browser run of the supplier loop: headless Chromium signs the supplier in (CSRF on), opens the purchase
order waiting for it from its home page, confirms it line by line and announces the delivery; ops then see the
order confirmed, then shipped, with the supplier's tracking number."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.partners.accounts import create_user
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder
from tests.factories import make_world
from tests.pipeline_support import running_portal
from tests.portal.conftest import PASSWORD, build_app

pytestmark = pytest.mark.slow  # a real Chromium against a portal server: end to end, out of `make test-quick`
SOON = date.today() + timedelta(days=12)


@pytest.fixture
def portal(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)  # CSRF protection stays on, as in production
    make_world()
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    create_user("sup1@relay.test", "supplier", partner_code="SUP1", password=PASSWORD)
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor="agent@relay.test",
                                     expected_at=SOON, lines=[PurchaseLineInput("WIDGET", 40, Decimal("4.10")),
                                                              PurchaseLineInput("GADGET", 12, Decimal("9.00"))])
    assert send_purchase_order(purchase.number, actor="agent@relay.test", answer_within=timedelta(days=3))
    with running_portal(app) as url:
        yield url, purchase.number


def sign_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('Sign in')")


def test_the_supplier_confirms_and_ships_in_the_browser(browser, portal, tmp_path):
    url, number = portal
    supplier = browser.new_page()
    sign_in(supplier, url, "sup1@relay.test")
    assert supplier.url.endswith("/supplier"), supplier.inner_text("body")
    waiting = supplier.inner_text("#to_confirm")
    assert number in waiting, waiting

    with supplier.expect_navigation():
        supplier.click(f"#to_confirm a:has-text('{number}')")
    lines = {row.inner_text().split()[0]: row for row in supplier.query_selector_all("form.confirmation tbody tr")}
    lines["WIDGET"].query_selector('input[name^="quantity-"]').fill("40")
    lines["WIDGET"].query_selector('input[name^="promised-"]').fill(SOON.isoformat())
    lines["GADGET"].query_selector('input[name^="quantity-"]').fill("10")
    lines["GADGET"].query_selector('input[name^="promised-"]').fill((SOON + timedelta(days=5)).isoformat())
    with supplier.expect_navigation():
        supplier.click("button:has-text('Send answer')")
    assert "your answer is recorded (partially confirmed)" in supplier.inner_text("body")
    assert PurchaseOrder.get(PurchaseOrder.number == number).status == "partially_confirmed"

    ops = browser.new_context().new_page()
    sign_in(ops, url, "agent@relay.test")
    ops.goto(f"{url}/ops/purchase-orders/{number}")
    assert "partially confirmed" in ops.inner_text("h1")

    notice = {row.inner_text().split()[0]: row for row in supplier.query_selector_all("form.asn tbody tr")}
    assert notice["GADGET"].query_selector('input[name^="ship-"]').input_value() == "10"
    notice["GADGET"].query_selector('input[name^="ship-"]').fill("0")
    supplier.fill('input[name="carrier"]', "DHL")
    supplier.fill('input[name="tracking_number"]', "JD014600006281")
    supplier.fill('input[name="expected_on"]', SOON.isoformat())
    with supplier.expect_navigation():
        supplier.click("button:has-text('Create ASN')")
    assert "announced" in supplier.inner_text("body")
    supplier.screenshot(path=str(tmp_path / "supplier-shipped.png"), full_page=True)

    asn = AdvanceShippingNotice.get()
    assert (asn.carrier, asn.tracking_number, [line.quantity for line in asn.lines]) == (
        "DHL", "JD014600006281", [40])
    ops.reload()
    assert "shipped" in ops.inner_text("h1")
    assert "JD014600006281" in ops.inner_text("table.asns")
    ops.goto(f"{url}/ops/purchase-orders?status=shipped")
    assert number in ops.inner_text("table.purchase-orders")
