"""One row of an order import file (one order line plus its order's header fields): shape and validation.

Values arrive as text (CSV cells, XLSX cells turned into text); an empty cell is left out of the row,
so ``required`` means "present and not blank".
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from marshmallow import Schema, ValidationError, fields, validate

from models.core import texts
from models.core.currencies import CURRENCIES
from models.core.text_messages import TextMessage
from models.core.texts import N_
from models.intake.file_import.fields import (  # noqa: F401 - re-exported: a domain fact of models
    HEADER_FIELDS,
    IMPORT_FIELDS,
    LINE_FIELDS,
    REQUIRED_FIELDS,
)
from schemas.fields import Text, text_problem

# "1,234.50" and "1 234.50" as office spreadsheets write them; a lone "1,5" stays ambiguous and is refused.
_GROUPED = re.compile(r"^-?\d{1,3}([, ]\d{3})+(\.\d+)?$")
_PLAIN_AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")  # once ungrouped: a valid unit price, loaded as its Decimal
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


def _ungrouped(text: str) -> str:
    text = text.strip()
    return text.replace(",", "").replace(" ", "") if _GROUPED.match(text) else text


class GroupedDecimal(fields.Decimal):
    """A decimal that may carry thousands separators ("1,234.50")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            return super()._deserialize(value, attr, data, **kwargs)
        value = _ungrouped(value)
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValidationError(TextMessage(texts.Text(N_("not a number: %(value)s"), value=repr(value)))) from None
        if not number.is_finite() and not self.allow_nan:  # "NaN", "inf": no rule can compare them
            raise self.make_error("special")
        return number


class UnitPrice(GroupedDecimal):
    """A unit price: not negative, at most 2 decimal places, thousands separators allowed; None when left out."""

    def __init__(self) -> None:
        super().__init__(load_default=None, allow_nan=False,
                         validate=[validate.Range(min=0, error=N_("must not be negative")), _two_decimals])

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # Nearly every price cell is a plain amount ("12.50", "1,234.50"), which loads as its Decimal and passes
        # both rules: answered here without marshmallow's per-field steps (~10 µs; an order file has a price a
        # line, seldom repeated). Any other value goes the whole way, with its messages.
        if type(value) is str:
            text = _ungrouped(value)
            if _PLAIN_AMOUNT.fullmatch(text):
                return Decimal(text)
        return super().deserialize(value, attr, data, **kwargs)


class GroupedInteger(fields.Integer):
    """A whole number that may carry thousands separators ("1,200"); "2.5" is refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = _ungrouped(value) if isinstance(value, str) else value
        if isinstance(text, str) and not re.fullmatch(r"[+-]?\d+", text):
            raise ValidationError(TextMessage(texts.Text(N_("not a whole number: %(value)s"), value=repr(value))))
        return int(text)


class LooseDate(fields.Field):
    """A calendar date written yyyy-mm-dd or yyyy/mm/dd."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        for pattern in DATE_FORMATS:
            try:
                return datetime.strptime(str(value).strip(), pattern).date()
            except ValueError:
                continue
        raise ValidationError(TextMessage(texts.Text(N_("not a date (expected yyyy-mm-dd): %(value)s"),
                                                     value=repr(value))))


class Code(Text):
    """Text compared as a code: surrounding spaces dropped, upper case."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def _two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError(N_("at most 2 decimal places"))


class BoundedText(Text):
    """Text of at most ``max_length`` characters: at least one when required, else "" when left out."""

    def __init__(self, max_length: int, *, required: bool = False) -> None:
        self.min_length, self.max_length = (1 if required else 0), max_length
        length = validate.Length(min=self.min_length, max=max_length)
        super().__init__(validate=length, **({"required": True} if required else {"load_default": ""}))

    def deserialize(self, value, attr=None, data=None, **kwargs):
        # A text of a fitting length that a database can store is loaded as itself: answered here without
        # marshmallow's per-field steps (external_ref is new on nearly every order). Any other value goes the
        # whole way, with its messages.
        if type(value) is str and self.min_length <= len(value) <= self.max_length and text_problem(value) is None:
            return value
        return super().deserialize(value, attr, data, **kwargs)


def _text(max_length: int, *, required: bool = False) -> BoundedText:
    return BoundedText(max_length, required=required)


class ImportRowSchema(Schema):
    external_ref = _text(128, required=True)
    customer_code = _text(64, required=True)
    sku = _text(64, required=True)
    quantity = GroupedInteger(required=True, validate=validate.Range(min=1, max=1_000_000,
                                                                     error=N_("must be a whole number of at least 1")))
    unit_price = UnitPrice()
    currency = Code(required=True, validate=validate.OneOf(CURRENCIES, error="unknown currency; use one of {choices}"))
    ship_to_name = _text(200, required=True)
    ship_to_phone = _text(64)
    ship_to_address = _text(1000, required=True)
    ship_to_city = _text(128, required=True)
    ship_to_region = _text(64, required=True)
    ship_to_postcode = _text(32)
    ship_to_country = Code(required=True, validate=validate.Length(equal=2, error=N_("a 2-letter country code")))
    requested_delivery_date = LooseDate(load_default=None)
    notes = _text(4000)


import_row_schema = ImportRowSchema()
