"""A real browser switches the portal to Traditional Chinese with ?lang=zh-Hant, signs in and places an order
through the new-order form, reading Chinese labels all the way (CSRF on, as in production)."""
from __future__ import annotations

import pytest

from models.orders.tables import Order
from models.partners.accounts import create_user
from tests.factories import make_world
from tests.pipeline_support import running_portal
from tests.portal.conftest import PASSWORD, build_app

pytestmark = pytest.mark.slow(seconds=20)  # a real Chromium against a portal server


@pytest.fixture
def portal(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    make_world()
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    with running_portal(app) as url:
        yield url


def test_an_order_is_placed_in_traditional_chinese(browser, portal):
    page = browser.new_page()
    page.goto(f"{portal}/orders/new?lang=zh-Hant")  # protected: the sign-in form, already in Chinese
    assert page.get_attribute("html", "lang") == "zh-Hant"
    assert page.inner_text("h1") == "登入"
    page.fill('input[name="email"]', "agent@relay.test")
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('登入')")
    assert page.inner_text("h1") == "新增訂單", page.inner_text("body")
    body = page.inner_text("main")
    for label in ("收貨地址", "外部參考編號", "數量", "單價", "郵遞區號"):
        assert label in body, label
    page.select_option('select[name="customer_code"]', "CUST1")
    page.fill('input[name="external_ref"]', "ZH-BROWSER-1")
    for field, value in {"ship_to_name": "王小明", "ship_to_phone": "+886 2 2345 6789",
                         "ship_to_address": "信義路五段7號", "ship_to_city": "台北市", "ship_to_region": "R1",
                         "ship_to_postcode": "110", "ship_to_country": "TW", "lines-0-sku": "WIDGET",
                         "lines-0-quantity": "2"}.items():
        page.fill(f'[name="{field}"]', value)
    with page.expect_navigation():
        page.click("button:has-text('送出訂單')")
    order = Order.get(Order.external_ref == "ZH-BROWSER-1")
    assert page.url.endswith(f"/orders/{order.id}")
    assert f"已收到訂單 {order.id}。" in page.inner_text(".flash")
    detail = page.inner_text("main")
    for label in (f"訂單 {order.id}", "客戶", "總計", "明細", "歷程", "王小明"):
        assert label in detail, label
    assert "Subtotal" not in detail
    page.click("a:has-text('English')")  # the switcher goes back for the rest of the session
    assert page.get_attribute("html", "lang") == "en" and "Subtotal" in page.inner_text("main")
