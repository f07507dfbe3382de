"""One row of an order import file (one order line plus its order's header fields): shape and validation.

Values arrive as text (CSV cells, XLSX cells turned into text); an empty cell is left out of the row,
so ``required`` means "present and not blank".
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from models.core.currencies import CURRENCIES
from models.intake.file_import.fields import (  # noqa: F401 - re-exported: a domain fact of models
    HEADER_FIELDS,
    IMPORT_FIELDS,
    LINE_FIELDS,
    REQUIRED_FIELDS,
)
from schemas.fields import Text

# "1,234.50" and "1 234.50" as office spreadsheets write them; a lone "1,5" stays ambiguous and is refused.
_GROUPED = re.compile(r"^-?\d{1,3}([, ]\d{3})+(\.\d+)?$")
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def _ungrouped(text: str) -> str:
    text = text.strip()
    return text.replace(",", "").replace(" ", "") if _GROUPED.match(text) else text


class GroupedDecimal(fields.Decimal):
    """A decimal that may carry thousands separators ("1,234.50")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = _ungrouped(value)
        try:
            return Decimal(value) if isinstance(value, str) else super()._deserialize(value, attr, data, **kwargs)
        except InvalidOperation:
            raise ValidationError(f"not a number: {value!r}") from None


class GroupedInteger(fields.Integer):
    """A whole number that may carry thousands separators ("1,200"); "2.5" is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = _ungrouped(value) if isinstance(value, str) else value
        if isinstance(text, str) and not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(f"not a whole number: {value!r}")
        return int(text)


class LooseDate(fields.Field):
    """A calendar date written yyyy-mm-dd or yyyy/mm/dd."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), pattern).date()
            except ValueError:
                continue
        raise ValidationError(f"not a date (expected yyyy-mm-dd): {value!r}")


class Code(Text):
    """Text compared as a code: surrounding spaces dropped, upper case."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def _two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most 2 decimal places")


def _text(max_length: int, *, required: bool = False) -> fields.String:
    length = validate.Length(min=1 if required else 0, max=max_length)
    if required:
        return Text(required=True, validate=length)
    return Text(validate=length, load_default="")


class ImportRowSchema(Schema):
    external_ref = _text(128, required=True)
    customer_code = _text(64, required=True)
    sku = _text(64, required=True)
    quantity = GroupedInteger(required=True, validate=validate.Range(min=1, max=1_000_000,
                                                                     error="must be a whole number of at least 1"))
    unit_price = GroupedDecimal(load_default=None, allow_nan=False,
                                validate=[validate.Range(min=0, error="must not be negative"), _two_decimals])
    currency = Code(required=True, validate=validate.OneOf(CURRENCIES, error="unknown currency; use one of {choices}"))
    ship_to_name = _text(200, required=True)
    ship_to_phone = _text(64)
    ship_to_address = _text(1000, required=True)
    ship_to_city = _text(128, required=True)
    ship_to_region = _text(64, required=True)
    ship_to_postcode = _text(32)
    ship_to_country = Code(required=True, validate=validate.Length(equal=2, error="a 2-letter country code"))
    requested_delivery_date = LooseDate(load_default=None)
    notes = _text(4000)


import_row_schema = ImportRowSchema()
