"""PostgreSQL: the audit trail's (entity, status reached, time) index keeps only the statuses read by time range:
an order received, backordered, shipped or delivered (the home dashboard, the inventory report, report rebuilds).
An order writes some six audit rows on its way; the ones in between (reviewing, approved, allocated, a shipment's
steps) are read only by their entity, through the (entity, entity_id, at) index, and no longer enter this one.
SQLite's planner cannot prove ``to_status = x`` implies ``to_status IN (…)``, so it keeps the whole index."""
from peewee import PostgresqlDatabase

INDEX = "statuschange_entity_to_status_at"
READ_BY_TIME = ("received", "backordered", "shipped", "delivered")


def _create(db, where: str = "") -> None:
    db.execute_sql(f'DROP INDEX IF EXISTS "{INDEX}"')
    db.execute_sql(f'CREATE INDEX "{INDEX}" ON "status_change" ("entity", "to_status", "at")' + where)


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _create(db, " WHERE \"to_status\" IN (" + ", ".join(f"'{status}'" for status in READ_BY_TIME) + ")")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _create(db)
