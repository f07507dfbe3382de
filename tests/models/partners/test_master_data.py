import io
import time
from decimal import Decimal

import pytest

from models.core.config import Settings
from models.core.errors import ValidationFailed
from models.intake.file_import.limits import ROW_CHARS
from models.invariants import receivables_add_up
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.partners.accounts import create_user
from models.partners.master_data import ImportReport, RowError, import_master_data
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from models.receivables.payments import record_payment
from schemas.master_data import ROW_SCHEMAS
from tests.conftest import settings_for
from tests.factories import make_world

SUPPLIERS = """code,name,email,lead_time_days
SUP-A,Supplier A,a@supplier.example,7
SUP-B,Supplier B,,
"""
CUSTOMERS_HEADER = ("code,name,kind,distributor_code,email,region,credit_limit,payment_terms_days,"
                    "outstanding_balance,blocked\n")
WAREHOUSES = """code,name,region,address
EAST,East DC,east,"1 East Road, Newark"
WEST,West DC,west,
"""


def run(kind: str, text: str) -> ImportReport:
    return import_master_data(kind, io.BytesIO(text.encode()), row_schema=ROW_SCHEMAS.get(kind))  # none: unknown


def counts(report: ImportReport) -> tuple[int, int, int, int]:
    return report.created, report.updated, report.unchanged, len(report.errors)


def test_suppliers_created_then_unchanged_then_updated(any_db):
    assert counts(run("suppliers", SUPPLIERS)) == (2, 0, 0, 0)
    supplier = Partner.get(Partner.code == "SUP-A")
    assert (supplier.kind, supplier.email, supplier.lead_time_days) == ("supplier", "a@supplier.example", 7)
    assert Partner.get(Partner.code == "SUP-B").lead_time_days is None

    assert counts(run("suppliers", SUPPLIERS)) == (0, 0, 2, 0)
    assert counts(run("suppliers", SUPPLIERS.replace("Supplier B,,", "Supplier Bee,,21"))) == (0, 1, 1, 0)
    renamed = Partner.get(Partner.code == "SUP-B")
    assert (renamed.name, renamed.lead_time_days) == ("Supplier Bee", 21)
    assert Partner.select().count() == 2


def test_customers_name_distributors_anywhere_in_the_file(any_db):
    text = CUSTOMERS_HEADER + (
        "C1,Customer One,customer,D1,c1@example.com,east,1000.00,30,250.50,no\n"
        "C2,Customer Two,customer,,,west,,0,,yes\n"
        "D1,Distributor One,distributor,,d1@example.com,east,50000,60,0,false\n"
        "C3,Customer Three,customer,D2,,west,,30,0,no\n"
        "D2,Distributor Two,distributor,,,west,,30,0,no\n"
    )
    assert counts(run("customers", text)) == (5, 0, 0, 0)
    one = Partner.get(Partner.code == "C1")
    assert one.distributor.code == "D1"
    assert (one.credit_limit, one.outstanding_balance, one.blocked) == (Decimal("1000.00"), Decimal("250.50"), False)
    two = Partner.get(Partner.code == "C2")
    assert (two.credit_limit, two.payment_terms_days, two.blocked, two.distributor) == (None, 0, True, None)
    assert Partner.get(Partner.code == "C3").distributor.code == "D2"
    assert counts(run("customers", text)) == (0, 0, 5, 0)


def test_outstanding_balance_is_kept_as_the_opening_invoice(any_db):
    row = "C1,Customer One,customer,,,east,1000.00,30,{},no\n"
    assert counts(run("customers", CUSTOMERS_HEADER + row.format("250.50"))) == (1, 0, 0, 0)
    customer = Partner.get(Partner.code == "C1")
    opening = Invoice.get(Invoice.number == "OPEN-C1")
    assert (opening.amount, opening.customer_id, customer.outstanding_balance) == (
        Decimal("250.50"), customer.id, Decimal("250.50"))
    record_payment(customer, amount=Decimal("100.00"), currency="USD", reference="BANK-1", method="cheque",
                   actor="test")
    assert counts(run("customers", CUSTOMERS_HEADER + row.format("250.50"))) == (0, 0, 1, 0)
    assert counts(run("customers", CUSTOMERS_HEADER + row.format("300.00"))) == (0, 1, 0, 0)
    assert Partner.get(Partner.code == "C1").outstanding_balance == Decimal("200.00")

    report = run("customers", CUSTOMERS_HEADER + row.format("99.00").replace("Customer One", "Renamed"))
    assert report.errors == [RowError(2, "outstanding_balance",
                                      "opening balance 99.00 is below the 100.00 already paid against OPEN-C1")]
    assert Partner.get(Partner.code == "C1").name == "Customer One"  # the refused row undid itself whole
    assert receivables_add_up() == []


def test_bad_rows_reported_with_line_and_field_while_good_rows_land(any_db):
    run("customers", CUSTOMERS_HEADER + "PLAIN,Plain Buyer,customer,,,east,,30,0,no\n")
    text = CUSTOMERS_HEADER + (
        "C1,Good One,customer,,,east,,30,0,no\n"
        "C2,Unknown Distributor,customer,NOPE,,east,,30,0,no\n"
        "\n"  # blank lines are skipped but still counted
        "C3,Not A Distributor,customer,PLAIN,,east,,30,0,no\n"
        "C4,\"Bad\nLimit\",customer,,,east,1.234,30,0,maybe\n"  # a quoted cell spanning two lines
        "C5,Good Five,customer,,,west,,30,0,no\n"
    )
    report = run("customers", text)
    assert report.errors == [
        RowError(3, "distributor_code", "no distributor with code 'NOPE'"),
        RowError(5, "distributor_code", "no distributor with code 'PLAIN'"),
        RowError(6, "credit_limit", "at most 2 decimal places"),
        RowError(6, "blocked", "expected true, false, yes, no, 1 or 0"),
    ]
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert sorted(Partner.select(Partner.code).tuples()) == [("C1",), ("C5",), ("PLAIN",)]


def test_products_resolve_suppliers(any_db):
    run("suppliers", SUPPLIERS)
    run("customers", CUSTOMERS_HEADER + "C1,Customer,customer,,,east,,30,0,no\n")
    text = """sku,name,unit_price,currency,weight_kg,supplier_code,dropship,reorder_point
W1,Widget,9.99,usd,0.125,SUP-A,no,10
W2,Gadget,500.00,EUR,,,,
W3,Orphan,1.00,USD,1,SUP-X,no,0
W4,Wrong kind,1.00,USD,1,C1,no,0
W5,Dropship,20.00,USD,2,SUP-B,yes,0
"""
    report = run("products", text)
    assert report.errors == [RowError(4, "supplier_code", "no supplier with code 'SUP-X'"),
                             RowError(5, "supplier_code", "no supplier with code 'C1'")]
    widget = Product.get(Product.sku == "W1")
    assert (widget.unit_price, widget.currency, widget.weight_kg, widget.supplier.code, widget.reorder_point) == (
        Decimal("9.99"), "USD", Decimal("0.125"), "SUP-A", 10)
    gadget = Product.get(Product.sku == "W2")
    assert (gadget.supplier, gadget.dropship, gadget.reorder_point, gadget.currency) == (None, False, 0, "EUR")
    assert Product.get(Product.sku == "W5").dropship is True

    report = run("products", text.replace("W1,Widget,9.99", "W1,Widget,10.49"))
    assert counts(report) == (0, 1, 2, 2)
    assert Product.get(Product.sku == "W1").unit_price == Decimal("10.49")


def test_warehouses_and_lanes_update_by_natural_key(any_db):
    assert counts(run("warehouses", WAREHOUSES)) == (2, 0, 0, 0)
    assert Warehouse.get(Warehouse.code == "EAST").address == "1 East Road, Newark"
    lanes = """warehouse_code,region,cost,lead_time_days
EAST,east,4.50,1
EAST,west,12.00,5
WEST,west,4.50,1
NORTH,west,1.00,1
"""
    report = run("lanes", lanes)
    assert counts(report) == (3, 0, 0, 1)
    assert report.errors == [RowError(5, "warehouse_code", "no warehouse with code 'NORTH'")]
    report = run("lanes", lanes.replace("EAST,west,12.00,5", "EAST,west,11.00,4"))
    assert counts(report) == (0, 1, 2, 1)
    east_west = Lane.get(Lane.warehouse == Warehouse.get(Warehouse.code == "EAST"), Lane.region == "west")
    assert (east_west.cost, east_west.lead_time_days) == (Decimal("11.00"), 4)
    assert Lane.select().count() == 3


def test_stock_sets_on_hand_but_never_below_reserved(any_db):
    world = make_world(on_hand=100)
    Stock.update(reserved=30).where(Stock.warehouse == world["east"], Stock.product == world["widget"]).execute()
    text = """warehouse_code,sku,on_hand
EAST,WIDGET,20
EAST,GADGET,0
WEST,WIDGET,100
WEST,NOPE,5
NORTH,WIDGET,5
"""
    report = run("stock", text)
    assert report.errors == [RowError(2, "on_hand", "on_hand 20 below reserved 30"),
                             RowError(5, "sku", "no product with SKU 'NOPE'"),
                             RowError(6, "warehouse_code", "no warehouse with code 'NORTH'")]
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)

    def stock(warehouse, product):
        row = Stock.get(Stock.warehouse == world[warehouse], Stock.product == world[product])
        return row.on_hand, row.reserved

    assert stock("east", "widget") == (100, 30)
    assert stock("east", "gadget") == (0, 0)
    assert counts(run("stock", "warehouse_code,sku,on_hand\nEAST,WIDGET,30\n")) == (0, 1, 0, 0)
    assert stock("east", "widget") == (30, 30)


def test_stock_row_created_for_a_new_pair(any_db):
    make_world()
    Warehouse.create(code="SOUTH", name="South", region="south")
    assert counts(run("stock", "warehouse_code,sku,on_hand\nSOUTH,GADGET,7\n")) == (1, 0, 0, 0)
    row = Stock.get(Stock.warehouse == Warehouse.get(Warehouse.code == "SOUTH"))
    assert (row.product.sku, row.on_hand, row.reserved) == ("GADGET", 7, 0)


def test_bom_file_with_loose_headers_and_extra_columns(any_db, tmp_path):
    path = tmp_path / "warehouses.csv"
    path.write_bytes(("\ufeff Code ,NAME,Region,Address,Manager\r\n"
                      "EAST,East DC,east,1 Road,Ana\r\n").encode())
    report = import_master_data("warehouses", path, row_schema=ROW_SCHEMAS["warehouses"])
    assert counts(report) == (1, 0, 0, 0)
    assert Warehouse.get(Warehouse.code == "EAST").name == "East DC"
    assert counts(import_master_data("warehouses", str(path), row_schema=ROW_SCHEMAS["warehouses"])) == (0, 0, 1, 0)


def test_text_stream_accepted(any_db):
    assert counts(import_master_data("warehouses", io.StringIO("\ufeff" + WAREHOUSES),
                                     row_schema=ROW_SCHEMAS["warehouses"])) == (2, 0, 0, 0)


def test_missing_header_imports_nothing(any_db):
    report = run("warehouses", "code,name\nEAST,East DC\n")
    assert report.errors == [RowError(1, "header", "missing columns: region, address")]
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert Warehouse.select().count() == 0


def test_empty_file_is_a_header_error(any_db):
    report = run("stock", "")
    assert report.errors == [RowError(1, "header", "missing columns: warehouse_code, sku, on_hand")]


def test_not_utf8_imports_nothing(any_db):
    report = import_master_data("warehouses", io.BytesIO("code,name,region,address\nEAST,Caf\xe9,east,\n"
                                                         .encode("latin-1")), row_schema=ROW_SCHEMAS["warehouses"])
    assert [(error.row, error.field) for error in report.errors] == [(2, "file")]
    assert "UTF-8" in report.errors[0].message
    assert Warehouse.select().count() == 0


def test_unknown_kind_names_the_allowed_kinds(any_db):
    with pytest.raises(ValidationFailed) as caught:
        run("parts", "sku\nX\n")
    assert "suppliers, customers, products, warehouses, lanes, stock" in caught.value.messages["kind"][0]


def test_second_row_with_the_same_key_is_refused(any_db):
    report = run("warehouses", WAREHOUSES + "EAST,East Again,east,\n")
    assert report.errors == [RowError(4, "code", "same code as row 2")]
    assert Warehouse.get(Warehouse.code == "EAST").name == "East DC"


def test_partner_code_keeps_its_kind(any_db):
    run("suppliers", SUPPLIERS)
    report = run("customers", CUSTOMERS_HEADER + "SUP-A,Now a buyer,customer,,,east,,30,0,no\n")
    assert report.errors == [RowError(2, "code", "SUP-A is a supplier; give the customer its own code")]
    assert Partner.get(Partner.code == "SUP-A").kind == "supplier"


def test_distributor_that_serves_customers_stays_one(any_db):
    run("customers", CUSTOMERS_HEADER + "D1,Dist,distributor,,,east,,30,0,no\nC1,Cust,customer,D1,,east,,30,0,no\n")
    create_user("dist@example.com", "distributor", partner_code="D1", password="long-enough")
    report = run("customers", CUSTOMERS_HEADER + "D1,Dist,customer,,,east,,30,0,no\n")
    assert [(error.row, error.field) for error in report.errors] == [(2, "kind")]
    assert Partner.get(Partner.code == "D1").kind == "distributor"


def test_customer_cannot_name_a_distributor_the_same_file_demotes(any_db):
    run("customers", CUSTOMERS_HEADER + "D1,Dist,distributor,,,east,,30,0,no\n")
    report = run("customers", CUSTOMERS_HEADER + "C1,Cust,customer,D1,,east,,30,0,no\n"
                                                 "D1,Dist,customer,,,east,,30,0,no\n")
    assert report.errors == [RowError(2, "distributor_code", "no distributor with code 'D1'")]
    assert Partner.get(Partner.code == "D1").kind == "customer"


def test_warehouse_city_postcode_and_country_are_optional_columns_kept_when_absent(db):
    with_address = "code,name,region,address,city,postcode,country\nEAST,East DC,east,1 Dock Rd,Newark,07114,US\n"
    assert counts(run("warehouses", with_address)) == (1, 0, 0, 0)
    east = Warehouse.get(Warehouse.code == "EAST")
    assert (east.city, east.postcode, east.country) == ("Newark", "07114", "US")
    run("warehouses", "code,name,region,address\nEAST,East DC,east,1 Dock Road\n")  # no address columns
    east = Warehouse.get(Warehouse.code == "EAST")
    assert (east.address, east.city, east.postcode, east.country) == ("1 Dock Road", "Newark", "07114", "US")
    report = run("warehouses", "code,name,region,address,country\nEAST,East DC,east,,usa\n")
    assert [(e.field, e.message) for e in report.errors] == [("country", "two capital letters, e.g. US")]


# Read limits: the order files' OMS_IMPORT_* settings and ROW_CHARS bound these files too.

WAREHOUSE_HEADER = "code,name,region,address\n"


def limited(tmp_path, **env) -> Settings:
    return settings_for(tmp_path, **{f"OMS_IMPORT_MAX_{name.upper()}": str(value) for name, value in env.items()})


def timed_run(kind: str, data: bytes, settings: Settings) -> ImportReport:
    started = time.perf_counter()
    report = import_master_data(kind, io.BytesIO(data), row_schema=ROW_SCHEMAS[kind], settings=settings)
    assert time.perf_counter() - started < 1
    return report


def warehouse_rows(count: int) -> str:
    return "".join(f"W{number},Warehouse {number},east,\n" for number in range(count))


@pytest.mark.parametrize("settings_env, data, error", [
    ({"bytes": 1_000_000}, (WAREHOUSE_HEADER + "EAST,East DC,east," + "a" * 5_000_000 + "\n").encode(),
     RowError(1, "file", "the file is larger than the limit of 1000000 bytes; split it")),
    ({"rows": 1000}, (WAREHOUSE_HEADER + warehouse_rows(200_000)).encode(),
     RowError(1002, "file", "the file has more than 1000 rows; split it")),
    ({"rows": 1000}, (WAREHOUSE_HEADER + "\n" * 3000).encode(),
     RowError(2002, "file", "the file has more than 2000 lines, blank ones included; split it")),
    ({}, (WAREHOUSE_HEADER + "EAST,East DC,east,1 Road\nWEST,West DC,west," + "a" * 500_000 + "\n").encode(),
     RowError(3, "address", "more than 32767 characters (500000 read); no master data field is that long")),
    ({}, ("code,name,region,address," + "x" * 40_000 + "\nEAST,East DC,east,\n").encode(),
     RowError(1, "header", "more than 32767 characters (40000 read); no master data field is that long")),
    ({}, (WAREHOUSE_HEADER + "EAST,East DC,east,1 Road\n" + "a," * 10_000_000).encode(),
     RowError(3, "file", f"a row of more than {ROW_CHARS} characters; no master data row is that long")),
    ({}, (WAREHOUSE_HEADER + 'EAST,East DC,east,"never closed\n' + "line\n" * 1_000_000).encode(),
     RowError(2, "file", f"a row of more than {ROW_CHARS} characters; no master data row is that long")),
], ids=["bytes", "rows", "blank-lines", "cell", "header-cell", "endless-line", "endless-quote"])
def test_a_file_past_a_read_limit_is_refused_quickly_and_imports_nothing(any_db, tmp_path, settings_env, data,
                                                                         error):
    report = timed_run("warehouses", data, limited(tmp_path, **settings_env))
    assert report.errors == [error]
    assert counts(report) == (0, 0, 0, 1)
    assert Warehouse.select().count() == 0


def test_the_byte_limit_reads_no_further_than_one_byte_past_it(db, tmp_path):
    stream = io.BytesIO(b"x" * 5_000_000)
    report = import_master_data("warehouses", stream, row_schema=ROW_SCHEMAS["warehouses"],
                                settings=limited(tmp_path, bytes=1000))
    assert [error.field for error in report.errors] == ["file"]
    assert stream.tell() == 1001


def test_a_text_stream_is_held_to_the_byte_limit_in_utf8(db, tmp_path):
    text = WAREHOUSE_HEADER + "EAST,Café,east,\n"
    report = import_master_data("warehouses", io.StringIO(text), row_schema=ROW_SCHEMAS["warehouses"],
                                settings=limited(tmp_path, bytes=len(text)))  # one byte short: é is two
    assert report.errors == [RowError(1, "file", f"the file is larger than the limit of {len(text)} bytes; "
                                                 "split it")]


def test_a_file_at_every_limit_is_imported(db, tmp_path):
    address = "a" * 100
    padding = ",x" * ((ROW_CHARS - len("W9,Warehouse 9,east,\n")) // 2)
    long_row = "W9,Warehouse 9,east," + padding + "\n"  # cells past the header are ignored
    long_row = long_row[:-1] + "y" * (ROW_CHARS - len(long_row)) + "\n"
    assert len(long_row) == ROW_CHARS
    text = WAREHOUSE_HEADER + f"W1,Warehouse 1,east,{address}\n" + long_row + "\n\n"
    data = text.encode()
    report = timed_run("warehouses", data, limited(tmp_path, bytes=len(data), rows=2, cell_chars=100))
    assert counts(report) == (2, 0, 0, 0)
    assert Warehouse.get(Warehouse.code == "W1").address == address
    over = limited(tmp_path, bytes=len(data) - 1, rows=2, cell_chars=100)
    assert [error.field for error in timed_run("warehouses", data, over).errors] == ["file"]
    fewer = limited(tmp_path, bytes=len(data), rows=1, cell_chars=100)
    assert [(error.row, error.field) for error in timed_run("warehouses", data, fewer).errors] == [(3, "file")]
    longer = data.replace(address.encode(), address.encode() + b"a")
    settings = limited(tmp_path, bytes=len(longer), rows=2, cell_chars=100)
    assert [(error.row, error.field) for error in timed_run("warehouses", longer, settings).errors] == \
        [(2, "address")]


def test_an_optional_locale_column_sets_the_language_of_partners_documents(any_db):
    assert counts(run("suppliers", "code,name,email,lead_time_days,locale\nSUP-A,Supplier A,,7,zh-Hans\n")) \
        == (1, 0, 0, 0)
    assert Partner.get(Partner.code == "SUP-A").locale == "zh-Hans"
    text = CUSTOMERS_HEADER.replace("blocked\n", "blocked,locale\n") + "C1,Customer One,customer,,,east,,30,0,no,{}\n"
    assert counts(run("customers", text.format("zh-Hant"))) == (1, 0, 0, 0)
    assert Partner.get(Partner.code == "C1").locale == "zh-Hant"
    assert counts(run("customers", text.format(""))) == (0, 0, 1, 0)  # blank: kept
    report = run("customers", text.format("fr"))
    assert [error.field for error in report.errors] == ["locale"]
    assert Partner.get(Partner.code == "C1").locale == "zh-Hant"
