"""The purchase-order API's boundary: list filters, and the bodies ops and suppliers send (dates as ISO 8601)."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates_schema,
)

from models.core.currencies import CURRENCIES
from models.supply.states import PO_STATUSES
from schemas.fields import InputSchema

CODE = validate.Length(min=1, max=64)
MAX_LINES = 500
MAX_QUANTITY = 1_000_000
MAX_DB_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
MAX_PAGE = 500
KINDS = ("stock", "drop_ship")


def _two_decimals(value: Decimal) -> None:
    if value.as_tuple().exponent < -2:
        raise ValidationError("at most 2 decimal places")


def _each_sku_once(lines: list[dict]) -> None:
    skus = [line["sku"] for line in lines]
    repeated = sorted({sku for sku in skus if skus.count(sku) > 1})
    if repeated:
        raise ValidationError(f"each SKU once; repeated: {', '.join(repeated)}", "lines")


class PurchaseOrderQuerySchema(InputSchema):
    supplier = fields.String(load_default=None, validate=CODE)
    status = fields.String(load_default=None, validate=validate.OneOf(PO_STATUSES))
    kind = fields.String(load_default=None, validate=validate.OneOf(KINDS))
    order_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_DB_ID))
    after = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_DB_ID))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PAGE))


class PurchaseLineSchema(Schema):
    class Meta:
        unknown = RAISE
    sku = fields.String(required=True, validate=CODE)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))
    # Omitted: the last price paid to this supplier for the SKU (or the line's price so far, on a change).
    unit_price = fields.Decimal(load_default=None, allow_none=True, allow_nan=False,
                                validate=[validate.Range(min=0, max=Decimal("99999999")), _two_decimals])


class PurchaseOrderSchema(InputSchema):
    class Meta:
        unknown = RAISE
    supplier = fields.String(required=True, validate=CODE)
    warehouse = fields.String(required=True, validate=CODE)
    lines = fields.List(fields.Nested(PurchaseLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    expected_at = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    currency = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CURRENCIES))

    @validates_schema
    def _lines_once(self, data: dict, **kwargs) -> None:
        _each_sku_once(data.get("lines", []))


class PurchaseOrderChangeSchema(InputSchema):
    class Meta:
        unknown = RAISE
    lines = fields.List(fields.Nested(PurchaseLineSchema), validate=validate.Length(min=1, max=MAX_LINES))
    expected_at = fields.Date(allow_none=False)
    note = fields.String(validate=validate.Length(max=2000))

    @validates_schema
    def _something_to_change(self, data: dict, **kwargs) -> None:
        if not data:
            raise ValidationError("give lines, expected_at or note to change", "_schema")
        _each_sku_once(data.get("lines", []))


class ReasonSchema(InputSchema):
    class Meta:
        unknown = RAISE
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ConfirmationLineSchema(Schema):
    class Meta:
        unknown = RAISE
    sku = fields.String(required=True, validate=CODE)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    promised_date = fields.Date(load_default=None, allow_none=True)  # required when quantity > 0 (the model says)
    counter = fields.Boolean(load_default=False)


class ConfirmationSchema(InputSchema):
    class Meta:
        unknown = RAISE
    lines = fields.List(fields.Nested(ConfirmationLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))


class AsnLineSchema(Schema):
    class Meta:
        unknown = RAISE
    sku = fields.String(required=True, validate=CODE)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_QUANTITY))


class AsnSchema(InputSchema):
    class Meta:
        unknown = RAISE
    lines = fields.List(fields.Nested(AsnLineSchema), required=True, validate=validate.Length(min=1, max=MAX_LINES))
    carrier = fields.String(required=True, validate=CODE)
    tracking_number = fields.String(load_default="", validate=validate.Length(max=64))
    expected_on = fields.Date(load_default=None, allow_none=True)
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


purchase_order_query_schema = PurchaseOrderQuerySchema()
purchase_order_schema = PurchaseOrderSchema()
purchase_order_change_schema = PurchaseOrderChangeSchema()
reason_schema = ReasonSchema()
confirmation_schema = ConfirmationSchema()
asn_schema = AsnSchema()
