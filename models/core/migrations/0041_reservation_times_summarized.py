"""PostgreSQL: the reservations' two time indexes become block-range (BRIN) summaries instead of B-trees.

Both are read only as ranges from a day on (the inventory report's units reserved and shipped since its mark,
today's orders per warehouse for a routing cap), and both times grow with the table's pages: a reservation is
appended when it is made, and its fulfilled version, which cannot stay on its page (its status changes), is
appended when its goods ship. A block range's summary answers those reads, and a row written into the range being
filled costs no index entry at all, where each B-tree took one per reservation at allocation and, for the
fulfilled one, again when it shipped. Serial `oms bench pipeline` (20,000 orders, one worker thread): the
reservations' COPY 27.0 -> 25.3 us an order, their fulfilment update 29.9 -> 24.6. SQLite keeps its B-trees.
"""
from peewee import PostgresqlDatabase

INDEXES = {  # name: (column, predicate)
    "reservation_created_at": ("created_at", ""),
    "reservation_fulfilled_at": ("updated_at", "\"status\" = 'fulfilled'"),
}


def _create(db, name: str, column: str, where: str, method: str) -> None:
    db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql(f'CREATE INDEX "{name}" ON "reservation" USING {method} ("{column}")'
                   + (f" WHERE {where}" if where else ""))


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for name, (column, where) in INDEXES.items():
            _create(db, name, column, where, "brin")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for name, (column, where) in INDEXES.items():
            _create(db, name, column, where, "btree")
