"""The tables of the queue cockpit: dead letters ops act on, and the queue depths sampled for its chart."""
from __future__ import annotations

import json

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.operations.queue_rules import DEAD_LETTER_OPEN


class DeadLetter(BaseModel):
    """A message that failed for good: recorded when it died (or found later in its queue's ``.XQ``), then retried
    or discarded by ops."""

    message_id = peewee.CharField(max_length=64, unique=True)
    queue = peewee.CharField(max_length=64)
    actor = peewee.CharField(max_length=64)
    args = peewee.TextField(default="[]")  # JSON list of the positional arguments
    error = peewee.TextField(default="")
    failed_at = peewee.DateTimeField(default=utc_now)
    status = peewee.CharField(max_length=16, default=DEAD_LETTER_OPEN)
    decided_by = peewee.CharField(max_length=254, default="")
    decided_at = peewee.DateTimeField(null=True)
    note = peewee.TextField(default="")
    retried_as = peewee.CharField(max_length=64, default="")  # "outbox:<id>": the row that sends it again

    class Meta:
        table_name = "dead_letter"
        indexes = ((("status", "queue", "id"), False),)

    @property
    def arguments(self) -> list:
        return json.loads(self.args)


class QueueSample(BaseModel):
    """One queue's depths at one minute; the counters are cumulative where the broker keeps them, else null."""

    queue = peewee.CharField(max_length=64)
    sampled_at = peewee.DateTimeField(default=utc_now)
    ready = peewee.IntegerField(null=True)
    unacked = peewee.IntegerField(null=True)
    delayed = peewee.IntegerField(null=True)
    dead = peewee.IntegerField(default=0)
    consumers = peewee.IntegerField(null=True)
    published = peewee.BigIntegerField(null=True)  # messages published into the queue so far
    delivered = peewee.BigIntegerField(null=True)  # messages delivered to consumers so far

    class Meta:
        table_name = "queue_sample"
        indexes = ((("sampled_at", "queue"), False),)


register_tables(DeadLetter, QueueSample)
