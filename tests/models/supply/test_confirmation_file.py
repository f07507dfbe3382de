"""Reading a confirmation CSV: columns in any order and case, comma, semicolon or tab, a BOM, counters flagged;
errors name the row and the column; files past the bounds are refused whole. Pure: no database."""
from datetime import date

import pytest

from models.core.errors import ValidationFailed
from models.supply.confirmation_file import MAX_BYTES, MAX_ROWS, parse_confirmation_csv
from models.supply.confirmations import ConfirmationInput

DAY = date(2031, 3, 14)


def refused(data: bytes) -> dict:
    with pytest.raises(ValidationFailed) as raised:
        parse_confirmation_csv(data)
    return raised.value.messages


def test_rows_become_answers():
    data = b"sku,quantity,promised_date,counter\nWIDGET,10,2031-03-14,\nGADGET,0,,no\nBOLT,7,2031-03-14,yes\n"
    assert parse_confirmation_csv(data) == [ConfirmationInput("WIDGET", 10, DAY),
                                            ConfirmationInput("GADGET", 0, None),
                                            ConfirmationInput("BOLT", 7, DAY, counter=True)]


@pytest.mark.parametrize("data", [
    "\ufeffSKU;Quantity;Promised_Date\r\nWIDGET;10;2031-03-14\r\n".encode(),
    b"note\tpromised_date\tquantity\tsku\nx\t2031-03-14\t10\tWIDGET\n\n\n",
    b'Promised_date ,"sku", QUANTITY\n2031-03-14,"WIDGET",10\n',
])
def test_headers_in_any_order_and_case_with_any_usual_delimiter(data):
    assert parse_confirmation_csv(data) == [ConfirmationInput("WIDGET", 10, DAY)]


def test_every_bad_cell_is_named_by_row_and_column():
    data = (b"sku,quantity,promised_date,counter\n"
            b"WIDGET,ten,2031-03-14,\n"
            b",5,14/03/2031,maybe\n"
            b"GADGET,-1,2031-02-30,\n")
    assert refused(data) == {
        "row 2.quantity": ["'ten' is not a whole number of 0 or more"],
        "row 3.sku": ["give the SKU"],
        "row 3.promised_date": ["'14/03/2031' is not a date (YYYY-MM-DD)"],
        "row 3.counter": ["'maybe' is not yes or no"],
        "row 4.quantity": ["'-1' is not a whole number of 0 or more"],
        "row 4.promised_date": ["'2031-02-30' is not a date (YYYY-MM-DD)"],
    }


def test_a_quoted_cell_over_several_lines_counts_from_the_line_it_starts_on():
    data = b'sku,quantity,promised_date\n"WID\nGET",1,2031-03-14\nGADGET,x,2031-03-14\n'
    assert refused(data) == {"row 4.quantity": ["'x' is not a whole number of 0 or more"]}


@pytest.mark.parametrize("data, problem", [
    (b"sku,qty,date\nWIDGET,1,2031-03-14\n", "missing: quantity, promised_date"),
    (b"sku,quantity,promised_date\n", "no rows below its header"),
    (b"", "missing: sku, quantity, promised_date"),
    (b"sku,quantity,promised_date\n" + b"W,1,2031-03-14\n" * (MAX_ROWS + 1), f"more than {MAX_ROWS} rows"),
    (b"x" * (MAX_BYTES + 1), "larger than"),
    (b'sku,quantity,promised_date\n"' + b"a" * (1024 * 1024 + 10), "a row of more than"),
])
def test_files_past_the_bounds_or_without_the_columns_are_refused_whole(data, problem):
    messages = refused(data)
    assert list(messages) == ["file"] and problem in messages["file"][0]


def test_a_long_cell_is_refused_by_name():
    data = b"sku,quantity,promised_date\n" + b"W" * 2000 + b",1,2031-03-14\n"
    assert refused(data) == {"row 2.sku": ["more than 1000 characters"]}
