"""The purchase order as PDF and CSV: what was ordered, prices, totals, where to deliver, the supplier's answer; CSV
cells that a spreadsheet would run are neutralised, and the CSV filled in reads back as a confirmation."""
import csv
import io
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from models.core.errors import NotFound
from models.inventory.tables import Product
from models.supply.confirmation_file import parse_confirmation_csv
from models.supply.confirmations import confirm_purchase_order
from models.supply.documents import purchase_order_csv, purchase_order_pdf
from tests.factories import make_world
from tests.models.supply.test_confirmations import BUYER, answers, sent_purchase_order


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_pdf_shows_the_order_its_lines_total_and_delivery_address(any_db):
    world = make_world()
    Product.update(name="Widget 小部件").where(Product.sku == "WIDGET").execute()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(8, 5), supplier_id=None, actor=BUYER)
    data = purchase_order_pdf(purchase.id)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (purchase.number, "Supplier One", "SUP1", "East DC", "1 East Road", "Warehouse EAST", "WIDGET",
                     "Widget", "小部件", "GADGET", "2.00", "20.00", "7.50", "37.50", "57.50 USD", "2031-03-14",
                     "Page 1 of 1", "partially_confirmed"):
        assert expected in text, expected


def test_the_csv_has_a_row_per_line_and_neutralises_formulas(any_db):
    world = make_world()
    Product.update(name="=HYPERLINK(\"http://evil.example\")").where(Product.sku == "GADGET").execute()
    purchase = sent_purchase_order(world)
    rows = list(csv.DictReader(io.StringIO(purchase_order_csv(purchase.id))))
    assert [(r["sku"], r["quantity"], r["unit_price"], r["line_total"], r["confirmed_quantity"]) for r in rows] == [
        ("WIDGET", "10", "2.00", "20.00", ""), ("GADGET", "5", "7.50", "37.50", "")]
    assert rows[1]["product"] == "'=HYPERLINK(\"http://evil.example\")"
    assert rows[0]["purchase_order"] == purchase.number and rows[0]["deliver_to"] == "East DC, 1 East Road"


def test_the_csv_filled_in_is_a_confirmation(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    rows = list(csv.DictReader(io.StringIO(purchase_order_csv(purchase.id))))
    for row in rows:
        row["promised_date"] = "2031-03-14"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    answered = parse_confirmation_csv(buffer.getvalue().encode())
    assert confirm_purchase_order(purchase.number, answered, supplier_id=None, actor=BUYER) == "confirmed"
    confirmed = list(csv.DictReader(io.StringIO(purchase_order_csv(purchase.id))))
    assert [(r["confirmed_quantity"], r["promised_date"]) for r in confirmed] == [("10", "2031-03-14"), ("5", "2031-03-14")]
    assert Decimal(confirmed[0]["line_total"]) == Decimal("20.00")


def test_an_unknown_purchase_order_has_no_documents(any_db):
    with pytest.raises(NotFound):
        purchase_order_pdf(987_654)
    with pytest.raises(NotFound):
        purchase_order_csv(987_654)
