"""Hostile order files — zip bombs, endless cells and lines, floods of rows — are refused at once, in little memory,
before a row is checked; a workbook written by hand (prefixed tags, shared strings) still reads."""
import io
import time
import tracemalloc
import zipfile
from xml.sax.saxutils import escape

import pytest

from models.core.errors import ConfigError, ImportRefused, ImportTooLarge, ImportUnsafe
from models.intake.file_import import rows as row_checks
from models.intake.file_import.unpacking import MAX_PARTS
from models.intake.mail import receive_mail
from models.intake.tables import ImportBatch, ImportRowError
from models.orders.tables import Order
from models.partners.tables import Partner
from schemas.order_rows import import_row_schema
from tests.conftest import settings_for
from tests.factories import make_world
from tests.models.intake.test_file_import import HEADER, counts, line, run
from tests.models.intake.test_mail import DIST_ADDRESS, build_mail

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
ROOT_RELS = (f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Target="xl/workbook.xml" '
             f'Type="{RELATIONSHIPS}/officeDocument"/></Relationships>')
WORKBOOK_RELS = (f'<Relationships xmlns="{PACKAGE}">'
                 f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
                 "</Relationships>")
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
CONTENT_TYPES = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
                 f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OFFICE}.worksheet+xml"/>'
                 f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OFFICE}.sharedStrings+xml"/></Types>')
SECONDS = 2.0  # every refusal here took 100 s or more, or GBs, before
PEAK_BYTES = 32 * 1024 * 1024
SHEET_START = f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()
SHEET_END = b"</sheetData></worksheet>"


def inline_row(number: int, cells) -> bytes:
    return (f'<row r="{number}">' + "".join(f'<c t="inlineStr"><is><t>{escape(str(cell))}</t></is></c>'
                                            for cell in cells) + "</row>").encode()


HEADER_ROW = inline_row(1, HEADER.split(","))


def workbook(sheet, strings=(b'<sst xmlns="' + MAIN.encode() + b'"/>',), *, prefix: str = "") -> bytes:
    """An XLSX built by hand; ``sheet`` and ``strings`` are iterables of bytes streamed into their zip entries, so a
    part of GBs costs the test its compression time, not its memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/workbook.xml", f'<{prefix}workbook xmlns{prefix and ":" + prefix[:-1]}="{MAIN}" '
                                            f'xmlns:r="{RELATIONSHIPS}"><{prefix}sheets><{prefix}sheet name="Orders" '
                                            f'sheetId="1" r:id="rId1"/></{prefix}sheets></{prefix}workbook>')
        for name, chunks in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", strings)):
            with archive.open(name, "w") as part:
                for chunk in chunks:
                    part.write(chunk)
    return buffer.getvalue()


def repeated(block: bytes, times: int, start: bytes = SHEET_START, end: bytes = SHEET_END):
    yield start
    for _ in range(times):
        yield block
    yield end


def refused(data: bytes, settings, filename: str = "orders.xlsx", *, traced: bool = True) -> ImportRefused:
    """The refusal of importing ``data``, checked to come within SECONDS and (``traced``: tracemalloc slows
    Python-level work several times) PEAK_BYTES of Python memory."""
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ImportRefused) as caught:
            run(data, settings, filename=filename)
        elapsed, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < SECONDS, f"refused after {elapsed:.1f} s: {caught.value}"
    assert peak < PEAK_BYTES, f"{peak / 1e6:.0f} MB held: {caught.value}"
    assert ImportBatch.select().order_by(ImportBatch.id.desc()).get().status == "failed"
    return caught.value


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def no_row_checked(monkeypatch):
    """Fails the test if a single row reaches the row checks: a refusal by size must come before them."""
    def check_cells(self, row_no, cells):
        raise AssertionError(f"row {row_no} was checked before the file was refused")
    monkeypatch.setattr(row_checks.RowChecker, "check_cells", check_cells)


CELL_START = SHEET_START + b'<row r="1"><c r="A1" t="inlineStr"><is><t>'
CELL_END = b"</t></is></c></row>" + SHEET_END
HUGE_CELL_PART = len(CELL_START) + (300 << 20) + len(CELL_END)


@pytest.fixture(scope="module")
def one_huge_cell() -> bytes:
    """The issue's file: ~300 KB packing one inline cell of 300 MB."""
    return workbook(repeated(b"A" * (1 << 20), 300, start=CELL_START, end=CELL_END))


@pytest.mark.parametrize(("env", "error", "message"), [
    ({}, ImportUnsafe, "times its packed size (the limit is 100): a zip bomb, not a workbook"),
    ({"OMS_IMPORT_MAX_UNPACKED_BYTES": str(100 << 20)}, ImportTooLarge,
     f"xl/worksheets/sheet1.xml unpacks to {HUGE_CELL_PART} bytes, more than the limit of {100 << 20}"),
    ({"OMS_IMPORT_MAX_UNPACK_RATIO": "5000"}, ImportUnsafe,  # past the zip checks: the cell limit while reading
     "row 1, cell A1: a cell holds more than 32767 characters"),
], ids=["ratio", "unpacked-size", "cell-length"])
def test_one_300_mb_cell_is_refused_at_once(world, tmp_path, one_huge_cell, no_row_checked, env, error, message):
    assert len(one_huge_cell) < 400_000
    refusal = refused(one_huge_cell, settings_for(tmp_path, **env))
    assert type(refusal) is error and message in str(refusal)


@pytest.fixture(scope="module")
def three_million_rows() -> bytes:
    """The issue's other file: a few hundred KB holding 3M rows."""
    return workbook(repeated(b"<row><c><v>1</v></c></row>" * 10_000, 300, start=SHEET_START + HEADER_ROW))


def test_three_million_rows_are_refused_before_any_is_checked(world, tmp_path, three_million_rows, no_row_checked):
    assert "a zip bomb" in str(refused(three_million_rows, settings_for(tmp_path)))
    counted = refused(three_million_rows, settings_for(tmp_path, OMS_IMPORT_MAX_UNPACK_RATIO="5000"))
    assert type(counted) is ImportTooLarge and str(counted) == "the file has more than 1000000 rows; split it"


def test_shared_strings_bomb_and_overlong_shared_string(world, tmp_path, no_row_checked):
    sst = f'<sst xmlns="{MAIN}">'.encode()
    bomb = workbook([SHEET_START, HEADER_ROW, SHEET_END],
                    repeated(b"<si><t>A</t></si>" * 4096, 1024, start=sst, end=b"</sst>"))
    assert "xl/sharedStrings.xml unpacks to" in str(refused(bomb, settings_for(tmp_path)))
    long_string = workbook([SHEET_START, HEADER_ROW, SHEET_END],
                           [sst, b"<si><t>ok</t></si><si><r><t>", b"B" * 40_000, b"</t></r></si></sst>"])
    refusal = refused(long_string, settings_for(tmp_path))
    assert "shared string 1: a cell holds more than 32767 characters" in str(refusal)


@pytest.mark.parametrize(("sheet", "message"), [
    ([b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
      b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>',
      SHEET_START, HEADER_ROW, b'<row r="2"><c t="inlineStr"><is><t>&d;&d;&d;&d;&d;&d;</t></is></c></row>', SHEET_END],
     "xl/worksheets/sheet1.xml declares a DTD"),
    ([SHEET_START, HEADER_ROW, b'<row r="2" spans="', b"1" * (3 << 20), b'"/>', SHEET_END],
     "xl/worksheets/sheet1.xml holds over"),
    ([SHEET_START, HEADER_ROW, b'<row r="2"><c r="ZZZZ2"><v>1</v></c></row>', SHEET_END], "no column 'ZZZZ2'"),
    ([SHEET_START, HEADER_ROW, b'<row r="2"><c t="s"><v>7</v></c></row>', SHEET_END], "no shared string '7'"),
    ([SHEET_START, HEADER_ROW, b"<row><c><v>1</v></row>", SHEET_END], "the workbook is damaged"),
    ([SHEET_START, HEADER_ROW, inline_row(2, ["z" * 30_000] * 40), SHEET_END],
     "row 2: a row of more than 1048576 characters"),
], ids=["entity-expansion", "endless-tag", "column-past-XFD", "missing-shared-string", "not-well-formed",
        "many-long-cells"])
def test_malformed_sheets_are_refused(world, tmp_path, sheet, message):
    assert message in str(refused(workbook(sheet), settings_for(tmp_path, OMS_IMPORT_MAX_UNPACK_RATIO="100000")))


def test_zip_of_too_many_entries_and_encrypted_parts(world, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for number in range(MAX_PARTS + 1):
            archive.writestr(f"x/{number}", b"")
    assert f"lists {MAX_PARTS + 1} zip entries" in str(refused(buffer.getvalue(), settings_for(tmp_path)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", b"scrambled")
    data = bytearray(buffer.getvalue())  # zipfile cannot encrypt: set the "encrypted" flag bit by hand
    for header, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(header) + flags_at] |= 0x1
    assert "password-protected" in str(refused(bytes(data), settings_for(tmp_path)))


def test_hand_written_workbook_with_prefixed_tags_and_shared_strings_reads(world, tmp_path):
    """Not every workbook comes from Excel or openpyxl: namespace prefixes, shared strings, a cell left out, a
    rich-text run and a phonetic reading that must not show."""
    columns = HEADER.split(",")
    strings = [f'<x:sst xmlns:x="{MAIN}">'.encode()]
    strings += [f"<x:si><x:t>{escape(name)}</x:t></x:si>".encode() for name in columns]
    strings += [b'<x:si><x:r><x:t>CU</x:t></x:r><x:r><x:t>ST1</x:t></x:r><x:rPh sb="0" eb="5"><x:t>kana</x:t>'
                b"</x:rPh></x:si></x:sst>"]
    header = "".join(f'<x:c r="{chr(65 + index)}1" t="s"><x:v>{index}</x:v></x:c>' for index in range(len(columns)))
    cells = []
    for index, (name, value) in enumerate(zip(columns, line("HW-1").split(","))):
        ref = f"{chr(65 + index)}2"
        if name == "customer_code":
            cells.append(f'<x:c r="{ref}" t="s"><x:v>{len(columns)}</x:v></x:c>')
        elif name == "quantity":
            cells.append(f'<x:c r="{ref}"><x:v>3</x:v></x:c>')
        elif value:  # an empty cell is simply not there
            cells.append(f'<x:c r="{ref}" t="inlineStr"><x:is><x:t>{escape(value)}</x:t></x:is></x:c>')
    sheet = [f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row r="1">{header}</x:row>'
             f'<x:row r="2">{"".join(cells)}</x:row></x:sheetData></x:worksheet>'.encode()]
    result = run(workbook(sheet, strings, prefix="x:"), settings_for(tmp_path), filename="orders.xlsx")
    assert counts(result) == (1, 0, 0, 1) and result.errors == []
    order = Order.get(Order.external_ref == "HW-1")
    assert (order.customer.code, order.lines[0].quantity) == ("CUST1", 3)


def test_read_limit_settings_have_defaults_and_are_checked(tmp_path):
    settings = settings_for(tmp_path)
    assert (settings.import_max_cell_chars, settings.import_max_unpacked_bytes, settings.import_max_unpack_ratio) == \
        (32_767, 512 * 1024 * 1024, 100)
    with pytest.raises(ConfigError, match="OMS_IMPORT_MAX_UNPACK_RATIO='many': expected a int"):
        settings_for(tmp_path, OMS_IMPORT_MAX_UNPACK_RATIO="many")
    with pytest.raises(ConfigError, match="OMS_IMPORT_MAX_CELL_CHARS='10': must be at least 100"):
        settings_for(tmp_path, OMS_IMPORT_MAX_CELL_CHARS="10")


# --- CSV ---------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    (HEADER + "\n" + "A" * (20 << 20) + "\n", "line 2: a row of more than 1048576 characters"),
    ("x" * (20 << 20), "line 1: a row of more than 1048576 characters"),
    (HEADER + "\n" + line("PO-1", notes="N" * 40_000) + "\n", "line 2: a cell holds more than 32767 characters"),
    (HEADER + '\n"' + ("x" * 999 + "\n") * 2000, "line 2: a row of more than 1048576 characters"),  # unclosed "
    (HEADER + "\n" + ",".join(['"' + "y" * 30_000 + '\n"'] * 40), "line 2: a row of more than 1048576 characters"),
], ids=["endless-line", "endless-header", "overlong-cell", "unclosed-quote", "many-long-cells"])
def test_csv_endless_lines_and_cells_are_refused_unread(world, tmp_path, text, message, no_row_checked):
    refusal = refused(text.encode(), settings_for(tmp_path), filename="orders.csv")
    assert type(refusal) is ImportUnsafe and message in str(refusal)


def test_csv_with_more_rows_than_the_limit_is_refused_before_any_is_checked(world, tmp_path, no_row_checked):
    text = "\n".join([HEADER] + ["PO-1,CUST1,WIDGET,1"] * 250_001)
    refusal = refused(text.encode(), settings_for(tmp_path, OMS_IMPORT_MAX_ROWS="250000"), filename="orders.csv",
                      traced=False)
    assert type(refusal) is ImportTooLarge and str(refusal) == "the file has more than 250000 rows; split it"
    blank_lines = (HEADER + "\n" + "\n" * 20_000 + line("PO-1")).encode()
    refusal = refused(blank_lines, settings_for(tmp_path, OMS_IMPORT_MAX_ROWS="5000"), filename="orders.csv")
    assert "more than 10000 lines, blank ones included" in str(refusal)
    assert Order.select().count() == 0 and ImportRowError.select().count() == 0


def test_csv_at_the_limits_is_still_read(world, tmp_path):
    """Exactly max_rows rows, with quoted cells spanning lines (more line ends than rows), and a cell of exactly
    the cell limit: imported."""
    rows = [line(f"PO-{n}", notes=f'"a note\non two lines {n}"') for n in range(5)]
    rows[0] = line("PO-0", address="A" * 128, notes="N" * 500)
    result = run("\n".join([HEADER, *rows, ""]), settings_for(tmp_path, OMS_IMPORT_MAX_ROWS="5",
                                                              OMS_IMPORT_MAX_CELL_CHARS="500"))
    assert counts(result) == (5, 0, 0, 5)


def test_mailed_zip_bomb_is_answered_with_the_refusal(world, tmp_path, one_huge_cell):
    Partner.update(email=DIST_ADDRESS).where(Partner.code == "DIST1").execute()
    mail = build_mail(attachments=(("orders.xlsx", one_huge_cell,
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),))
    started = time.perf_counter()
    outcome = receive_mail(mail.as_bytes(), settings=settings_for(tmp_path), envelope_from="",
                           row_schema=import_row_schema)
    assert time.perf_counter() - started < SECONDS
    assert outcome.status == "imported" and "a zip bomb, not a workbook" in outcome.note
    assert outcome.results[0].startswith("orders.xlsx: refused — xl/worksheets/sheet1.xml unpacks to ")
