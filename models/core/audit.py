"""The audit trail: one row per status change of any entity, with who, when and why."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables


class StatusChange(BaseModel):
    entity = peewee.CharField(max_length=16)  # order, shipment, return, purchase_order
    entity_id = peewee.IntegerField()
    from_status = peewee.CharField(max_length=32, null=True)
    to_status = peewee.CharField(max_length=32)
    actor = peewee.CharField(max_length=254)  # user email, "api:<email>" or "worker:<actor name>"
    reason = peewee.TextField(default="")
    at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("entity", "entity_id", "at"), False),
                   (("entity", "to_status", "at"), False))  # what reached a status in a time range (0020)

    @classmethod
    def trail(cls, entity: str, entity_id: int) -> peewee.ModelSelect:
        return cls.select().where(cls.entity == entity, cls.entity_id == entity_id).order_by(cls.at, cls.id)


register_tables(StatusChange)
