"""An order page's status reasons in the reader's language: the review's summary on a held order and the audit
trail's own reasons; the English page reads the stored English."""
from __future__ import annotations

from html import escape

from models.core.audit import StatusChange
from models.orders.tables import Order
from tests.portal.test_review_reasons_text_chinese import held_order


def reason_line(page: str) -> str:
    start = page.index('<p class="reason">')
    return page[start:page.index("</p>", start)]


def test_a_held_orders_reason_and_trail_read_in_chinese(client, auth):
    order_id = held_order()
    stored = Order.get_by_id(order_id).status_reason
    assert stored.startswith("credit_limit: ")
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order_id}?lang=zh-Hant").text
    line = reason_line(page)
    assert "沒有倉庫出貨至地區 ZZ" in line and "credit_limit:" not in line
    trail = page[page.index("<tbody", page.rindex("<table")):]
    assert "經由 " in trail and " 下單" in trail and "下單後進入審核" in trail and "placed via" not in trail
    english = client.get(f"/orders/{order_id}?lang=en").text
    assert escape(stored) in reason_line(english)
    assert "entered review on placement" in english and "下單" not in english


def test_a_reason_a_person_wrote_stays_as_written(client, auth):
    order_id = held_order()
    StatusChange.create(entity="order", entity_id=order_id, from_status="on_hold", to_status="on_hold",
                        actor="ops", reason="customer asked on the phone")
    auth.login_as("ops_admin")
    assert "customer asked on the phone" in client.get(f"/orders/{order_id}?lang=zh-Hant").text


def test_the_decision_box_and_the_review_outcome_name_the_hold_in_chinese(client, auth):
    order_id = held_order()
    auth.login_as("ops_admin")
    page = client.get(f"/orders/{order_id}?lang=zh-Hant").text
    assert "credit_limit, ship_to_undeliverable" not in page and ">暫停</span>" in page
    english = client.get(f"/orders/{order_id}?lang=en").text
    assert "On hold for credit_limit, ship_to_undeliverable: decide" in english
