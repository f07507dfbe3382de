"""The dispatch note, invoice and purchase order print in their recipient's language (Partner.locale), in the
CID font of its script, and every fixed word they print has both Chinese translations."""
from __future__ import annotations

import ast
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from models.core.document_labels import LABELS
from models.partners.tables import Partner
from models.receivables.invoice_documents import InvoiceDocument, InvoiceLine
from models.supply.documents import purchase_order_pdf
from portal.documents.dispatch_note import render_dispatch_note
from portal.documents.invoice import render_invoice
from tests.models.supply.test_confirmations import sent_purchase_order
from tests.portal.test_shipment_documents import note, pdf_text

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ("portal/documents/dispatch_note.py", "portal/documents/invoice.py", "models/supply/documents.py",
             "models/core/pdf.py")


def labels_used() -> set[str]:
    """The literal first argument of every label(...) call in the document modules."""
    used = set()
    for path in DOCUMENTS:
        for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "label"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                used.add(node.args[0].value)
    return used


def test_every_document_label_has_both_translations():
    used = labels_used()
    assert len(used) > 60
    assert sorted(used - LABELS.keys()) == []
    for english, (traditional, simplified) in LABELS.items():
        assert traditional and simplified, english


def invoice(**changes) -> InvoiceDocument:
    values = dict(id=1, number="INV-1", status="open", issued_at=datetime(2024, 5, 1, 9), due_on=date(2024, 5, 31),
                  currency="TWD", customer_code="CUST1", customer_name="客戶一號", customer_email="",
                  order_id=7, order_ref="PO-7", bill_to=("台北市信義路五段7號",),
                  lines=(InvoiceLine(1, "WIDGET", "小部件", 2, Decimal("100.00"), Decimal("200.00")),),
                  subtotal=Decimal("200.00"), shipping=Decimal("10.00"), amount=Decimal("210.00"),
                  paid=Decimal("0.00"))
    return InvoiceDocument(**{**values, **changes})


@pytest.mark.parametrize(("language", "font", "words"), [
    ("zh-Hant", b"MSung-Light", ("出貨單", "收貨地址", "包裝人", "第 1 頁，共 1 頁", "訂單總計")),
    ("zh-Hans", b"STSong-Light", ("发货单", "收货地址", "包装人", "第 1 页，共 1 页")),
])
def test_the_dispatch_note_prints_in_the_customers_language(language, font, words):
    from models.shipping.documents import OrderValue

    pdf = render_dispatch_note(note(language=language, order_value=OrderValue(
        "TWD", Decimal("100"), Decimal("5"), Decimal("5"), Decimal("110"), False)))
    text = pdf_text(pdf)
    for word in words:
        assert word in text, word
    assert font in pdf and "Packed by" not in text and "WIDGET" in text


def test_the_english_dispatch_note_is_unchanged():
    text = pdf_text(render_dispatch_note(note()))
    assert "Dispatch note" in text and "Packed by" in text and "出貨單" not in text


@pytest.mark.parametrize(("language", "words"), [
    ("zh-Hant", ("發票", "應付餘額", "小部件", "台北市")), ("zh-Hans", ("发票", "应付余额", "小部件")),
])
def test_the_invoice_prints_in_the_customers_language(language, words):
    text = pdf_text(render_invoice(invoice(language=language)))
    for word in words:
        assert word in text, word
    assert "Balance due" not in text


def test_the_invoice_document_carries_the_customers_locale(app):
    from models.receivables.invoice_documents import invoice_document
    from models.receivables.ledger import Invoice

    customer = Partner.get(Partner.code == "CUST1")
    Partner.update(locale="zh-Hant").where(Partner.id == customer.id).execute()
    made = Invoice.create(number="INV-ZH", customer=customer, amount=Decimal("5.00"), currency="USD",
                          issued_at=datetime(2024, 5, 1), due_on=date(2024, 5, 31))
    assert invoice_document(made.id).language == "zh-Hant"


def test_the_purchase_order_prints_in_the_suppliers_language(app):
    supplier = Partner.get(Partner.code == "SUP1")
    Partner.update(locale="zh-Hans").where(Partner.id == supplier.id).execute()
    purchase = sent_purchase_order({"supplier": supplier})
    pdf = purchase_order_pdf(purchase.id)
    text = pdf_text(pdf)
    for word in ("采购单", "供应商", "交货地址", "单价", "第 1 页，共 1 页"):
        assert word in text, word
    assert b"STSong-Light" in pdf and "Unit price" not in text


def test_a_dispatch_note_of_a_real_shipment_uses_the_customers_locale(app):
    from models.shipping.documents import dispatch_note_data
    from tests.portal.test_shipment_documents import shipped

    Partner.update(locale="zh-Hant").where(Partner.code == "CUST1").execute()
    shipment_id = shipped("PO-ZH")
    data = dispatch_note_data(shipment_id)
    assert data.language == "zh-Hant"
    assert "出貨單" in pdf_text(render_dispatch_note(replace(data)))
