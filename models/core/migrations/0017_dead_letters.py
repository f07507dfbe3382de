"""Dead letters ops retry or discard (one row per dead message, unique by message id), and the queue depths the
scheduler samples each minute for the queue cockpit's chart (kept seven days)."""
from peewee import *


def up(migrator, db):
    class DeadLetter(Model):
        message_id = CharField(max_length=64, unique=True)
        queue = CharField(max_length=64)
        actor = CharField(max_length=64)
        args = TextField(default='[]')
        error = TextField(default='')
        failed_at = DateTimeField()
        status = CharField(max_length=16, default='open')
        decided_by = CharField(max_length=254, default='')
        decided_at = DateTimeField(null=True)
        note = TextField(default='')
        retried_as = CharField(max_length=64, default='')
        class Meta:
            database = db
            table_name = 'dead_letter'
            indexes = ((('status', 'queue', 'id'), False),)

    class QueueSample(Model):
        queue = CharField(max_length=64)
        sampled_at = DateTimeField()
        ready = IntegerField(null=True)
        unacked = IntegerField(null=True)
        delayed = IntegerField(null=True)
        dead = IntegerField(default=0)
        consumers = IntegerField(null=True)
        published = BigIntegerField(null=True)
        delivered = BigIntegerField(null=True)
        class Meta:
            database = db
            table_name = 'queue_sample'
            indexes = ((('sampled_at', 'queue'), False),)
    db.create_tables([DeadLetter, QueueSample])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('queue_sample'), migrator.drop_table('dead_letter'))
