"""Refusals and validation messages of imports, dead letters and the review rules in Traditional Chinese with
?lang=zh-Hant: an order file's stored row errors, a bulk dead-letter decision without a note, the review rules'
threshold check; and the same pages in English as before with ?lang=en."""
from __future__ import annotations

import json

from models.intake.tables import ImportRowError
from tests.portal.test_batches import post_file
from tests.portal.test_dead_letters_pages import dead  # noqa: F401  (fixture)
from tests.portal.test_review_settings import PAGE, editor, form  # noqa: F401  (fixture)


def test_an_order_files_row_errors_are_stored_with_their_template_and_read_in_chinese(client, auth):
    auth.login_as("ops_agent")
    detail = post_file(client).headers["Location"]
    stored = ImportRowError.get()
    assert stored.message == "unknown SKU 'NOPE'"
    assert json.loads(stored.message_text) == {"text": "unknown SKU %(sku)s", "values": {"sku": "'NOPE'"}}
    chinese = client.get(f"{detail}?lang=zh-Hant").text
    assert "未知的 SKU &#39;NOPE&#39;" in chinese
    english = client.get(f"{detail}?lang=en").text
    assert "unknown SKU &#39;NOPE&#39;" in english and "未知" not in english


def test_row_errors_stored_before_templates_show_their_english(client, auth):
    auth.login_as("ops_agent")
    detail = post_file(client).headers["Location"]
    ImportRowError.update(message_text=None).execute()
    assert "unknown SKU &#39;NOPE&#39;" in client.get(f"{detail}?lang=zh-Hant").text


def test_a_bulk_decision_without_a_note_is_refused_in_chinese(client, auth, dead):  # noqa: F811
    auth.login_as("ops_agent")
    client.get("/ops/dead-letters?lang=zh-Hant")
    refused = client.post("/ops/dead-letters", data={"decision": "retry", "note": "", "ids": dead[:2]},
                          follow_redirects=True).text
    assert "一次處理多封死信時必須填寫備註：請說明原因" in refused
    client.get("/ops/dead-letters?lang=en")
    refused = client.post("/ops/dead-letters", data={"decision": "retry", "note": "", "ids": dead[:2]},
                          follow_redirects=True).text
    assert "a note is required when deciding several dead letters at once: say why" in refused


def test_the_review_rules_threshold_check_reads_in_chinese(editor):  # noqa: F811
    editor.get(f"{PAGE}?lang=zh-Hant")
    response = editor.post(PAGE, data=form(amount_hold_threshold="50000", amount_senior_threshold="40000"))
    assert response.status_code == 422 and "40000.00 低於 amount_hold_threshold 50000.00" in response.text
    editor.get(f"{PAGE}?lang=en")
    response = editor.post(PAGE, data=form(amount_hold_threshold="50000", amount_senior_threshold="40000"))
    assert "40000.00 is below amount_hold_threshold 50000.00" in response.text


def test_a_schema_message_on_an_order_row_reads_in_chinese(client, auth):
    from tests.portal.test_batches import HEADER, line

    auth.login_as("ops_agent")
    text = "\n".join([HEADER, line("WEB-Q", qty="many"), line("WEB-C", date="31/01/2030")])
    detail = post_file(client, text=text).headers["Location"]
    assert {row.message for row in ImportRowError.select()} == {
        "not a whole number: 'many'", "not a date (expected yyyy-mm-dd): '31/01/2030'"}
    chinese = client.get(f"{detail}?lang=zh-Hant").text
    assert "不是整數：&#39;many&#39;" in chinese and "不是日期（應為 yyyy-mm-dd）：&#39;31/01/2030&#39;" in chinese
    english = client.get(f"{detail}?lang=en").text
    assert "not a whole number: &#39;many&#39;" in english and "not a date (expected yyyy-mm-dd)" in english
