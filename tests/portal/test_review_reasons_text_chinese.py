"""The review's hold reasons on the order page and the holds queue, and a refusal to release, in Traditional and
Simplified Chinese from the templates kept with each reason; the English pages read exactly the stored English."""
from __future__ import annotations

from html import escape

from models.partners.tables import Partner
from models.review.reviews import latest_review
from models.review.step import review_orders
from tests.portal.conftest import place, put_on_hold


def held_order() -> int:
    """An order review holds for its credit limit and for a region no warehouse serves."""
    Partner.update(credit_limit="1.00").where(Partner.code == "CUST1").execute()
    order = place("ZH-HOLD-1", region="ZZ")
    assert review_orders([order.id], actor="worker:test").outcomes == {order.id: "hold"}
    return order.id


def review_reasons(page: str) -> str:
    """The review section's list of reasons on an order page."""
    start = page.index('<ul class="reasons">')
    return page[start:page.index("</ul>", start)]


def test_the_hold_reasons_read_in_chinese_and_the_english_page_is_unchanged(client, auth):
    order_id = held_order()
    reasons = {reason["code"]: reason["message"] for reason in latest_review(order_id).reasons}
    assert set(reasons) == {"credit_limit", "ship_to_undeliverable"}
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order_id}?lang=zh-Hant").text
    assert "沒有倉庫出貨至地區 ZZ" in page
    assert "信用曝險" in page and "（未收金額 " in page and "比信用額度 1.00 " in page
    shown = review_reasons(page)
    assert "沒有倉庫出貨至地區 ZZ" in shown and reasons["credit_limit"] not in shown
    simplified = client.get(f"/orders/{order_id}?lang=zh-Hans").text
    assert "没有仓库发货至地区 ZZ" in simplified and "信用敞口" in simplified
    queue = client.get("/ops/holds?lang=zh-Hant").text
    assert 'title="沒有倉庫出貨至地區 ZZ"' in queue
    english = client.get(f"/orders/{order_id}?lang=en").text
    for message in reasons.values():
        assert escape(message) in english
    assert "沒有倉庫" not in english
    assert f'title="{escape(reasons["credit_limit"])}"' in client.get("/ops/holds").text


def test_a_review_recorded_before_templates_were_kept_shows_its_english(client, auth):
    order = place("ZH-OLD-1")
    put_on_hold(order.id)
    auth.login_as("ops_admin")
    assert "credit limit exceeded" in client.get(f"/orders/{order.id}?lang=zh-Hant").text


def test_a_refusal_to_release_reads_in_chinese(client, auth):
    order_id = held_order()
    auth.login_as("ops_agent")
    client.get("/orders?lang=zh-Hant")
    page = client.post(f"/orders/{order_id}/release", data={"release-comment": ""}, follow_redirects=True).text
    assert (f"訂單 {order_id} 無法放行：角色 ops_agent 不可決定因 credit_limit、ship_to_undeliverable 而暫停的訂單；"
            "須由credit_controller或ops_admin決定") in page
    client.get("/orders?lang=en")
    page = client.post(f"/orders/{order_id}/release", data={"release-comment": ""}, follow_redirects=True).text
    assert escape(f"Order {order_id} cannot be released: the role ops_agent may not decide an order held for"
                  " credit_limit, ship_to_undeliverable; a credit_controller or ops_admin must") in page


def test_a_release_without_comment_reads_as_fixed_words_in_chinese(client, auth):
    order_id = held_order()
    auth.login_as("credit_controller")
    client.post(f"/orders/{order_id}/release", data={"release-comment": ""})
    assert "已放行" in client.get(f"/orders/{order_id}?lang=zh-Hant").text
    assert "<td>released</td>" in client.get(f"/orders/{order_id}?lang=en").text
