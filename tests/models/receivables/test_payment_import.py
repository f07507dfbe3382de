"""The payment CSV import reads its file within the order files' limits (OMS_IMPORT_* and ROW_CHARS)."""
import io
import time

import pytest

from models.core.config import Settings
from models.intake.file_import.limits import ROW_CHARS
from models.partners.master_data import ImportReport, RowError
from models.receivables.ledger import Payment
from models.receivables.payment_import import import_payments
from schemas.payments import payment_row_schema
from tests.conftest import settings_for
from tests.factories import make_world

HEADER = "customer_code,amount,currency,reference,method,received_on\n"


def limited(tmp_path, **env) -> Settings:
    return settings_for(tmp_path, **{f"OMS_IMPORT_MAX_{name.upper()}": str(value) for name, value in env.items()})


def timed_import(data: bytes, settings: Settings) -> ImportReport:
    started = time.perf_counter()
    report = import_payments(io.BytesIO(data), row_schema=payment_row_schema, settings=settings)
    assert time.perf_counter() - started < 1
    return report


def payments(count: int, start: int = 0) -> str:
    return "".join(f"CUST1,1.00,USD,REF-{number},card,\n" for number in range(start, start + count))


@pytest.mark.parametrize("settings_env, data, error", [
    ({"bytes": 1_000_000}, (HEADER + payments(100_000)).encode(),
     RowError(1, "file", "the file is larger than the limit of 1000000 bytes; split it")),
    ({"rows": 100}, (HEADER + payments(100_000)).encode(),
     RowError(102, "file", "the file has more than 100 rows; split it")),
    ({}, (HEADER + payments(1) + "CUST1,1.00,USD," + "R" * 500_000 + ",card,\n").encode(),
     RowError(3, "reference", "more than 32767 characters (500000 read); no master data field is that long")),
    ({}, (HEADER + payments(1) + "x" * 20_000_000).encode(),
     RowError(3, "file", f"a row of more than {ROW_CHARS} characters; no master data row is that long")),
], ids=["bytes", "rows", "cell", "endless-line"])
def test_a_payment_file_past_a_read_limit_is_refused_quickly_and_records_nothing(db, tmp_path, settings_env, data,
                                                                                 error):
    make_world()
    report = timed_import(data, limited(tmp_path, **settings_env))
    assert report.errors == [error]
    assert (report.created, report.unchanged) == (0, 0)
    assert Payment.select().count() == 0


def test_a_payment_file_at_the_limits_is_recorded(db, tmp_path):
    make_world()
    data = (HEADER + payments(3)).encode()
    report = timed_import(data, limited(tmp_path, bytes=len(data), rows=3, cell_chars=100))
    assert (report.created, report.errors) == (3, [])
    assert Payment.select().count() == 3
