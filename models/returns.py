"""Customer returns: the request, its lines and the outcome of inspection."""
from __future__ import annotations

import peewee

from models.base import BaseModel, MoneyField, utc_now
from models.orders import Order, OrderLine
from models.partners import Partner


class ReturnRequest(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="returns", on_delete="RESTRICT")
    customer = peewee.ForeignKeyField(Partner, backref="returns", on_delete="RESTRICT")
    status = peewee.CharField(max_length=32, default="requested")
    resolution = peewee.CharField(max_length=16)  # refund or exchange
    reason = peewee.CharField(max_length=32)
    comment = peewee.TextField(default="")
    decision = peewee.CharField(max_length=16, default="")  # auto_approved, manual, rejected
    decision_reasons = peewee.TextField(default="")  # JSON list of the rules that fired
    refund_amount = MoneyField(default=0)
    replacement_order = peewee.ForeignKeyField(Order, null=True, backref="replaces_returns", on_delete="SET NULL")
    created_at = peewee.DateTimeField(default=utc_now)
    status_changed_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("status", "status_changed_at"), False),)


class ReturnLine(BaseModel):
    return_request = peewee.ForeignKeyField(ReturnRequest, backref="lines", on_delete="CASCADE")
    order_line = peewee.ForeignKeyField(OrderLine, backref="return_lines", on_delete="RESTRICT")
    quantity = peewee.IntegerField()
    condition = peewee.CharField(max_length=16, default="")  # resellable, damaged, defective

    class Meta:
        indexes = ((("return_request", "order_line"), True),)
        constraints = [peewee.Check("quantity > 0")]
