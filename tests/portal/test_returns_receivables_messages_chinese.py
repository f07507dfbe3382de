"""The return rules form, a payment refused on the credit desk and a report given a wrong range show the models'
messages in Traditional Chinese with ?lang=zh-Hant, and the same pages in English as before with ?lang=en."""
from __future__ import annotations

from tests.portal.test_return_settings import PAGE, form


def test_the_return_rules_form_refuses_in_chinese_and_in_english(auth, client):
    auth.login_as("ops_admin")
    client.get(f"{PAGE}?lang=zh-Hant")
    page = client.post(PAGE, data=form(window_days="soon", max_return_rate="130%"))
    assert page.status_code == 422
    assert "0 到 3650 之間的整數天數" in page.text
    assert "百分比（例如 30%），最多精確到 0.01 %" in page.text
    client.get(f"{PAGE}?lang=en")
    english = client.post(PAGE, data=form(window_days="soon", max_return_rate="130%")).text
    assert "a whole number of days from 0 to 3650" in english
    assert "a share from 0 to 1 such as 0.30, or a percentage such as 30%, to at most 0.01 %" in english
    assert "整數" not in english


def test_a_refused_payment_reads_in_chinese_and_in_english(auth, client):
    auth.login_as("ops_admin")
    payment = {"payment-amount": "12.345", "payment-currency": "USD", "payment-reference": "R-1",
               "payment-method": "bank_transfer"}
    client.get("/ops/customers/CUST1?lang=zh-Hant")
    assert "最多 2 位小數" in client.post("/ops/customers/CUST1/payments", data=payment, follow_redirects=True).text
    client.post("/ops/customers/CUST1/payments", data={**payment, "payment-amount": "10.00"})
    again = client.post("/ops/customers/CUST1/payments", data={**payment, "payment-amount": "20.00"},
                        follow_redirects=True).text
    assert "CUST1 的付款 &#39;R-1&#39; 已記錄為 10.00 USD；不同的付款需要使用自己的參考編號" in again
    client.get("/ops/customers/CUST1?lang=en")
    english = client.post("/ops/customers/CUST1/payments", data={**payment, "payment-amount": "20.00"},
                          follow_redirects=True).text
    assert ("payment &#39;R-1&#39; of CUST1 is already recorded as 10.00 USD; a different payment needs its own "
            "reference") in english and "付款" not in english


def test_a_wrong_report_range_reads_in_chinese_and_in_english(auth, client):
    auth.login_as("ops_admin")
    page = client.get("/ops/reports/sales?from=2026-13-01&lang=zh-Hant")
    assert page.status_code == 400
    assert "日期範圍無效" in page.text and "&#39;2026-13-01&#39; 不是日期（YYYY-MM-DD）" in page.text
    english = client.get("/ops/reports/sales?from=2026-13-01&lang=en")
    assert english.status_code == 400
    assert "invalid date range" in english.text and "&#39;2026-13-01&#39; is not a date (YYYY-MM-DD)" in english.text
    assert "日期" not in english.text
