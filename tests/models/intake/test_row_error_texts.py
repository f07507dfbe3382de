"""An order file's row errors keep their template: checked rows, the spill (in memory and on file) and the stored
ImportRowError (its English as before, the template as JSON beside it) read back as TextMessages."""
import io
import json

import pytest

from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake.file_import import import_order_file, spill
from models.intake.file_import.reports import batch_errors, batch_payload
from models.intake.file_import.rows import order_problems
from models.intake.file_import.spill import RowSpill
from models.intake.tables import ImportBatch, ImportRowError
from schemas.order_rows import import_row_schema
from tests.conftest import settings_for
from tests.factories import make_world
from tests.models.intake.test_file_import import HEADER, line


def test_problems_between_the_rows_of_an_order_keep_their_template():
    lines = [("R", 2, "a\x1fb", 1, "SKU-1", 1, "1.00", False, True),
             ("R", 3, "a\x1fc", 1, "SKU-1", 1, "1.00", False, True)]
    conflict, twice = order_problems("R", lines)
    assert conflict.message == "'c' conflicts with 'b' on row 2 of the same order"
    assert twice.message == "SKU-1 is already on row 2 of this order"
    assert twice.message.text.template == "%(sku)s is already on row %(row)s of this order"


@pytest.mark.parametrize("in_memory_lines", [150_000, 0], ids=["in-memory", "spilled-to-file"])
def test_the_spill_keeps_a_problems_template_beside_its_english(monkeypatch, in_memory_lines):
    monkeypatch.setattr(spill, "IN_MEMORY_LINES", in_memory_lines)
    kept = RowSpill()
    try:
        kept.add_line("R", 2, "h", 1, "SKU-1", 1, "1.00", False)
        json_text = Text("unknown SKU %(sku)s", sku="'NOPE'")
        kept.add_problem(3, "R", "sku", TextMessage(json_text))
        kept.add_problem(4, "R", "quantity", "Not a valid integer.")
        assert list(kept.problems()) == [
            (3, "R", "sku", "unknown SKU 'NOPE'", json.dumps(json_text.as_json())),
            (4, "R", "quantity", "Not a valid integer.", None)]
    finally:
        kept.close()


def test_stored_row_errors_read_back_with_their_template_and_the_api_english(any_db, tmp_path):
    make_world()
    text = "\n".join([HEADER, line("OK-1"), line("BAD-SKU", sku="NOPE"), line("BAD-CUST", customer="NOPE")])
    result = import_order_file(io.BytesIO(text.encode()), "orders.csv", settings=settings_for(tmp_path),
                               submitted_by="t", distributor=None, row_schema=import_row_schema)
    assert [error.message for error in result.errors] == ["unknown SKU 'NOPE'", "unknown customer 'NOPE'"]
    assert isinstance(result.errors[0].message, TextMessage)
    stored = list(ImportRowError.select().order_by(ImportRowError.row))
    assert [row.message for row in stored] == ["unknown SKU 'NOPE'", "unknown customer 'NOPE'"]
    assert json.loads(stored[1].message_text) == {"text": "unknown customer %(code)s", "values": {"code": "'NOPE'"}}
    errors = batch_errors(result.batch_id)
    assert errors[0] == {"row": 3, "external_ref": "BAD-SKU", "field": "sku", "message": "unknown SKU 'NOPE'"}
    assert errors[0]["message"].text.template == "unknown SKU %(sku)s"
    ImportRowError.update(message_text=None).execute()  # as errors stored before templates were kept
    assert type(batch_errors(result.batch_id)[0]["message"]) is str
    payload = json.dumps(batch_payload(ImportBatch.get_by_id(result.batch_id)), default=str)
    assert "unknown SKU 'NOPE'" in payload and "message_text" not in payload
