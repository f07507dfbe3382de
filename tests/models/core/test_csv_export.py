"""CSV the OMS hands out: text a spreadsheet would run as a formula is neutralised; numbers stay numbers."""
import csv
import io
from decimal import Decimal

import pytest

from models.core.csv_export import csv_lines, safe_cell, write_csv


@pytest.mark.parametrize("text", ['=HYPERLINK("http://evil.test","click")', "@SUM(1+1)", "+1+1", "-2+3",
                                  "\t=1+1", "\r=1+1", "=", "-"])
def test_text_starting_like_a_formula_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["PO-1", "a=b", " =1+1", "'=already text", "", "中文", None, -3, 2.5,
                                   Decimal("-2.50"), Decimal("0")])
def test_other_text_and_every_number_are_left_alone(value):
    assert safe_cell(value) is value


def test_lines_and_files_are_neutralised_and_quoted():
    rows = [("row", "external_ref", "amount"), (2, '=HYPERLINK("http://evil.test","x")', Decimal("-2.50")),
            (3, "-2+3", -1), (4, "ok, fine", None)]
    lines = list(csv_lines(rows))
    assert lines == ["row,external_ref,amount\r\n", "2,\"'=HYPERLINK(\"\"http://evil.test\"\",\"\"x\"\")\",-2.50\r\n",
                     "3,'-2+3,-1\r\n", '4,"ok, fine",\r\n']
    handle = io.StringIO(newline="")
    write_csv(handle, rows)
    assert handle.getvalue() == "".join(lines)
    assert [row[1] for row in csv.reader(io.StringIO(handle.getvalue()))][1:] == \
        ["'=HYPERLINK(\"http://evil.test\",\"x\")", "'-2+3", "ok, fine"]
