"""Customer returns: the request and its decision, its lines and their inspection, the reverse label, the
refund, photos, and the rule-set versions that decide returns."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, MoneyField, utc_now
from models.core.db import lock_for_update
from models.core.registry import register_status_table, register_tables
from models.core.rule_set_versions import RuleSetVersion
from models.core.texts import Text
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.returns.states import RETURN_REQUESTED


class ReturnRequest(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="returns", on_delete="RESTRICT")
    customer = peewee.ForeignKeyField(Partner, backref="returns", on_delete="RESTRICT")
    status = peewee.CharField(max_length=32, default=RETURN_REQUESTED)
    resolution = peewee.CharField(max_length=16)  # refund or exchange
    reason = peewee.CharField(max_length=32)
    comment = peewee.TextField(default="")
    decision = peewee.CharField(max_length=16, default="")  # auto_approved, manual, approved, rejected
    decision_reasons = peewee.TextField(default="")  # JSON list of the rules that fired
    refund_amount = MoneyField(default=0)
    currency = peewee.CharField(max_length=3, default="USD")
    replacement_order = peewee.ForeignKeyField(Order, null=True, backref="replaces_returns", on_delete="SET NULL")
    rule_set_version = peewee.IntegerField(null=True)
    requested_via = peewee.CharField(max_length=32, default="api")  # self_service, api
    requested_by = peewee.CharField(max_length=254, default="")
    decided_by = peewee.CharField(max_length=254, default="")
    decided_at = peewee.DateTimeField(null=True)
    decision_note = peewee.TextField(default="")
    warehouse = peewee.ForeignKeyField(Warehouse, null=True, backref="returns", on_delete="RESTRICT")
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("status", "status_changed_at"), False),)

    @property
    def reasons(self) -> list[dict]:
        """The rules that fired: code, message and numbers, as the API shows them."""
        return [{name: value for name, value in reason.items() if name != "text"} for reason in self._stored_reasons]

    @property
    def reason_texts(self) -> list[Text | str]:
        """Each reason's message to translate: its template when kept, else the English as stored."""
        return [Text.from_json(reason["text"]) if reason.get("text") else reason.get("message", "")
                for reason in self._stored_reasons]

    @property
    def _stored_reasons(self) -> list[dict]:
        return json.loads(self.decision_reasons or "[]")

    @classmethod
    def locked(cls, return_id: int) -> ReturnRequest | None:
        """The return, row-locked until the transaction ends (PostgreSQL), like ``Order.locked``."""
        return lock_for_update(cls.select().where(cls.id == return_id)).first()


class ReturnLine(BaseModel):
    return_request = peewee.ForeignKeyField(ReturnRequest, backref="lines", on_delete="CASCADE")
    order_line = peewee.ForeignKeyField(OrderLine, backref="return_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()
    unit_price = MoneyField(default=0)  # what one returned unit refunds
    exchange_product = peewee.ForeignKeyField(Product, null=True, backref="exchanged_in", on_delete="RESTRICT")
    condition = peewee.CharField(max_length=16, default="")  # resellable, damaged, defective
    supplier = peewee.ForeignKeyField(Partner, null=True, backref="defective_returns", on_delete="SET NULL")
    inspected_at = peewee.DateTimeField(null=True)
    inspection_note = peewee.TextField(default="")

    class Meta:
        indexes = ((("return_request", "order_line"), True),)
        constraints = [peewee.Check("quantity > 0")]


class ReturnRuleSet(RuleSetVersion):
    """Versions of the return approval settings (models.returns.rules.ReturnSettings)."""


class ReturnLabel(BaseModel):
    """The reverse waybill of a return: committed as ``requested`` before the carrier is called, once."""

    return_request = peewee.ForeignKeyField(ReturnRequest, backref="labels", unique=True, on_delete="CASCADE")
    carrier = peewee.CharField(max_length=32)
    idempotency_key = peewee.CharField(max_length=64, unique=True)
    status = peewee.CharField(max_length=16, default="requested")  # requested, issued, failed
    waybill_number = peewee.CharField(max_length=64, null=True, unique=True)
    tracking_url = peewee.CharField(max_length=500, default="")
    attempts = peewee.IntegerField(default=0)
    last_error = peewee.TextField(default="")
    last_attempt_at = peewee.DateTimeField(null=True)
    requested_at = peewee.DateTimeField(default=utc_now)
    issued_at = peewee.DateTimeField(null=True)


class Refund(BaseModel):
    """Money back for a return, once: a credit note against the customer's receivable, or a payout to make."""

    return_request = peewee.ForeignKeyField(ReturnRequest, backref="refunds", unique=True, on_delete="RESTRICT")
    customer = peewee.ForeignKeyField(Partner, backref="refunds", on_delete="RESTRICT")
    amount = MoneyField()
    currency = peewee.CharField(max_length=3)
    method = peewee.CharField(max_length=16)  # credit_note, payout
    reference = peewee.CharField(max_length=80, unique=True)
    status = peewee.CharField(max_length=16)  # applied (credit note), to_pay, paid (payout)
    created_by = peewee.CharField(max_length=254)
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        constraints = [peewee.Check("amount >= 0")]


class ReturnPhoto(BaseModel):
    return_request = peewee.ForeignKeyField(ReturnRequest, backref="photos", on_delete="CASCADE")
    filename = peewee.CharField(max_length=200)
    content_type = peewee.CharField(max_length=64)
    size_bytes = peewee.IntegerField()
    stored_name = peewee.CharField(max_length=100, unique=True)  # file name under <data_dir>/return-photos
    created_at = peewee.DateTimeField(default=utc_now)


class OrderFeedback(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="feedback", unique=True, on_delete="CASCADE")
    rating = peewee.IntegerField()
    comment = peewee.TextField(default="")
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        constraints = [peewee.Check("rating BETWEEN 1 AND 5")]


register_tables(ReturnRequest, ReturnLine, ReturnRuleSet, ReturnLabel, Refund, ReturnPhoto, OrderFeedback)
register_status_table("return", ReturnRequest)
