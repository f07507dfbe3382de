"""Shipping and tracking: the carrier and service chosen per shipment, cancelled bookings kept as history,
outbound shipment events (customer mails and the channel feed), shipment alerts for ops and the shared
rate-limit counters of public pages."""
from peewee import *


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Shipment(Model):
        class Meta:
            database = db
            table_name = 'shipment'

    class TrackingEvent(Model):
        class Meta:
            database = db
            table_name = 'tracking_event'

    migrator.migrate(
        migrator.add_column('shipment', 'service_level', CharField(max_length=16, default='standard')),
        migrator.add_column('shipment', 'rebook_requested_at', DateTimeField(null=True)),
        migrator.add_column('waybill', 'service_level', CharField(max_length=16, default='standard')),
        migrator.add_column('waybill', 'quoted_price', DecimalField(max_digits=14, decimal_places=2, null=True)),
        migrator.add_column('waybill', 'quoted_currency', CharField(max_length=3, default='')),
        migrator.add_column('waybill', 'choice_reason', CharField(max_length=500, default='')),
        migrator.add_column('waybill', 'tracking_mode', CharField(max_length=8, default='webhook')),
        migrator.add_column('waybill', 'next_poll_at', DateTimeField(null=True)),
    )
    db.execute_sql('CREATE INDEX waybill_next_poll ON waybill (next_poll_at) WHERE next_poll_at IS NOT NULL')

    class CancelledWaybill(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        carrier = CharField(max_length=32)
        waybill_number = CharField(max_length=64)
        idempotency_key = CharField(max_length=64)
        issued_at = DateTimeField(null=True)
        cancelled_at = DateTimeField()
        cancelled_by = CharField(max_length=254)
        reason = CharField(max_length=500, default='')
        class Meta:
            database = db
            table_name = 'cancelled_waybill'

    class ShipmentEvent(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE')
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        kind = CharField(max_length=32)
        booking = IntegerField(default=0)
        payload_json = TextField()
        created_at = DateTimeField()
        mailed_at = DateTimeField(null=True)
        mail_error = TextField(default='')
        class Meta:
            database = db
            table_name = 'shipment_event'
            indexes = ((('shipment', 'kind', 'booking'), True), (('order',), False))

    class ShipmentAlert(Model):
        shipment = ForeignKeyField(Shipment, on_delete='CASCADE')
        order = ForeignKeyField(Order, on_delete='CASCADE')
        tracking_event = ForeignKeyField(TrackingEvent, null=True, unique=True, on_delete='CASCADE')
        kind = CharField(max_length=32)
        message = TextField()
        status = CharField(max_length=8, default='open')
        raised_at = DateTimeField()
        resolved_at = DateTimeField(null=True)
        resolved_by = CharField(max_length=254, default='')
        class Meta:
            database = db
            table_name = 'shipment_alert'
            indexes = ((('status', 'raised_at'), False),)

    class RateLimitWindow(Model):
        key = CharField(max_length=128)
        window_start = DateTimeField()
        hits = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'rate_limit_window'
            indexes = ((('key', 'window_start'), True),)

    db.create_tables([CancelledWaybill, ShipmentEvent, ShipmentAlert, RateLimitWindow])


def down(migrator, db):
    for table in ('rate_limit_window', 'shipment_alert', 'shipment_event', 'cancelled_waybill'):
        migrator.migrate(migrator.drop_table(table))
    db.execute_sql('DROP INDEX waybill_next_poll')
    migrator.migrate(*(migrator.drop_column('waybill', column) for column in
                       ('service_level', 'quoted_price', 'quoted_currency', 'choice_reason', 'tracking_mode',
                        'next_poll_at')),
                     migrator.drop_column('shipment', 'rebook_requested_at'),
                     migrator.drop_column('shipment', 'service_level'))
