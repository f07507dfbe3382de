"""The webhook tables: subscriptions, the events fanned out to them, one delivery per subscription and event,
and the fan-out's cursor over each source table."""
from __future__ import annotations

import peewee

from models.core.base import BaseModel, utc_now
from models.core.registry import register_tables
from models.partners.tables import Partner

DELIVERY_STATUSES = ("pending", "failing", "delivered", "failed")
OPEN_DELIVERY_STATUSES = ("pending", "failing")  # the ones the worker and the relay still attempt


class WebhookSubscription(BaseModel):
    """Where to post which event types, for ops (no partner) or for one partner, who sees only its own."""

    partner = peewee.ForeignKeyField(Partner, null=True, backref="webhook_subscriptions", on_delete="CASCADE")
    created_by = peewee.CharField(max_length=254)  # the user's email: mailed when the subscription is disabled
    url = peewee.CharField(max_length=2000)
    secret = peewee.CharField(max_length=128)
    event_types = peewee.TextField()  # JSON list of types and patterns like "purchase_order.*"
    description = peewee.CharField(max_length=200, default="")
    active = peewee.BooleanField(default=True)
    failure_streak = peewee.IntegerField(default=0)  # failed attempts since the last 2xx
    failing_since = peewee.DateTimeField(null=True)  # the first of them
    disabled_at = peewee.DateTimeField(null=True)
    disabled_reason = peewee.CharField(max_length=500, default="")
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("active", "id"), False),)


class WebhookEvent(BaseModel):
    """One event, written once per source row that at least one subscription wanted."""

    source = peewee.CharField(max_length=32)
    source_id = peewee.BigIntegerField()
    event_type = peewee.CharField(max_length=64)
    occurred_at = peewee.DateTimeField()
    payload = peewee.TextField()  # JSON: the data object of the body
    partner_ids = peewee.TextField(default="[]")  # JSON: the partners that may see it (ops see every event)
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("source", "source_id"), True),)


class WebhookDelivery(BaseModel):
    """One event to one subscription: its Standard Webhooks id (the same on every attempt) and its attempts."""

    subscription = peewee.ForeignKeyField(WebhookSubscription, backref="deliveries", on_delete="CASCADE",
                                          index=False)
    event = peewee.ForeignKeyField(WebhookEvent, backref="deliveries", on_delete="CASCADE")
    message_id = peewee.CharField(max_length=64, unique=True)  # the webhook-id header
    status = peewee.CharField(max_length=16, default="pending")
    attempts = peewee.IntegerField(default=0)
    last_status_code = peewee.IntegerField(null=True)
    last_error = peewee.TextField(default="")
    last_attempt_at = peewee.DateTimeField(null=True)
    next_attempt_at = peewee.DateTimeField(null=True)  # when the relay sends it again while open
    delivered_at = peewee.DateTimeField(null=True)
    created_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("subscription", "event"), True),
                   (("status", "next_attempt_at"), False))
        constraints = [peewee.Check("status IN ('pending', 'failing', 'delivered', 'failed')")]


class WebhookCursor(BaseModel):
    """The last id of a source table the fan-out has read."""

    source = peewee.CharField(max_length=32, primary_key=True)
    last_id = peewee.BigIntegerField(default=0)


class WebhookGap(BaseModel):
    """Ids of a source table the cursor passed without seeing them: taken by a transaction still open then (to be
    read once it commits) or by one rolled back (never to come); looked at again until ``seen_at`` is old."""

    source = peewee.CharField(max_length=32)
    low = peewee.BigIntegerField()
    high = peewee.BigIntegerField()
    seen_at = peewee.DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("source", "low"), False),)


register_tables(WebhookSubscription, WebhookEvent, WebhookDelivery, WebhookCursor, WebhookGap)
