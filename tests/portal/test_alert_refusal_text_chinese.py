"""The models' alerts, refusals and validation messages in Traditional Chinese with ?lang=zh-Hant: the queue
alerts, a refused stock move, why an order cannot be changed, marshmallow's own messages; and the same pages in
English as before with ?lang=en."""
from __future__ import annotations

from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from models.orders.cancellation import cancel_order
from models.orders.tables import Order
from portal.model_messages import translate_message
from tests.portal.conftest import place
from tests.portal.test_inventory import adjustment
from tests.portal.test_order_change_pages import allocated, form_of


def test_the_queue_alerts_read_in_chinese_and_in_english(auth, client):
    record_dead_letters([FoundDeadLetter(f"m{i}", "oms_intake", "intake_orders", [[i + 1]], "ValueError: x")
                         for i in range(2)])
    auth.login_as("ops_agent")
    assert "oms_intake：2 封未處理的死信" in client.get("/ops/queues?lang=zh-Hant").text
    english = client.get("/ops/queues?lang=en").text
    assert "oms_intake: 2 open dead letters" in english and "死信" not in english


def test_a_refused_stock_move_reads_in_chinese_and_in_english(auth, client):
    auth.login_as("ops_admin")
    client.get("/ops/inventory?lang=zh-Hant")
    page = client.post("/ops/inventory/adjustments", data=adjustment(quantity_change="-101", reason_code="shrinkage"))
    assert page.status_code == 422 and "EAST 的 WIDGET 現有庫存只有 100 件；無法減少 101 件" in page.text
    client.get("/ops/inventory?lang=en")
    english = client.post("/ops/inventory/adjustments", data=adjustment(sku="NOPE")).text
    assert "unknown SKU &#39;NOPE&#39;" in english


def test_why_an_order_cannot_be_changed_and_a_schema_message_read_in_chinese(auth, client):
    order_id = place("PO-X").id
    cancel_order(order_id, actor="test", reason="asked")
    auth.login_as("ops_admin")
    client.get(f"/orders/{order_id}?lang=zh-Hant")
    elsewhere = form_of(order_id, **{"change-ship_to_city": "Elsewhere"})
    answer = client.post(f"/orders/{order_id}/change", data=elsewhere, follow_redirects=True).text
    assert "未變更：訂單狀態為已取消；無法再修改" in answer
    client.get(f"/orders/{order_id}?lang=en")
    answer = client.post(f"/orders/{order_id}/change", data=elsewhere, follow_redirects=True).text
    assert "Not changed: the order is cancelled; it can no longer be changed" in answer

    changing = allocated("PO-Y")
    client.get(f"/orders/{changing}?lang=zh-Hant")
    answer = client.post(f"/orders/{changing}/change", data=form_of(changing, **{"change-lines-0-quantity": "x"}),
                         follow_redirects=True).text
    assert "不是有效的整數。" in answer and Order.get_by_id(changing).status == "allocated"
    client.get(f"/orders/{changing}?lang=en")
    answer = client.post(f"/orders/{changing}/change", data=form_of(changing, **{"change-lines-0-quantity": "x"}),
                         follow_redirects=True).text
    assert "Not a valid integer." in answer


def test_marshmallow_messages_with_values_and_stored_texts_translate(app):
    refusal = TextMessage(Text("unknown warehouse %(code)s", code="'NORTH'"))
    with app.test_request_context("/?lang=zh-Hant"):
        assert translate_message("Must be one of: EUR, USD.") == "必須是以下之一：EUR, USD。"
        assert translate_message("Length must be between 1 and 64.") == "長度必須介於 1 到 64 之間。"
        assert translate_message("Missing data for required field.") == "必填欄位缺少資料。"
        assert translate_message(refusal) == "未知的倉庫 'NORTH'"
        assert translate_message(refusal.text.as_json()) == "未知的倉庫 'NORTH'"
        assert translate_message("written by hand") == "written by hand"
    with app.test_request_context("/?lang=en"):
        assert translate_message("Must be one of: EUR, USD.") == "Must be one of: EUR, USD."
        assert translate_message(refusal) == "unknown warehouse 'NORTH'"
