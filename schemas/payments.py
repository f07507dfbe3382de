"""Payments received from customers: the API body, a row of the payments CSV file, and what the API returns."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate

from models.core.currencies import CURRENCIES
from models.receivables.ledger import PAYMENT_METHODS
from models.receivables.payment_import import PAYMENT_HEADERS  # noqa: F401 - re-exported: a fact of models
from schemas.fields import InputSchema, UtcDateTime
from schemas.master_data import CsvRowSchema

MAX_MONEY = Decimal("999999999999.99")  # NUMERIC(14, 2)


def _two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most 2 decimal places")


class PaymentSchema(InputSchema):
    customer_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    amount = fields.Decimal(required=True, allow_nan=False, validate=[
        validate.Range(min=0, min_inclusive=False, max=MAX_MONEY, error="must be more than 0 and at most {max}"),
        _two_decimals])
    currency = fields.String(required=True, validate=validate.OneOf(CURRENCIES))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=64))
    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    received_on = fields.Date(load_default=None, allow_none=True)  # None: the day it is recorded


class PaymentRowSchema(CsvRowSchema, PaymentSchema):
    """One row of a payments CSV file (blank cells are missing; currency and method in any case)."""

    UPPER_CASE = ("currency",)
    LOWER_CASE = ("method",)


class AppliedOut(Schema):
    invoice = fields.String()
    amount = fields.Decimal(as_string=True)


class PaymentOut(Schema):
    id = fields.Integer()
    customer_code = fields.String()
    amount = fields.Decimal(as_string=True)
    unapplied = fields.Decimal(as_string=True)
    currency = fields.String()
    reference = fields.String()
    method = fields.String()
    received_on = fields.Date()
    applied = fields.List(fields.Nested(AppliedOut))
    orders_rechecked = fields.List(fields.Integer())


class InvoiceOut(Schema):
    number = fields.String()
    order_id = fields.Integer(allow_none=True)
    currency = fields.String()
    amount = fields.Decimal(as_string=True)
    paid = fields.Decimal(as_string=True)
    balance = fields.Decimal(as_string=True)
    issued_at = UtcDateTime(format="iso")
    due_on = fields.Date()


class ReceivablesOut(Schema):
    customer_code = fields.String()
    outstanding = fields.Decimal(as_string=True)
    overdue_amount = fields.Decimal(as_string=True)
    overdue_days = fields.Integer()
    open_invoices = fields.List(fields.Nested(InvoiceOut))
    payments = fields.List(fields.Nested(PaymentOut(only=("id", "amount", "unapplied", "currency", "reference",
                                                         "method", "received_on"))))


payment_schema = PaymentSchema()
payment_row_schema = PaymentRowSchema()
payment_out = PaymentOut()
receivables_out = ReceivablesOut()
