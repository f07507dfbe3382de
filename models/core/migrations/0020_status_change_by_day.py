"""An index of the audit trail by entity, status reached and time: the home dashboard counts the orders received
and shipped today from a range of it, not from a scan of the orders. Named as peewee names the model's index."""
from peewee import *

INDEX = 'statuschange_entity_to_status_at'


def up(migrator, db):
    db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "status_change" ("entity", "to_status", "at")')


def down(migrator, db):
    db.execute_sql(f'DROP INDEX IF EXISTS "{INDEX}"')
