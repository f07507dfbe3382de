"""PostgreSQL: an insert into the outbox notifies channel `oms_outbox` (once per statement, delivered at commit and
merged per transaction), so a relay listening there publishes at once instead of at its next poll. SQLite: nothing."""
from peewee import *

FUNCTION = 'oms_outbox_notify'
TRIGGER = 'outbox_message_notify'


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    db.execute_sql(f"CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN PERFORM pg_notify('oms_outbox', ''); RETURN NULL; END $$")
    db.execute_sql(f'CREATE TRIGGER {TRIGGER} AFTER INSERT ON "outbox_message" '
                   f'FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()')


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    db.execute_sql(f'DROP TRIGGER IF EXISTS {TRIGGER} ON "outbox_message"')
    db.execute_sql(f'DROP FUNCTION IF EXISTS {FUNCTION}()')
