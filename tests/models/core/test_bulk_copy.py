"""What insert_values sends for a row: each field's COPY text (PostgreSQL) and bound parameter are exactly what its
db_value, then copy_value or driver_value, would give, for the values passed on as they are and for the rest."""
from datetime import date, datetime
from decimal import Decimal

import peewee
import pytest

from models.core.base import MoneyField
from models.core.bulk_copy import _formatter, copy_value
from models.core.bulk_insert import _parameter
from models.core.bulk_values import driver_value
from models.inventory.tables import Product
from models.orders.tables import OrderLine

FIELDS = {
    "integer": (peewee.IntegerField(), [0, -7, 12, True, "12", None]),
    "text": (peewee.CharField(), ["plain", "tab\there\nand\\slash", "", 12, None, "carriage\rreturn", "bell\x07",
                                  "Zhōngwén 中文", "back\\slash only"]),
    "big text": (peewee.TextField(), ["x" * 300, None]),
    "time": (peewee.DateTimeField(), [datetime(2026, 12, 4, 16, 5, 1, 120), "2026-12-04 16:05:01", None]),
    "date": (peewee.DateField(), [date(2026, 12, 4), None]),
    "boolean": (peewee.BooleanField(), [True, False, 1, 0, None]),
    "money": (MoneyField(), [Decimal("12.30"), Decimal("12.3"), Decimal("12.305"), Decimal("0"), Decimal("-4.10"),
                             12, 12.5, "7.125", None, Decimal("12.3"), Decimal("12.300"), Decimal("12.30"),
                             Decimal("-0"), Decimal("0"), Decimal("12.3050"), Decimal("12.305")]),
    "rate": (peewee.DecimalField(max_digits=7, decimal_places=4, auto_round=True),
             [Decimal("0.2000"), Decimal("0.2"), Decimal("0.12345"), None]),
    "plain decimal": (peewee.DecimalField(max_digits=7, decimal_places=4), [Decimal("0.2"), None]),
}


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_each_fields_formatter_writes_what_db_value_and_copy_value_write(kind):
    field, values = FIELDS[kind]
    form = _formatter(field)
    assert [form(value) for value in values] == [copy_value(field.db_value(value)) for value in values]


def test_a_batchs_shared_timestamp_and_repeated_amounts_read_as_each_one_alone():
    """The timestamp formatter remembers the last object it wrote and the money formatter each amount: what they
    give for a repeat, an equal value of another exponent or another object must be what a fresh formatter gives."""
    stamp, later = datetime(2026, 12, 5, 4, 0, 0, 123456), datetime(2026, 12, 5, 4, 0, 1)
    timestamps = [stamp, stamp, later, stamp, "2026-12-05 04:00:02", stamp, None, stamp]
    amounts = [Decimal("9.5"), Decimal("9.50"), Decimal("9.500"), Decimal("9.505"), Decimal("9.5050"),
               Decimal("-9.5"), Decimal("0.00"), Decimal("-0.00"), Decimal("9.5")]
    for field, values in ((peewee.DateTimeField(), timestamps), (MoneyField(), amounts)):
        form = _formatter(field)
        assert [form(value) for value in values] == [_formatter(field)(value) for value in values]
        assert [form(value) for value in values if value is not None and value != 0] == \
            [copy_value(field.db_value(value)) for value in values if value is not None and value != 0]


def test_a_foreign_key_formats_an_id_or_the_row_it_names():
    field = OrderLine.product
    form = _formatter(field)
    named = Product(id=41, sku="W")
    assert [form(41), form(named), form(None)] == ["41", "41", "\\N"]


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_each_fields_parameter_is_what_db_value_gives(kind, any_db):
    field, values = FIELDS[kind]
    parameter = _parameter(field)
    assert [parameter(value) for value in values] == [driver_value(field.db_value(value)) for value in values]
    assert [type(parameter(value)) for value in values] == [type(driver_value(field.db_value(value)))
                                                            for value in values]
