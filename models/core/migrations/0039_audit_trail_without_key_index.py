"""The audit trail keeps its ids but drops the index behind them on PostgreSQL: every order writes six status
changes, nothing looks one up by id (a trail is read by entity, ordered by time then id), and the primary key's
index was a third of the index entries each change wrote. The id stays NOT NULL and drawn from its sequence, so ids
still order changes made at the same instant. SQLite's integer key is the row id itself and costs nothing."""
from peewee import PostgresqlDatabase

TABLE, CONSTRAINT = "status_change", "status_change_pkey"


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{TABLE}" DROP CONSTRAINT IF EXISTS "{CONSTRAINT}"')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{TABLE}" ADD CONSTRAINT "{CONSTRAINT}" PRIMARY KEY ("id")')
