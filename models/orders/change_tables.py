"""The record of every change made to an order after placement: who, in which role, why, and the changed fields
and lines before and after (JSON documents written by models.orders.change_rules)."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.orders.tables import Order


class OrderChange(BaseModel):
    order = peewee.ForeignKeyField(Order, backref="changes", on_delete="CASCADE", index=False)  # see (order, at)
    actor = peewee.CharField(max_length=254)
    role = peewee.CharField(max_length=32)
    note = peewee.TextField(default="")
    before_json = peewee.TextField()
    after_json = peewee.TextField()
    status_before = peewee.CharField(max_length=32)  # where the change took the order back to review from
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("order", "created_at"), False),)

    @property
    def before(self) -> dict:
        return json.loads(self.before_json)

    @property
    def after(self) -> dict:
        return json.loads(self.after_json)


register_tables(OrderChange)
