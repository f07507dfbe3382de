"""One row of each master data CSV file (suppliers, customers, products, warehouses, lanes, stock): shape only.

Codes are checked against the database by models.partners.master_data; here a row is only parsed and bounded.
"""
from __future__ import annotations

from decimal import Decimal

from marshmallow import (
    EXCLUDE,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates_schema,
)

from models.core.currencies import CURRENCIES
from models.core.document_labels import LANGUAGES as CHINESE
from models.partners.master_data_files import (  # noqa: F401 - KINDS, REQUIRED_HEADERS re-exported: facts of models
    KINDS,
    REQUIRED_HEADERS,
    header_key,
)
from schemas.fields import InputSchema

BUYER_KINDS = ("customer", "distributor")
MAX_MONEY = Decimal("999999999999.99")  # NUMERIC(14, 2)
MAX_WEIGHT = Decimal("9999999.999")  # NUMERIC(10, 3)
MAX_INT = 2**31 - 1  # INTEGER columns on PostgreSQL
MAX_DAYS = 3650
REQUIRED = {"required": "may not be blank"}
PRINT_LANGUAGES = ("en", *CHINESE)  # a partner's documents: English, Traditional or Simplified Chinese
RANGE = "must be from {min} to {max}"


def _decimal_places(places: int):
    def check(value: Decimal) -> None:
        if value.as_tuple().exponent < -places:
            raise ValidationError(f"at most {places} decimal places")
    return check


class CsvBoolean(fields.Field):
    """true/false, yes/no or 1/0 in any case."""

    TRUE = frozenset({"true", "yes", "1"})
    FALSE = frozenset({"false", "no", "0"})
    default_error_messages = {"invalid": "expected true, false, yes, no, 1 or 0"}

    def _deserialize(self, value, attr, data, **kwargs) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise self.make_error("invalid")


def money_field(**kwargs) -> fields.Decimal:
    """An amount of money: at most 2 decimals, never negative."""
    return fields.Decimal(allow_nan=False, error_messages=REQUIRED, **kwargs,
                          validate=[validate.Range(min=0, max=MAX_MONEY, error=RANGE), _decimal_places(2)])


def count_field(*, maximum: int = MAX_INT, **kwargs) -> fields.Integer:
    """A whole number of units or days, never negative."""
    return fields.Integer(validate=validate.Range(min=0, max=maximum, error=RANGE), error_messages=REQUIRED, **kwargs)


def code_field(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=64), error_messages=REQUIRED, **kwargs)


def name_field() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=200), error_messages=REQUIRED)


def email_field() -> fields.Email:
    return fields.Email(load_default="", validate=validate.Length(max=254))


class CsvRowSchema(InputSchema):
    """A CSV row as a dict of header to cell text."""

    LOWER_CASE: tuple[str, ...] = ()  # fields whose cells are matched in any case
    UPPER_CASE: tuple[str, ...] = ()

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _cells(self, data: dict, **kwargs) -> dict:
        """Match headers loosely and drop blank cells, so optional fields take their defaults."""
        cells = {}
        for header, value in data.items():
            key = header_key(header) if isinstance(header, str) else header
            if isinstance(value, str):
                value = value.strip()
                if key in self.LOWER_CASE:
                    value = value.lower()
                elif key in self.UPPER_CASE:
                    value = value.upper()
            if value is None or value == "":
                continue
            cells.setdefault(key, value)
        return cells


class SupplierRowSchema(CsvRowSchema):
    code = code_field(required=True)
    name = name_field()
    email = email_field()
    lead_time_days = count_field(maximum=MAX_DAYS, load_default=None)
    locale = fields.String(validate=validate.OneOf(PRINT_LANGUAGES))  # optional: its purchase orders' language


class CustomerRowSchema(CsvRowSchema):
    LOWER_CASE = ("kind",)
    UPPER_CASE = ("currency",)

    code = code_field(required=True)
    name = name_field()
    kind = fields.String(required=True, validate=validate.OneOf(BUYER_KINDS), error_messages=REQUIRED)
    distributor_code = code_field(load_default=None)
    email = email_field()
    # Allocation picks lanes by region, so a buyer without one could never be shipped to.
    region = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=REQUIRED)
    credit_limit = money_field(load_default=None)  # blank: no limit
    payment_terms_days = count_field(maximum=MAX_DAYS, load_default=30)
    outstanding_balance = money_field(load_default=Decimal("0"))
    blocked = CsvBoolean(load_default=False)
    # Optional columns: a file without them (or a blank cell) leaves what the buyer has.
    currency = fields.String(validate=validate.OneOf(CURRENCIES))  # of its credit limits and opening balance
    group_credit_limit = money_field()  # distributors: the cap on all the customers it serves together
    locale = fields.String(validate=validate.OneOf(PRINT_LANGUAGES))  # of its dispatch notes and invoices

    @validates_schema
    def _served_by_another(self, data: dict, **kwargs) -> None:
        if "group_credit_limit" in data and data.get("kind") != "distributor":
            raise ValidationError("only a distributor has a group credit limit", "group_credit_limit")
        served_by = data.get("distributor_code")
        if not served_by:
            return
        if data.get("kind") == "distributor":
            raise ValidationError("only a customer can be served by a distributor", "distributor_code")
        if served_by == data.get("code"):
            raise ValidationError("a customer cannot be its own distributor", "distributor_code")


class ProductRowSchema(CsvRowSchema):
    UPPER_CASE = ("currency",)

    sku = code_field(required=True)
    name = name_field()
    unit_price = money_field(required=True)
    currency = fields.String(load_default="USD", validate=validate.OneOf(CURRENCIES))
    weight_kg = fields.Decimal(load_default=Decimal("0"), allow_nan=False,
                               validate=[validate.Range(min=0, max=MAX_WEIGHT, error=RANGE), _decimal_places(3)])
    supplier_code = code_field(load_default=None)
    dropship = CsvBoolean(load_default=False)
    reorder_point = count_field(load_default=0)

    @validates_schema
    def _dropship_needs_supplier(self, data: dict, **kwargs) -> None:
        if data.get("dropship") and not data.get("supplier_code"):
            raise ValidationError("a dropship product needs a supplier_code", "supplier_code")


class WarehouseRowSchema(CsvRowSchema):
    code = code_field(required=True)
    name = name_field()
    region = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=REQUIRED)
    address = fields.String(load_default="", validate=validate.Length(max=1000))
    # Optional columns: a file without them leaves what the warehouse has.
    city = fields.String(validate=validate.Length(max=128))
    postcode = fields.String(validate=validate.Length(max=32))
    country = fields.String(validate=validate.Regexp(r"^([A-Z]{2})?$", error="two capital letters, e.g. US"))


class LaneRowSchema(CsvRowSchema):
    warehouse_code = code_field(required=True)
    region = fields.String(required=True, validate=validate.Length(min=1, max=64), error_messages=REQUIRED)
    cost = money_field(required=True)
    lead_time_days = count_field(maximum=MAX_DAYS, required=True)


class StockRowSchema(CsvRowSchema):
    warehouse_code = code_field(required=True)
    sku = code_field(required=True)
    on_hand = count_field(required=True)


ROW_SCHEMAS: dict[str, CsvRowSchema] = {
    "suppliers": SupplierRowSchema(),
    "customers": CustomerRowSchema(),
    "products": ProductRowSchema(),
    "warehouses": WarehouseRowSchema(),
    "lanes": LaneRowSchema(),
    "stock": StockRowSchema(),
}
