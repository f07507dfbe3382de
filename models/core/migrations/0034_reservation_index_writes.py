"""Fewer index entries for each reservation and stock movement, the pipeline's most written rows after the order.

A reservation is inserted at allocation and rewritten when its goods ship (status and time change, so the new
version cannot stay on its page and enters every index again): six indexes made twelve entries a reservation,
three reservations an order.

- Indexes that serve one status become partial, so a row enters them only in that status: the active
  reservations of a stock row (the invariant that they add up to Stock.reserved; cancelling and dispatching
  read them by line) and the fulfilled ones by the time they were (the inventory report's units shipped).
  Both planners use an index whose predicate is the query's own ``status = …`` term.
- A warehouse's own index on reservations and on stock movements goes: every read of them is led by the order
  line or the product, and warehouses are deactivated, never deleted, so the foreign key check never searches.
- PostgreSQL: the orders' (status, status_changed_at) index, read only for open statuses (stuck work, holds by
  age), keeps only open orders, like the (status, id) index of migration 0015: the shipped bulk never enters it.
  SQLite's planner cannot prove ``status = x`` implies ``status NOT IN (…)``, so it keeps the whole index.
"""
from peewee import PostgresqlDatabase

CLOSED = "('shipped', 'delivered', 'cancelled', 'rejected')"
PARTIAL = {  # name: (table, columns, predicate)
    "reservation_active_stock": ("reservation", "stock_id", "\"status\" = 'active'"),
    "reservation_fulfilled_at": ("reservation", "updated_at", "\"status\" = 'fulfilled'"),
}
REPLACED = {  # the index each partial one replaces: name: (table, columns)
    "reservation_stock_id_status": ("reservation", "stock_id, status"),
    "reservation_status_updated_at": ("reservation", "status, updated_at"),
}
DROPPED = {
    "reservation_warehouse_id": ("reservation", "warehouse_id"),
    "stockmovement_warehouse_id": ("stock_movement", "warehouse_id"),
}
OPEN_ORDERS_BY_AGE = ("order_status_status_changed_at", "order", "status, status_changed_at",
                      f'"status" NOT IN {CLOSED}')


def _create_index(db, name: str, table: str, columns: str, where: str = "") -> None:
    quoted = ", ".join(f'"{column.strip()}"' for column in columns.split(","))
    db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ({quoted})' + (f" WHERE {where}" if where else ""))


def up(migrator, db):
    for name, (table, columns, where) in PARTIAL.items():
        _create_index(db, name, table, columns, where)
    for name in (*REPLACED, *DROPPED):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    if isinstance(db, PostgresqlDatabase):
        _create_index(db, *OPEN_ORDERS_BY_AGE)


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        _create_index(db, *OPEN_ORDERS_BY_AGE[:3])
    for name, (table, columns) in {**REPLACED, **DROPPED}.items():
        _create_index(db, name, table, columns)
    for name in PARTIAL:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
