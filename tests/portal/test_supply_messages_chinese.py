"""The purchasing models' refusals and validation messages in Traditional Chinese with ?lang=zh-Hant: a purchase
order that can no longer be cancelled (its status translated too), an unknown SKU on a new order, a bad row of a
supplier's confirmation file, an unknown SKU to switch; and the same pages in English as before with ?lang=en."""
from __future__ import annotations

import io

from models.supply.asns import AsnLineInput, create_asn
from tests.portal.test_purchase_order_pages import confirmed, new_form, sent
from tests.portal.test_replenishment_pages import SETTINGS, admin, suggested  # noqa: F401 - fixtures


def test_a_refused_cancellation_reads_in_chinese_and_in_english(auth, client):
    shipped = confirmed({"WIDGET": 3})
    create_asn(shipped.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 3)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor="test")
    auth.login_as("ops_agent")
    client.get("/ops/purchase-orders?lang=zh-Hant")
    page = client.post(f"/ops/purchase-orders/{shipped.number}/cancel", data={"reason": "太晚了"},
                       follow_redirects=True).text
    assert f"{shipped.number}：{shipped.number} 狀態為已出貨；已無法取消；請改為結案" in page
    client.get("/ops/purchase-orders?lang=en")
    english = client.post(f"/ops/purchase-orders/{shipped.number}/cancel", data={"reason": "too late"},
                          follow_redirects=True).text
    assert f"{shipped.number}: {shipped.number} is shipped; it can no longer be cancelled; close it instead" in english
    assert "已無法取消" not in english


def test_an_unknown_sku_on_a_new_order_reads_in_chinese_and_in_english(auth, client):
    auth.login_as("ops_admin")
    client.get("/ops/purchase-orders?lang=zh-Hant")
    page = client.post("/ops/purchase-orders/new", data=new_form(**{"lines-2-sku": "NOPE"})).text
    assert "未知的 SKU &#39;NOPE&#39;" in page
    client.get("/ops/purchase-orders?lang=en")
    english = client.post("/ops/purchase-orders/new", data=new_form(**{"lines-2-sku": "NOPE"})).text
    assert "unknown SKU &#39;NOPE&#39;" in english and "未知的" not in english


def test_a_bad_confirmation_file_row_reads_in_chinese_and_in_english(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    bad = b"sku,quantity,promised_date\nWIDGET,ten,2031-03-14\nGADGET,5,2031-03-14\n"
    url = f"/supplier/purchase-orders/{purchase.number}/confirmation-file"
    client.get("/supplier/purchase-orders?lang=zh-Hant")
    page = client.post(url, data={"file": (io.BytesIO(bad), "answer.csv")}, content_type="multipart/form-data")
    assert page.status_code == 422 and "第 2 列，欄位 quantity：&#39;ten&#39; 不是 0 或以上的整數" in page.text
    client.get("/supplier/purchase-orders?lang=en")
    english = client.post(url, data={"file": (io.BytesIO(bad), "answer.csv")}, content_type="multipart/form-data")
    assert "Row 2, column quantity: &#39;ten&#39; is not a whole number of 0 or more" in english.text


def test_an_unknown_sku_to_switch_reads_in_chinese(admin):  # noqa: F811 - the fixture
    admin.get(f"{SETTINGS}?lang=zh-Hant")
    assert "沒有 SKU &#39;NOPE&#39;" in admin.post(f"{SETTINGS}/skus", data={"sku": "NOPE", "on": "1"},
                                                 follow_redirects=True).text
    admin.get(f"{SETTINGS}?lang=en")
    assert "no SKU &#39;NOPE&#39;" in admin.post(f"{SETTINGS}/skus", data={"sku": "NOPE", "on": "1"},
                                                follow_redirects=True).text
