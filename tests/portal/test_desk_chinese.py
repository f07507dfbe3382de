"""The credit desk, price, rate, user and token pages and the order change form in Traditional and Simplified
Chinese, and unchanged in English."""
from __future__ import annotations

import pytest

from models.orders.flow import allocate, review
from models.pricing.versions import save_price_book
from tests.portal.conftest import place
from tests.portal.test_order_change_pages import form_of
from tests.portal.test_prices import BOOK

PAGES = {  # path: (an English phrase, its zh-Hant and its zh-Hans wording)
    "/ops/customers": ("Credit holds", "信用暫停", "信用暂停"),
    "/ops/customers/CUST1": ("Record a payment", "登錄收款", "登记收款"),
    "/ops/refunds": ("No payout is waiting.", "沒有待撥付的退款。", "没有待支付的退款。"),
    "/ops/prices": ("Contract prices", "合約價格", "合同价格"),
    "/ops/prices/list?code=D1": ("SKUs without an entry: 10 % off CAT", "沒有價格項目的 SKU：CAT 折讓 10 %",
                                 "没有价格项目的 SKU：CAT 减 10 %"),
    "/ops/prices/check?check-customer=CUST1&check-sku=WIDGET&check-quantity=1": ("Price book", "價格簿", "价格簿"),
    "/my/prices?customer=CUST1": ("units on", "件", "件"),
    "/ops/exchange-rates": ("Set rate", "設定費率", "设置费率"),
    "/ops/tax-rates": ("No tax rate yet: every line is taxed at 0.", "尚無稅率：每個品項的稅率皆為 0。",
                       "尚无税率：每个品项的税率均为 0。"),
    "/admin/users": ("ops admin", "營運管理員", "运营管理员"),
    "/admin/tokens": ("No unrevoked tokens.", "沒有未撤銷的權杖。", "没有未撤销的令牌。"),
}


@pytest.fixture
def book(app):
    return save_price_book(BOOK, expected_version=None, actor="test").id


@pytest.mark.parametrize(("lang", "column"), [("zh-Hant", 1), ("zh-Hans", 2)])
def test_desk_pages_read_in_chinese(client, auth, book, lang, column):
    auth.login_as("ops_admin")
    for path, words in PAGES.items():
        page = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert page.status_code == 200, path
        assert words[column] in page.text, path
        assert words[0] not in page.text, path


def test_desk_pages_stay_english(client, auth, book):
    auth.login_as("ops_admin")
    for path, words in PAGES.items():
        page = client.get(path)
        assert page.status_code == 200 and words[0] in page.text, path


def test_the_order_change_form_and_its_flash_read_in_chinese(client, auth):
    order = place("ZH-CHG")
    assert review(order.id, actor="test") == "approve" and allocate(order.id, actor="test") == "allocated"
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order.id}?lang=zh-Hant").text
    assert "修改訂單" in page and "清空一列即可移除該品項" in page and "Change order" not in page
    answer = client.post(f"/orders/{order.id}/change", data=form_of(order.id, **{"change-ship_to_region": "R2"}),
                         follow_redirects=True)
    assert f"訂單 {order.id} 已變更：收貨地區；已重新審核" in answer.text and "收貨地區: R1 → R2" in answer.text
    english = client.get(f"/orders/{order.id}?lang=en").text
    assert "Change order" in english and "Clear a row to remove its line" in english
