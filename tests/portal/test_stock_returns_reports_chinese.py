"""The inventory, returns, feedback and report pages in Traditional and Simplified Chinese, and still in English."""
import pytest

from models.returns.feedback import feedback_token
from tests.factories import allow_repeat_orders, ask, delivered_order
from tests.portal.report_sales_world import sell_world


@pytest.fixture
def returned(app):
    """A delivered order with a return waiting for review."""
    allow_repeat_orders()
    order = delivered_order()
    return order, ask(order, "no_longer_needed", sku="GADGET", quantity=1)


def test_the_stock_pages_read_in_chinese_and_still_in_english(client, auth):
    auth.login_as("ops_agent")
    english = client.get("/ops/inventory").text
    assert "Adjust stock" in english and "Low stock only" in english and "Cycle count" in english
    page = client.get("/ops/inventory?lang=zh-Hant").text
    assert "調整庫存" in page and "倉庫間調撥" in page and "循環盤點" in page and "Adjust stock" not in page
    moved = client.post("/ops/inventory/adjustments", follow_redirects=True, data={
        "adjust-warehouse": "EAST", "adjust-sku": "WIDGET", "adjust-quantity_change": "-3",
        "adjust-reason_code": "damaged", "adjust-note": ""}).text
    assert "EAST 的 WIDGET -3（損壞）。" in moved
    ledger = client.get("/ops/inventory/WIDGET?lang=zh-Hans").text
    assert "库存变动账" in ledger and "<td>调整</td>" in ledger and "时间" in ledger
    assert "低库存警报" in client.get("/ops/alerts").text
    english = client.get("/ops/inventory/WIDGET?lang=en").text
    assert "Stock ledger" in english and "<td>adjustment</td>" in english and "<th>When</th>" in english


def test_the_return_pages_read_in_chinese_and_still_in_english(client, auth, returned):
    _, waiting = returned
    auth.login_as("ops_agent")
    english = client.get("/ops/returns").text
    assert "waiting for review" in english and "Rules that fired" in english and "requested" in english
    queue = client.get("/ops/returns?lang=zh-Hant").text
    assert "等待審核" in queue and "觸發的規則" in queue and "核准" in queue and "不再需要" in queue
    detail = client.get(f"/ops/returns/{waiting.id}").text
    assert f"退貨 R{waiting.id}" in detail and "退貨標籤" in detail and "歷程" in detail
    approved = client.post(f"/ops/returns/{waiting.id}/approve", data={"approve-note": ""}, follow_redirects=True)
    assert f"退貨 {waiting.id} 已核准。" in approved.text
    assert "退货规则" in client.get("/ops/return-settings?lang=zh-Hans").text
    assert "客户意见反馈" in client.get("/ops/feedback").text
    english = client.get("/ops/return-settings?lang=en").text
    assert "Return window (days after delivery)" in english and "Sends the return to a person when" in english


def test_the_public_feedback_page_follows_the_browser_and_the_query(client, app):
    allow_repeat_orders()
    order = delivered_order()
    path = f"/feedback/{feedback_token(order.id, app.config['OMS_SETTINGS'].secret_key)}"
    english = client.get(path).text
    assert "Send my rating" in english and "How was order PO-1?" in english
    traditional = client.get(path, headers={"Accept-Language": "zh-TW,zh;q=0.9"}).text
    assert "送出評分" in traditional and "您對訂單 PO-1 滿意嗎？" in traditional and "1 — 很差" in traditional
    simplified = client.get(f"{path}?lang=zh-Hans").text
    assert "提交评分" in simplified
    assert f'href="{path}?lang=zh-Hant"' in simplified  # the switcher keeps this order's page
    done = client.post(path, data={"rating": "5"}).text
    assert "感谢您为订单 PO-1 评分" in done


def test_the_reports_read_in_chinese_with_their_charts(client, auth):
    sell_world()
    auth.login_as("ops_admin")
    english = client.get("/ops/reports/customers").text
    assert "Customers per segment" in english and "at risk" in english and "Export CSV" in english
    assert ">By\n" in client.get("/ops/reports/sales").text
    sales = client.get("/ops/reports/sales?lang=zh-Hant").text
    assert "銷售趨勢" in sales and "各期間營收（已出貨訂單）" in sales and "分組依據" in sales and "匯出 CSV" in sales
    customers = client.get("/ops/reports/customers").text
    assert "各分群客戶數" in customers and "流失風險客戶" in customers and "Customers per segment" not in customers
    cycle = client.get("/ops/reports/cycle-times?lang=zh-Hans").text
    assert "订单周期时间" in cycle and "各步骤中位数小时数" in cycle and "接收至发货" in cycle
    assert "满足率" in client.get("/ops/reports/inventory").text
    returns = client.get("/ops/reports/returns").text
    assert "按原因统计的退货" in returns and "分组依据" in returns
    assert "报表" in client.get("/ops/reports/").text
    invalid = client.get("/ops/reports/sales?group=year")
    assert invalid.status_code == 400 and "无法显示报表" in invalid.text
