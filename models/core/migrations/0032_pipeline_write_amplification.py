"""Fewer index writes on the pipeline's tables: every order, line, reservation and shipment row is written several
times on its way (prices, then each status), and each new row version not kept on its page (not "HOT") adds an
entry to every index of the table.

- Indexes another index already covers go: a foreign key's own index where a composite (unique) index leads with
  the same column: reservation (order_line; stock), shipment_line (shipment), shipment (order), stock_movement
  (product).
- Foreign keys that are empty on most rows are indexed only where set (partial indexes, on both databases): an
  order's import batch, intake message, backorder parent and placing distributor; a shipment's drop-ship supplier.
  A look-up by one of them (``= x``) still uses the index: both planners prove ``x IS NOT NULL`` from it.
- PostgreSQL keeps a fifth of each new page of the orders, order lines, shipments and waybills free
  (``fillfactor = 80``), so an update that changes no indexed column (prices and totals, a shipment's carrier, a
  waybill's attempt count) stays on its page and writes no index entry.
"""
from peewee import PostgresqlDatabase

REDUNDANT = {  # name: (table, column): a foreign key's own index, led by a composite one
    "reservation_order_line_id": ("reservation", "order_line_id"),
    "reservation_stock_id": ("reservation", "stock_id"),
    "shipmentline_shipment_id": ("shipment_line", "shipment_id"),
    "shipment_order_id": ("shipment", "order_id"),
    "stockmovement_product_id": ("stock_movement", "product_id"),
}
PARTIAL = {  # name: (table, columns, the column that is mostly empty)
    "order_source_batch_id": ("order", "source_batch_id", "source_batch_id"),
    "order_source_message_id": ("order", "source_message_id", "source_message_id"),
    "order_backorder_of_id": ("order", "backorder_of_id", "backorder_of_id"),
    "order_placed_by_id_created_at": ("order", "placed_by_id, created_at", "placed_by_id"),
    "shipment_supplier_id": ("shipment", "supplier_id", "supplier_id"),
}
ROOMY_TABLES = ("order", "order_line", "shipment", "waybill")
FILL_FACTOR = 80


def _recreate_index(db, name: str, table: str, columns: str, where: str = "") -> None:
    """Index ``name`` on ``columns`` (comma-separated) of ``table``, replacing one of that name."""
    quoted = ", ".join(f'"{column.strip()}"' for column in columns.split(","))
    db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql(f'CREATE INDEX "{name}" ON "{table}" ({quoted})' + (f" WHERE {where}" if where else ""))


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for name, (table, columns, column) in PARTIAL.items():
        _recreate_index(db, name, table, columns, f'"{column}" IS NOT NULL')
    if isinstance(db, PostgresqlDatabase):
        for table in ROOMY_TABLES:
            db.execute_sql(f'ALTER TABLE "{table}" SET (fillfactor = {FILL_FACTOR})')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in ROOMY_TABLES:
            db.execute_sql(f'ALTER TABLE "{table}" RESET (fillfactor)')
    for name, (table, columns, _) in PARTIAL.items():
        _recreate_index(db, name, table, columns)
    for name, (table, column) in REDUNDANT.items():
        _recreate_index(db, name, table, column)
