"""Order file import: messy real-world files, row errors, idempotency, limits and crash safety."""
import io
from decimal import Decimal

import openpyxl
import pytest

from models.core.audit import StatusChange
from models.core.errors import ImportRefused
from models.core.outbox import OutboxMessage
from models.intake import file_import
from models.intake.file_import import import_order_file, spill, streaming, writing
from models.intake.file_import.decoding import detect_encoding
from models.intake.tables import ColumnMapping, ImportBatch, ImportRowError
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from schemas.order_rows import import_row_schema
from tests.conftest import settings_for
from tests.factories import make_world

HEADER = ("external_ref,customer_code,sku,quantity,unit_price,currency,ship_to_name,ship_to_phone,ship_to_address,"
          "ship_to_city,ship_to_region,ship_to_postcode,ship_to_country,requested_delivery_date,notes")


def line(ref="PO-1", customer="CUST1", sku="WIDGET", qty="2", price="10.00", currency="USD", name="Ada Buyer",
         address="12 Main St", date="2030-01-31", notes="", sep=","):
    cells = [ref, customer, sku, qty, price, currency, name, "+1 555", address, "Springfield", "R1", "12345", "US",
             date, notes]
    return sep.join(cells)


@pytest.fixture
def world(any_db):
    return make_world()


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def run(text_or_bytes, settings, filename="orders.csv", distributor=None, encoding="utf-8", channel="file"):
    data = text_or_bytes.encode(encoding) if isinstance(text_or_bytes, str) else text_or_bytes
    return import_order_file(io.BytesIO(data), filename, settings=settings, submitted_by="ops@relay.test",
                             distributor=distributor, row_schema=import_row_schema, channel=channel)


def counts(result):
    return (result.orders_accepted, result.orders_rejected, result.orders_duplicate, result.lines_accepted)


def errors(result):
    return [(e.row, e.external_ref, e.field) for e in result.errors]


def test_clean_file_creates_orders_in_review_with_lines_audit_and_one_review_nudge_per_chunk(world, settings):
    text = "\n".join([HEADER, line("PO-1"), line("PO-1", sku="GADGET", qty="1", price=""), line("PO-2")]) + "\n"
    result = run(text, settings)
    assert counts(result) == (2, 0, 0, 3) and result.errors == []
    order = Order.get(Order.external_ref == "PO-1")
    assert (order.channel, order.status, order.submitted_by, order.source_batch_id, order.placed_by_id) == \
        ("file", "reviewing", "ops@relay.test", result.batch_id, None)
    assert order.total == Decimal("45.50")  # 2 × 10.00 + the catalogue 25.50
    assert [(ol.sku, ol.quantity, ol.unit_price) for ol in order.lines.order_by(OrderLine.line_no)] == \
        [("WIDGET", 2, Decimal("10.00")), ("GADGET", 1, Decimal("25.50"))]
    # As placement writes it: received, then straight into review, at the order's creation time.
    assert [(c.from_status, c.to_status, c.actor, c.reason, c.at) for c in StatusChange.trail("order", order.id)] == [
        (None, "received", "ops@relay.test", f"imported from batch {result.batch_id} via file", order.created_at),
        ("received", "reviewing", "ops@relay.test", "entered review on placement", order.created_at)]
    assert StatusChange.select().where(StatusChange.entity == "order").count() == 4
    nudges = list(OutboxMessage.select())
    assert [(m.queue_name, m.actor_name) for m in nudges] == [("oms_review", "review_orders")]
    assert sorted(nudges[0].args[0]) == sorted(o.id for o in Order.select())
    batch = ImportBatch.get_by_id(result.batch_id)
    assert (batch.status, batch.rows, batch.orders_accepted, batch.lines_accepted) == ("completed", 3, 2, 3)
    assert (settings.data_dir / "imports" / f"{batch.id}-orders.csv").read_bytes() == text.encode()
    assert len(batch.sha256) == 64 and batch.size_bytes == len(text.encode())


@pytest.mark.parametrize("in_memory_lines", [150_000, 3], ids=["in-memory", "spilled-to-file"])
def test_row_errors_reject_whole_orders_and_keep_the_rest(world, settings, monkeypatch, in_memory_lines):
    monkeypatch.setattr(spill, "IN_MEMORY_LINES", in_memory_lines)  # 3: the rows move to the file mid-way
    rows = [HEADER,
            line("OK-1"),
            line("BAD-QTY", qty="2.5"), line("BAD-QTY", sku="GADGET"),
            line("BAD-ZERO", qty="0"),
            line("BAD-PRICE", price="-1"),
            line("BAD-CENTS", price="1.234"),
            line("BAD-CUR", currency="XXX"),
            line("BAD-DATE", date="31/01/2030"),
            line("BAD-CUST", customer="NOPE"),
            line("BAD-SKU", sku="NOPE"),
            line("BAD-NAME", name=""),
            line("CONFLICT"), line("CONFLICT", sku="GADGET", address="other street"),
            line("TWICE"), line("TWICE"),
            line("", sku="GADGET"),
            line("SLASH-DATE", date="2030/02/01")]
    result = run("\n".join(rows), settings)
    assert counts(result) == (2, 11, 0, 2)  # a row without external_ref is an error, not an order
    assert errors(result) == [
        (3, "BAD-QTY", "quantity"), (5, "BAD-ZERO", "quantity"), (6, "BAD-PRICE", "unit_price"),
        (7, "BAD-CENTS", "unit_price"), (8, "BAD-CUR", "currency"), (9, "BAD-DATE", "requested_delivery_date"),
        (10, "BAD-CUST", "customer_code"), (11, "BAD-SKU", "sku"), (12, "BAD-NAME", "ship_to_name"),
        (14, "CONFLICT", "ship_to_address"), (16, "TWICE", "sku"), (17, "", "external_ref")]
    assert "not a whole number" in result.errors[0].message
    assert "conflicts with '12 Main St' on row 13" in result.errors[9].message
    assert Order.get(Order.external_ref == "SLASH-DATE").requested_delivery_date.isoformat() == "2030-02-01"
    assert not Order.select().where(Order.external_ref == "BAD-QTY").exists()
    assert ImportRowError.select().where(ImportRowError.batch == result.batch_id).count() == 12


def test_a_price_of_nan_or_infinity_is_a_row_error_and_the_other_orders_land(world, settings):
    text = "\n".join([HEADER, line("PO-1", price="NaN"), line("PO-2", price="inf"), line("PO-3")])
    result = run(text, settings)
    assert counts(result) == (1, 2, 0, 1)
    assert [(e.row, e.external_ref, e.field, e.message) for e in result.errors] == [
        (row, ref, "unit_price", "Special numeric values (nan or infinity) are not permitted.")
        for row, ref in ((2, "PO-1"), (3, "PO-2"))]


def test_catalogue_price_only_in_the_products_currency(world, settings):
    rows = [HEADER, line("EUR-1", price="", currency="EUR"), line("EUR-2", currency="eur"),
            line("USD-1", price="")]
    result = run("\n".join(rows), settings)
    assert counts(result) == (3, 0, 0, 3)
    priced = {ref: (line.unit_price, line.price_given) for ref, line in
              ((order.external_ref, order.lines[0]) for order in Order.select())}
    # a line given no price holds a placeholder (the catalogue price only in its own currency) for review to price
    assert priced == {"EUR-1": (Decimal("0.00"), False), "EUR-2": (Decimal("10.00"), True),
                      "USD-1": (Decimal("10.00"), False)}


def test_bom_crlf_semicolons_thousands_quotes_multiline_and_trailing_empty_rows(world, settings):
    header = HEADER.replace(",", ";").replace("ship_to_name", "Ship To Name").replace("external_ref", "EXTERNAL REF")
    rows = [header,
            line("PO-1", price='"1,234.50"', notes='"a; b\nsecond line"', sep=";"),
            line("PO-2", address='"Flat 1; ""Rose"" House"', sep=";"),
            line("PO-3", qty="x", sep=";"),
            ";;;;;;;;;;;;;;", "", ""]
    data = b"\xef\xbb\xbf" + "\r\n".join(rows).encode()
    result = run(data, settings)
    assert counts(result) == (2, 1, 0, 2)
    assert errors(result) == [(5, "PO-3", "quantity")]  # PO-1's record spans lines 2-3
    first = Order.get(Order.external_ref == "PO-1")
    assert first.notes == "a; b\nsecond line" and first.lines[0].unit_price == Decimal("1234.50")
    assert Order.get(Order.external_ref == "PO-2").ship_to_address == 'Flat 1; "Rose" House'


def test_tab_delimited_gb18030_with_chinese_names_and_notes(world, settings):
    rows = [HEADER.replace(",", "\t"), line("订单-1", name="张三", address="北京市朝阳区建国路88号", notes="请尽快发货", sep="\t")]
    data = "\n".join(rows).encode("gb18030")
    assert detect_encoding(data) == "gb18030"
    result = run(data, settings, filename="订单.txt")
    assert counts(result) == (1, 0, 0, 1)
    order = Order.get(Order.external_ref == "订单-1")
    assert (order.ship_to_name, order.notes) == ("张三", "请尽快发货")


def test_big5_traditional_chinese(world, settings):
    data = "\n".join([HEADER, line("PO-TW", name="陳大文", address="台北市信義區市府路1號", notes="請儘快出貨，謝謝")]).encode("big5")
    assert detect_encoding(data) == "big5"
    result = run(data, settings)
    assert counts(result) == (1, 0, 0, 1)
    assert Order.get(Order.external_ref == "PO-TW").ship_to_name == "陳大文"


def test_cp1252_fallback():
    assert detect_encoding("Ren\xe9e, M\xfcller".encode("cp1252")) == "cp1252"
    assert detect_encoding("plain ascii".encode()) == "utf-8"


def test_xlsx_first_sheet_with_numbers_and_dates(world, settings):
    import datetime
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.upper().split(","))
    sheet.append(["X-1", "CUST1", "WIDGET", 3, 12.5, "USD", "Ada", "", "12 Main", "Springfield", "R1", 12345, "US",
                  datetime.datetime(2030, 3, 1), None])
    sheet.append(["X-2", "CUST1", "WIDGET", 1.5, 10, "USD", "Ada", "", "12 Main", "Springfield", "R1", "", "US",
                  None, None])
    sheet.append([None] * 15)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = run(buffer.getvalue(), settings, filename="orders.xlsx")
    assert counts(result) == (1, 1, 0, 1)
    assert errors(result) == [(3, "X-2", "quantity")]
    order = Order.get(Order.external_ref == "X-1")
    assert (order.lines[0].unit_price, order.requested_delivery_date.isoformat(), order.ship_to_postcode) == \
        (Decimal("12.50"), "2030-03-01", "12345")


def test_distributor_mapping_with_chinese_headers_and_ownership(world, settings):
    dist = world["distributor"]
    other = Partner.create(code="OTHER", name="Not Served", kind="customer")
    ColumnMapping.create(distributor=dist, mapping_json=(
        '{"订单号": "external_ref", "客户编码": "customer_code", "产品": "sku", "数量": "quantity", "币种": "currency",'
        ' "收货人": "ship_to_name", "地址": "ship_to_address", "城市": "ship_to_city", "地区": "ship_to_region",'
        ' "国家": "ship_to_country"}'))
    text = "订单号,客户编码,产品,数量,币种,收货人,地址,城市,地区,国家\n" \
           "D-1,CUST1,WIDGET,1,USD,王五,上海,上海,R1,CN\nD-2,DIST1,GADGET,2,USD,王五,上海,上海,R1,CN\n" \
           "D-3,OTHER,GADGET,2,USD,王五,上海,上海,R1,CN\n"
    result = run(text.encode("gb18030"), settings, distributor=dist)
    assert counts(result) == (2, 1, 0, 2)
    assert errors(result) == [(4, "D-3", "customer_code")] and "not served by DIST1" in result.errors[0].message
    assert {o.placed_by_id for o in Order.select()} == {dist.id}
    assert other.id not in {o.customer_id for o in Order.select()}


def test_reimport_and_overlapping_refs_are_duplicates_not_errors(world, settings):
    text = "\n".join([HEADER, line("PO-1"), line("PO-2"), line("PO-2", sku="GADGET")])
    run(text, settings)
    again = run(text, settings)
    assert counts(again) == (0, 0, 2, 0) and again.errors == []
    overlap = run("\n".join([HEADER, line("PO-2"), line("PO-3")]), settings)
    assert counts(overlap) == (1, 0, 1, 1)
    assert Order.select().count() == 3 and OrderLine.select().count() == 4
    as_mail = run(text, settings, channel="email")  # a different channel has its own refs
    assert counts(as_mail) == (2, 0, 0, 3)


def test_missing_columns_and_wrong_type_refused_with_batch_failed(world, settings):
    with pytest.raises(ImportRefused, match="missing required columns: sku"):
        run("external_ref,customer_code\nPO-1,CUST1\n", settings)
    with pytest.raises(ImportRefused, match="not a CSV or XLSX"):
        run(b"%PDF-1.4 \x00\x01", settings, filename="orders.pdf")
    failed = list(ImportBatch.select().order_by(ImportBatch.id))
    assert [b.status for b in failed] == ["failed", "failed"] and "sku" in failed[0].failure
    assert Order.select().count() == 0


def test_size_and_row_limits_refused_with_nothing_written(world, tmp_path):
    text = "\n".join([HEADER] + [line(f"PO-{i}") for i in range(5)])
    with pytest.raises(ImportRefused, match="larger than the limit"):
        run(text, settings_for(tmp_path, OMS_IMPORT_MAX_BYTES="100"))
    with pytest.raises(ImportRefused, match="more than 4 rows"):
        run(text, settings_for(tmp_path, OMS_IMPORT_MAX_ROWS="4"))
    assert Order.select().count() == 0 and ImportRowError.select().count() == 0
    assert [b.status for b in ImportBatch.select()] == ["failed", "failed"]


class CrashingReview:
    """The review stage, whose nudge fails in the 2nd chunk, once its orders, lines and audit rows are written."""

    def __init__(self, stage):
        self.stage, self.calls = stage, 0

    def nudge(self, *args):
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("power cut")
        return self.stage.nudge(*args)


def test_crash_in_second_chunk_leaves_whole_orders_of_the_first(world, settings, monkeypatch):
    monkeypatch.setattr(writing, "ORDERS_PER_CHUNK", 3)
    for module in (writing, streaming):
        monkeypatch.setattr(module, "REVIEW", CrashingReview(module.REVIEW))
    rows = [HEADER] + [line(f"PO-{i}", sku=sku) for i in range(7) for sku in ("WIDGET", "GADGET")]
    with pytest.raises(RuntimeError):
        run("\n".join(rows), settings)
    assert sorted(o.external_ref for o in Order.select()) == ["PO-0", "PO-1", "PO-2"]
    assert [order.lines.count() for order in Order.select()] == [2, 2, 2]
    assert OutboxMessage.select().count() == 1 and StatusChange.select().count() == 6
    batch = ImportBatch.get()
    assert (batch.status, batch.failure) == ("failed", "stopped by an internal error: RuntimeError")


def test_an_error_checking_an_order_mid_chunk_comes_out_as_itself_with_whole_chunks_kept(world, settings,
                                                                                        monkeypatch):
    monkeypatch.setattr(writing, "ORDERS_PER_CHUNK", 3)
    real_problems, checked = file_import.order_problems, []

    def failing_fifth(ref, lines):  # on PostgreSQL the 2nd chunk's COPY is under way when it fails
        checked.append(ref)
        if len(checked) == 5:
            raise RuntimeError("disk read error")
        return real_problems(ref, lines)

    monkeypatch.setattr(file_import, "order_problems", failing_fifth)
    rows = [HEADER] + [line(f"PO-{i}") for i in range(7)]
    with pytest.raises(RuntimeError, match="disk read error"):
        run("\n".join(rows), settings)
    assert sorted(o.external_ref for o in Order.select()) == ["PO-0", "PO-1", "PO-2"]
    assert OutboxMessage.select().count() == 1 and StatusChange.select().count() == 6
    assert ImportBatch.get().failure == "stopped by an internal error: RuntimeError"


def test_another_distributors_refs_are_not_duplicates_and_its_own_are(world, settings):
    mine = world["distributor"]
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=other)
    first = run("\n".join([HEADER, line("PO-NE-9001"), line("PO-NE-9002")]), settings, distributor=mine)
    assert counts(first) == (2, 0, 0, 2)
    theirs = "\n".join([HEADER, line("PO-NE-9001", customer="CUST2"), line("PO-NE-9003", customer="CUST2")])
    second = run(theirs, settings, distributor=other)
    assert counts(second) == (2, 0, 0, 2) and second.errors == []  # PO-NE-9001 is DIST1's, not a duplicate
    created = Order.select().where(Order.source_batch == second.batch_id)
    assert {(o.external_ref, o.placed_by_id, o.customer.code) for o in created} == {
        ("PO-NE-9001", other.id, "CUST2"), ("PO-NE-9003", other.id, "CUST2")}
    assert counts(run(theirs, settings, distributor=other)) == (0, 0, 2, 0)  # its own refs again: duplicates
    assert counts(run("\n".join([HEADER, line("PO-NE-9001")]), settings, distributor=mine)) == (0, 0, 1, 0)
    ops = run("\n".join([HEADER, line("PO-NE-9001"), line("PO-NE-9003", customer="CUST2")]), settings)
    assert counts(ops) == (2, 0, 0, 2)  # ops keying the customers' own numbers is a third submitter
    assert Order.select().count() == 6


def test_an_impostors_earlier_upload_does_not_turn_the_real_order_into_a_duplicate(world, settings):
    impostor = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=impostor)
    run("\n".join([HEADER, line("PO-NE-9001", customer="CUST2")]), settings, distributor=impostor)
    real = run("\n".join([HEADER, line("PO-NE-9001")]), settings, distributor=world["distributor"])
    assert counts(real) == (1, 0, 0, 1)
    order = Order.get(Order.source_batch == real.batch_id)
    assert (order.customer.code, order.placed_by_id) == ("CUST1", world["distributor"].id)


def test_ops_uploads_dedupe_per_customer(world, settings):
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1")
    run("\n".join([HEADER, line("PO-100")]), settings)
    other_customer = run("\n".join([HEADER, line("PO-100", customer="CUST2"), line("PO-101")]), settings)
    assert counts(other_customer) == (2, 0, 0, 2)
    again = run("\n".join([HEADER, line("PO-100", customer="CUST2"), line("PO-100b"), line("PO-101")]), settings)
    assert counts(again) == (1, 0, 2, 1)
