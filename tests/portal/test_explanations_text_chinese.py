"""The explanations the rules write (prices, tax, allocation) read in the page's language; English pages unchanged."""
from decimal import Decimal

import pytest

from models.intake.entry import place_order
from models.orders.flow import allocate, review
from models.pricing.rules import PriceBook, PriceBreak, PriceList
from models.pricing.tax_tables import TaxRateRow
from models.pricing.versions import save_price_book
from schemas.orders import order_schema
from tests.factories import order_body
from tests.portal.test_replenishment_pages import suggested, suggestion  # noqa: F401 - the fixture

BOOK = PriceBook(lists=(PriceList("CAT", "USD", "catalogue", entries={"WIDGET": (PriceBreak(1, Decimal("9.00")),)}),
                        PriceList("D1", "USD", "distributor", party="DIST1", base="CAT",
                                  discount_percent=Decimal("10"),
                                  entries={"WIDGET": (PriceBreak(100, Decimal("7.00")),)})))


@pytest.fixture
def book(app):
    return save_price_book(BOOK, expected_version=None, actor="test").id


def test_the_price_check_explains_in_chinese(client, auth, book):
    auth.login_as("credit_controller")
    check = "/ops/prices/check?check-customer=CUST1&check-sku=WIDGET&check-quantity=100"
    assert "價目表 D1，數量級距 ≥ 100 件：7.00" in client.get(f"{check}&lang=zh-Hant").text
    assert "价目表 D1，数量阶梯 ≥ 100 件：7.00" in client.get(f"{check}&lang=zh-Hans").text
    assert "list D1, break ≥ 100 units: 7.00" in client.get(f"{check}&lang=en").text


def test_the_order_page_shows_price_notes_and_the_allocation_in_chinese(client, auth, app):
    TaxRateRow.create(tax_class="standard", country="US", region="", rate=Decimal("0.1"), name="Sales tax")
    body = order_body("PO-ZH-PRICE", lines=[{"sku": "GADGET", "quantity": 2}])  # no price: the catalogue's 25.50
    order, _ = place_order(order_schema.load(body), actor="test")
    assert review(order.id, actor="test") == "approve"
    assert allocate(order.id, actor="test") == "allocated"
    auth.login_as("ops_agent")
    chinese = client.get(f"/orders/{order.id}?lang=zh-Hant").text
    assert "未提供價格：GADGET 的型錄價格：25.50；Sales tax US：10 %" in chinese
    assert "策略「最便宜」，共" in chinese and "選定：" in chinese
    assert "no price given" not in chinese and "Strategy cheapest" not in chinese and "Chosen:" not in chinese
    english = client.get(f"/orders/{order.id}?lang=en").text
    assert "no price given: catalogue price of GADGET: 25.50; Sales tax US: 10 %" in english
    assert "Strategy cheapest over" in english and "Chosen: " in english


def test_replenishment_suggestions_explain_in_chinese(client, auth, suggested):  # noqa: F811
    row = suggestion("WIDGET", "EAST")
    assert row.explanation_text and str(row.explanation_words) == row.explanation
    auth.login_as("ops_agent")
    chinese = client.get("/ops/replenishment?lang=zh-Hant").text
    assert "安全庫存" in chinese and "再訂購點" in chinese and "補貨至" in chinese
    assert "reorder point" not in chinese
    assert row.explanation in client.get("/ops/replenishment?lang=en").text.replace("&gt;", ">")
