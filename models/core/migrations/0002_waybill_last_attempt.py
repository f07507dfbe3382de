"""Waybills remember when the carrier was last asked, so the sweeper leaves a retrying shipment alone."""
from peewee import DateTimeField


def up(migrator, db):
    migrator.migrate(migrator.add_column("waybill", "last_attempt_at", DateTimeField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("waybill", "last_attempt_at"))
