"""The order file row schema: the fields that answer common cells without marshmallow's steps answer exactly as
those steps would, value or messages."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError, missing

from schemas.fields import Text
from schemas.order_rows import GroupedDecimal, import_row_schema

PRICE = import_row_schema.fields["unit_price"]
REF = import_row_schema.fields["external_ref"]
NOTES = import_row_schema.fields["notes"]

PRICE_CELLS = ["12.50", "0", "0.00", "7", "1,234.50", "1 234.50", "12,345,678.9", " 3.10 ", "12.", ".5", "1.234",
               "-1.00", "-0", "1,5", "1,23", "abc", "NaN", "inf", "1e3", "", "   ", "١٢٫٥", "١٢", "00012.30",
               "9" * 40, "+5", "5\n", "1,234.567"]
TEXT_CELLS = ["PO-1", "", " ", "x" * 128, "x" * 129, "a\x00b", "\ud800", "北京 — ünïcode", "tab\there", "x" * 4000,
              "x" * 4001]


def answer(load, value):
    """What loading ``value`` gives: the value with its exact text, or the error messages."""
    try:
        loaded = load(value)
    except ValidationError as exc:
        return "refused", exc.messages
    return "loaded", loaded, str(loaded) if isinstance(loaded, Decimal) else None


def whole_way(field, base):
    """The field's load through every marshmallow step, past its shortcut."""
    return lambda value: base.deserialize(field, value)


@pytest.mark.parametrize("cell", PRICE_CELLS + [None, missing, 12, Decimal("1.999")])
def test_unit_price_answers_as_the_whole_way(cell):
    assert answer(PRICE.deserialize, cell) == answer(whole_way(PRICE, GroupedDecimal), cell)


@pytest.mark.parametrize("field", [REF, NOTES], ids=["external_ref", "notes"])
@pytest.mark.parametrize("cell", TEXT_CELLS + [None, missing, 12, b"PO-1"])
def test_text_answers_as_the_whole_way(field, cell):
    assert answer(field.deserialize, cell) == answer(whole_way(field, Text), cell)


amounts = st.one_of(st.from_regex(r"\A-?[0-9,. ]{1,14}\Z"), st.decimals(allow_nan=True).map(str), st.text(max_size=8))


@given(amounts)
def test_any_price_text_answers_as_the_whole_way(cell):
    assert answer(PRICE.deserialize, cell) == answer(whole_way(PRICE, GroupedDecimal), cell)


@given(st.text(max_size=140))
def test_any_reference_text_answers_as_the_whole_way(cell):
    assert answer(REF.deserialize, cell) == answer(whole_way(REF, Text), cell)


@pytest.mark.parametrize("cell", ["NaN", "inf", "-Infinity", "sNaN", "1,234.5e9999999999"])
def test_a_price_of_nan_or_infinity_is_refused_with_a_message(cell):
    with pytest.raises(ValidationError) as caught:
        PRICE.deserialize(cell)
    assert caught.value.messages in (["Special numeric values (nan or infinity) are not permitted."],
                                     [f"not a number: {cell!r}"])
