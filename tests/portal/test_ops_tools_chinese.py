"""The ops tool pages (rule editors, imports, mail intake, stuck work, queues, shipping problems, webhooks, API docs)
in Traditional and Simplified Chinese, and unchanged in English."""
from __future__ import annotations

import pytest

from models.intake.tables import ImportBatch
from models.operations.dead_letters import FoundDeadLetter, record_dead_letters
from tests.factories import allow_repeat_orders
from tests.portal.test_batches import post_file
from tests.portal.test_intake_queue import stranger_mail
from tests.portal.test_shipments import failed_shipment

PAGES = {  # path: (an English phrase, its zh-Hant and its zh-Hans wording)
    "/ops/allocation-settings": ("Routing rules", "路由規則", "路由规则"),
    "/ops/review-settings": ("Customer credit overrides", "客戶信用例外設定", "客户信用例外设置"),
    "/intake": ("Waiting for ops", "等待營運處理", "等待运营处理"),
    "/ops/stuck": ("Nothing is stuck.", "沒有卡住的工作。", "没有卡住的工作。"),
    "/ops/dead-letters": ("Apply to the ticked", "套用至勾選項目", "应用于勾选项目"),
    "/ops/queues": ("Consumers", "消費者", "消费者"),
    "/ops/shipments/problems": ("Failed shipments", "失敗的出貨", "失败的发货"),
    "/webhooks": ("Create subscription", "建立訂閱", "创建订阅"),
    "/api/v1/docs": ("Responses", "回應", "响应"),
}


@pytest.fixture
def world(app):
    allow_repeat_orders()
    failed_shipment("ZH-FAIL")
    stranger_mail(app.config["OMS_SETTINGS"], 1, subject="Need widgets")
    record_dead_letters([FoundDeadLetter("m1", "oms_intake", "intake_orders", [[41]], "ValueError: bad SKU")])


@pytest.mark.parametrize(("lang", "column"), [("zh-Hant", 1), ("zh-Hans", 2)])
def test_ops_tool_pages_read_in_chinese(client, auth, world, lang, column):
    auth.login_as("ops_admin")
    for path, words in PAGES.items():
        page = client.get(f"{path}?lang={lang}")
        assert page.status_code == 200, path
        assert words[column] in page.text and words[0] not in page.text, path
    failed = client.get("/ops/shipments/problems").text
    assert ("前</time>" in failed) and " ago</time>" not in failed  # the age, "3分鐘前"
    rules = client.get("/ops/allocation-settings").text
    assert ("儲存為新版本" if lang == "zh-Hant" else "保存为新版本") in rules and "Save as a new version" not in rules


def test_ops_tool_pages_stay_english(client, auth, world):
    auth.login_as("ops_admin")
    for path, words in PAGES.items():
        page = client.get(f"{path}?lang=en")
        assert page.status_code == 200 and words[0] in page.text, path
    assert " ago</time>" in client.get("/ops/shipments/problems").text


def test_an_import_and_its_refusals_read_in_chinese(client, auth):
    auth.login_as("ops_agent")
    post_file(client)
    batch = ImportBatch.get()
    page = client.get(f"/imports/{batch.id}?lang=zh-Hant").text
    assert "此檔案建立的訂單" in page and "下載錯誤報告（CSV）" in page and "Orders from this file" not in page
    english = client.get(f"/imports/{batch.id}?lang=en").text
    assert "Orders from this file" in english and "Download the error report (CSV)" in english
    refused = client.post("/ops/stuck/redrive?lang=zh-Hans", data={}, follow_redirects=True).text
    assert "请选择要重新推送的项目。" in refused
