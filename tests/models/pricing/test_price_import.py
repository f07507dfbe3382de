"""The price-list CSV import: good rows merged into one new price book version, bad rows reported by row and field."""
import io
from datetime import date
from decimal import Decimal

import pytest

from models.pricing.price_import import import_price_lists
from models.pricing.rules import PriceBreak, PriceQuery, resolve_price
from models.pricing.versions import PriceBookVersion, price_book_in_force
from schemas.price_lists import price_list_row_schema
from tests.factories import make_world

HEADER = ("list_code,list_name,applies_to,party,currency,sku,min_quantity,price,discount_percent,base,"
          "valid_from,valid_to,tax_included,tolerance_percent\n")
GOOD = (
    "CAT,Catalogue,catalogue,,USD,WIDGET,1,10.00,,,,,,\n"
    "CAT,Catalogue,catalogue,,USD,GADGET,1,25.00,,,,,,\n"
    "D1,,distributor,DIST1,usd,,,,10,CAT,2026-01-01,2026-12-31,,\n"
    "D1,,distributor,DIST1,USD,WIDGET,100,,20,,,,,\n"
    "C-1,,contract,CUST1,USD,GADGET,5,19.50,,,,,,\n"
)


def run(text: str, **kwargs):
    return import_price_lists(io.StringIO(text), row_schema=price_list_row_schema, actor="ops@x", **kwargs)


def errors(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.message) for e in report.errors]


def test_good_file_becomes_one_version(db):
    make_world()
    report = run(HEADER + GOOD)
    assert errors(report) == []
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    version, book = price_book_in_force()
    assert version == report.version and PriceBookVersion.select().count() == 1
    assert book.list_by_code("D1").entries["WIDGET"] == (PriceBreak(100, discount_percent=Decimal("20")),)
    query = PriceQuery("WIDGET", 100, "USD", date(2026, 3, 1), "CUST1", distributor="DIST1")
    assert resolve_price(book, query).price == Decimal("8.00")
    query = PriceQuery("GADGET", 5, "USD", date(2026, 3, 1), "CUST1", distributor="DIST1")
    assert resolve_price(book, query).explanation == "contract C-1, break ≥ 5 units: 19.50"


def test_same_file_again_changes_nothing(db):
    make_world()
    run(HEADER + GOOD)
    again = run(HEADER + GOOD)
    assert (again.created, again.updated, again.unchanged, again.version) == (0, 0, 5, None)
    assert PriceBookVersion.select().count() == 1


def test_rows_upsert_their_lists_and_leave_others(db):
    make_world()
    run(HEADER + GOOD)
    report = run(HEADER + "CAT,,catalogue,,USD,WIDGET,1,11.00,,,,,,\nCAT,,catalogue,,USD,WIDGET,10,10.50,,,,,,\n")
    assert (report.created, report.updated) == (1, 1)
    book = price_book_in_force()[1]
    assert [b.price for b in book.list_by_code("CAT").entries["WIDGET"]] == [Decimal("11.00"), Decimal("10.50")]
    assert book.list_by_code("CAT").name == "Catalogue"  # a blank cell keeps what the list has
    assert book.list_by_code("D1").discount_percent == Decimal("10") and len(book.contracts) == 1


@pytest.mark.parametrize("row, field, message", [
    ("CAT,,catalogue,,USD,NOPE,1,1.00,,,,,,", "sku", "unknown SKU 'NOPE'"),
    ("X,,customer,NOBODY,USD,WIDGET,1,1.00,,,,,,", "party", "unknown customer 'NOBODY'"),
    ("X,,distributor,CUST1,USD,WIDGET,1,1.00,,,,,,", "party", "unknown distributor 'CUST1'"),
    ("CAT,,catalogue,,USD,WIDGET,1,abc,,,,,,", "price", "Not a valid number."),
    ("CAT,,catalogue,,USD,WIDGET,1,1.00,5,,,,,", "price", "give either a price or a discount_percent, not both"),
    ("CAT,,catalogue,,USD,WIDGET,1,1.00,,,2026-05-01,2026-04-01,,", "valid_to", "before valid_from 2026-05-01"),
    ("CAT,,catalogue,,XYZ,WIDGET,1,1.00,,,,,,", "currency", "Must be one of"),
    ("X,,group,trade,USD,WIDGET,1,,5,NOLIST,,,,", "base", "unknown base list 'NOLIST'"),
    ("X,,group,trade,USD,WIDGET,1,,5,,,,,", "discount_percent", "list X has no base list to take a discount off"),
    ("C-2,,contract,CUST1,USD,WIDGET,1,,5,,,,,", "price", "a contract price needs a price"),
])
def test_bad_row_is_reported_and_good_rows_kept(db, row, field, message):
    make_world()
    report = run(HEADER + "CAT,,catalogue,,USD,GADGET,1,25.00,,,,,,\n" + row + "\n")
    assert [(e.row, e.field) for e in report.errors] == [(3, field)]
    assert report.errors[0].message.startswith(message), report.errors[0].message
    assert report.created == 1 and price_book_in_force()[1].list_by_code("CAT").entries["GADGET"]


def test_list_fields_must_agree_between_rows(db):
    make_world()
    report = run(HEADER + "CAT,,catalogue,,USD,WIDGET,1,10.00,,,2026-01-01,,,\n"
                          "CAT,,catalogue,,USD,GADGET,1,20.00,,,2026-02-01,,,\n"
                          "CAT,,catalogue,,EUR,GADGET,5,19.00,,,,,,\n")
    assert errors(report) == [
        (3, "valid_from", "list CAT has '2026-01-01' in row 2, not '2026-02-01': a list's fields must agree "
                          "between its rows"),
        (4, "currency", "list CAT has 'USD' in row 2, not 'EUR': a list's fields must agree between its rows")]
    assert report.created == 1


def test_base_cycle_is_refused(db):
    make_world()
    run(HEADER + "A,,group,g,USD,WIDGET,1,5.00,,,,,,\n")
    report = run(HEADER + "B,,group,g,USD,,,,5,A,,,,\nA,,group,g,USD,GADGET,1,7.00,,B,,,,\n")
    assert [(e.row, e.field) for e in report.errors] == [(2, "base"), (3, "base")]
    assert "A → B → A" in report.errors[0].message or "B → A → B" in report.errors[0].message
    assert price_book_in_force()[1].list_by_code("B") is None


def test_duplicate_break_in_one_file(db):
    make_world()
    report = run(HEADER + "CAT,,catalogue,,USD,WIDGET,1,10.00,,,,,,\nCAT,,catalogue,,USD,WIDGET,1,9.00,,,,,,\n")
    assert errors(report) == [(3, "sku", "WIDGET from 1 units is already in row 2")]


def test_missing_columns_import_nothing(db):
    report = run("list_code,sku,price\nCAT,WIDGET,1\n")
    assert errors(report) == [(1, "header", "missing columns: applies_to, party, currency")]
    assert price_book_in_force()[0] is None


def test_example_file_imports_cleanly(db):
    from pathlib import Path

    from models.partners.master_data import import_master_data
    from schemas.master_data import ROW_SCHEMAS
    examples = Path(__file__).parents[3] / "deploy" / "examples"
    for kind in ("suppliers", "customers", "products"):
        import_master_data(kind, examples / "master-data" / f"{kind}.csv", row_schema=ROW_SCHEMAS[kind])
    report = import_price_lists(examples / "price-lists.csv", row_schema=price_list_row_schema)
    assert errors(report) == [] and report.created == 8
