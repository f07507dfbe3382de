"""Outbound webhooks: subscriptions (ops' or a partner's), the events fanned out to them, one delivery per
subscription and event with its attempts, and the fan-out's cursor per source table with the id gaps it passed."""
from peewee import *


def up(migrator, db):
    class Partner(Model):
        class Meta:
            database = db
            table_name = 'partner'

    class WebhookSubscription(Model):
        partner = ForeignKeyField(Partner, null=True, on_delete='CASCADE')
        created_by = CharField(max_length=254)
        url = CharField(max_length=2000)
        secret = CharField(max_length=128)
        event_types = TextField()
        description = CharField(max_length=200, default='')
        active = BooleanField(default=True)
        failure_streak = IntegerField(default=0)
        failing_since = DateTimeField(null=True)
        disabled_at = DateTimeField(null=True)
        disabled_reason = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_subscription'
            indexes = ((('active', 'id'), False),)

    class WebhookEvent(Model):
        source = CharField(max_length=32)
        source_id = BigIntegerField()
        event_type = CharField(max_length=64)
        occurred_at = DateTimeField()
        payload = TextField()
        partner_ids = TextField(default='[]')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_event'
            indexes = ((('source', 'source_id'), True),)

    class WebhookDelivery(Model):
        subscription = ForeignKeyField(WebhookSubscription, on_delete='CASCADE', index=False)
        event = ForeignKeyField(WebhookEvent, on_delete='CASCADE')
        message_id = CharField(max_length=64, unique=True)
        status = CharField(max_length=16, default='pending')
        attempts = IntegerField(default=0)
        last_status_code = IntegerField(null=True)
        last_error = TextField(default='')
        last_attempt_at = DateTimeField(null=True)
        next_attempt_at = DateTimeField(null=True)
        delivered_at = DateTimeField(null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_delivery'
            indexes = ((('subscription', 'event'), True), (('status', 'next_attempt_at'), False))
            constraints = [Check("status IN ('pending', 'failing', 'delivered', 'failed')")]

    class WebhookCursor(Model):
        source = CharField(max_length=32, primary_key=True)
        last_id = BigIntegerField(default=0)
        class Meta:
            database = db
            table_name = 'webhook_cursor'

    class WebhookGap(Model):
        source = CharField(max_length=32)
        low = BigIntegerField()
        high = BigIntegerField()
        seen_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook_gap'
            indexes = ((('source', 'low'), False),)

    db.create_tables([WebhookSubscription, WebhookEvent, WebhookDelivery, WebhookCursor, WebhookGap])


def down(migrator, db):
    migrator.migrate(*(migrator.drop_table(name) for name in
                       ('webhook_gap', 'webhook_cursor', 'webhook_delivery', 'webhook_event', 'webhook_subscription')))
