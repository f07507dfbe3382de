"""Warehouse city, postcode and country: where reverse labels and carrier pickups are addressed."""
from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column('warehouse', 'city', CharField(max_length=128, default='')),
        migrator.add_column('warehouse', 'postcode', CharField(max_length=32, default='')),
        migrator.add_column('warehouse', 'country', CharField(max_length=2, default='')),
    )


def down(migrator, db):
    migrator.migrate(*(migrator.drop_column('warehouse', column) for column in ('country', 'postcode', 'city')))
