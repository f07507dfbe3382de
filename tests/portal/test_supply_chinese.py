"""The purchasing, receiving, supplier, replenishment and scorecard pages in Traditional Chinese with
?lang=zh-Hant, the flashes of their actions too, and the same pages still in English with ?lang=en."""
from __future__ import annotations

from datetime import date, timedelta

from models.supply.asns import AsnLineInput, create_asn
from tests.portal.test_purchase_order_pages import confirmed, sent
from tests.portal.test_replenishment_pages import suggested  # noqa: F401 - the suggestions fixture
from tests.portal.test_scorecard import scored  # noqa: F401 - the scorecard fixture

SOON = date.today() + timedelta(days=10)


def shows(page: str, *words: str) -> None:
    for word in words:
        assert word in page, word


def test_a_purchase_order_is_received_in_chinese_and_still_reads_in_english(auth, client):
    purchase = confirmed()
    asn = create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 10), AsnLineInput("GADGET", 5)],
                     carrier="DHL", tracking_number="TRK-1", expected_on=SOON, actor="sup1@relay.test")
    auth.login_as("ops_agent")
    line = {line.product.sku: line.id for line in purchase.lines}

    shows(client.get("/ops/purchase-orders?lang=zh-Hant").text, "新增採購單", "交貨地點", "篩選", "已確認")
    shows(client.get("/ops/purchase-orders/new").text, "交貨倉庫", "給供應商的備註", "建立草稿", "第 1 行的 SKU")
    shows(client.get(f"/ops/purchase-orders/{purchase.number}/receive").text,
          f"收貨：{purchase.number}", "良品數量", "登記收貨", "無 ASN")
    page = client.post(f"/ops/purchase-orders/{purchase.number}/receive", data={
        "asn": str(asn.id), f"good-{line['WIDGET']}": "7", f"damaged-{line['WIDGET']}": "1",
        f"good-{line['GADGET']}": "5", f"damaged-{line['GADGET']}": "0"}, follow_redirects=True).text

    shows(page, f"{purchase.number} 已收貨，但有差異：WIDGET 短少及損壞（通知 10，良品 7，損壞 1）。",
          "預先出貨通知", "收貨紀錄", "差異", "歷程", "下載 PDF", '<span class="badge status-exception">短少</span>')
    assert "Advance shipping notices" not in page

    english = client.get(f"/ops/purchase-orders/{purchase.number}?lang=en").text
    shows(english, "Advance shipping notices", "Receipts", "Discrepancy", "Download PDF",
          '<span class="badge status-exception">short</span>')
    assert "預先出貨通知" not in english


def test_an_action_flashes_in_chinese(auth, client):
    purchase = sent()
    auth.login_as("ops_agent")
    client.get("/ops/purchase-orders?lang=zh-Hant")

    page = client.post(f"/ops/purchase-orders/{purchase.number}/cancel", data={"reason": "不再需要"},
                       follow_redirects=True).text

    shows(page, f"{purchase.number} 已取消。", "歷程", '<span class="badge status-cancelled">已取消</span>')


def test_the_supplier_answers_in_chinese(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    line = {line.product.sku: line.id for line in purchase.lines}

    shows(client.get(f"/supplier/purchase-orders/{purchase.number}?lang=zh-Hant").text,
          "您的逐行回覆", "承諾交期", "提出修改建議", "或以 CSV 上傳您的回覆", "通知交貨", "預計到貨日", 'placeholder="選填"')
    page = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation", data={
        f"quantity-{line['WIDGET']}": "6", f"promised-{line['WIDGET']}": SOON.isoformat(),
        f"quantity-{line['GADGET']}": "5", f"promised-{line['GADGET']}": SOON.isoformat()}, follow_redirects=True).text
    shows(page, f"{purchase.number}：已記錄您的回覆（部分確認）。")
    shows(client.get("/supplier/stock").text, "您的 SKU 在我們倉庫的庫存", "可供應週數", "各 SKU 需求預測")

    english = client.get(f"/supplier/purchase-orders/{purchase.number}?lang=en").text
    shows(english, "Advance shipping notices", "Announce a delivery", 'placeholder="optional"')
    assert "通知交貨" not in english


def test_replenishment_reads_in_chinese(auth, client, suggested):  # noqa: F811
    auth.login_as("ops_admin")

    shows(client.get("/ops/replenishment?lang=zh-Hant").text,
          "<h1>補貨</h1>", "安全庫存", "現有庫存", "建立並寄出", "儲存數量", 'placeholder="完整 SKU"', "未處理")
    shows(client.get("/ops/replenishment/settings").text,
          "補貨設定", "A 類服務水準", "檢視週期（天）", "自動下單", "依供應商", "開啟", "儲存為新版本")

    english = client.get("/ops/replenishment/settings?lang=en").text
    shows(english, "Replenishment settings", "Service level, class A", "Automatic ordering", "Switch on")
    assert "補貨設定" not in english


def test_the_scorecards_read_in_chinese(auth, client, scored):  # noqa: F811
    auth.login_as("ops_admin")

    shows(client.get("/ops/suppliers/scorecard?lang=zh-Hant").text,
          "供應商評分卡", "準時率", "滿足率", "最差在前", "最近 90 天", "每月數據", "所有供應商：每月準時率與滿足率")
    shows(client.get("/ops/suppliers/SUP1/scorecard").text, "評分卡：SUP1", "瑕疵率", "小時，中位數", "故障最多的 SKU")

    english = client.get("/ops/suppliers/scorecard?lang=en").text
    shows(english, "Supplier scorecard", "On time", "Fill rate", "worst first")
    assert "準時率" not in english
