"""The inventory report's rollups (units per day, SKU and warehouse; on-hand snapshots per day and stock row; the
refresh mark), and the indexes that let the rollup refresh and the returns report read one day or one range of
raw rows: reservations by creation and by fulfilment, returns and feedback by date (order status changes by
target status and time are indexed by 0020)."""
from peewee import *

INDEXES = (
    'CREATE INDEX IF NOT EXISTS "reservation_created_at" ON "reservation" ("created_at")',
    'CREATE INDEX IF NOT EXISTS "reservation_status_updated_at" ON "reservation" ("status", "updated_at")',
    'CREATE INDEX IF NOT EXISTS "return_request_created_at" ON "return_request" ("created_at")',
    'CREATE INDEX IF NOT EXISTS "order_feedback_created_at" ON "order_feedback" ("created_at")',
)
INDEX_NAMES = ("reservation_created_at", "reservation_status_updated_at", "return_request_created_at",
               "order_feedback_created_at")


def up(migrator, db):
    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    class Warehouse(Model):
        class Meta:
            database = db
            table_name = 'warehouse'

    class Stock(Model):
        class Meta:
            database = db
            table_name = 'stock'

    class InventoryDay(Model):
        day = DateField()
        product = ForeignKeyField(Product, on_delete='CASCADE', index=False)
        warehouse = ForeignKeyField(Warehouse, null=True, on_delete='CASCADE', index=False)
        units_reserved = IntegerField(default=0)
        units_refilled = IntegerField(default=0)
        units_shipped = IntegerField(default=0)
        units_backordered = IntegerField(default=0)

        class Meta:
            database = db
            table_name = 'inventory_day'
            indexes = ((('day', 'product', 'warehouse'), False), (('product', 'day'), False))

    class StockSnapshot(Model):
        day = DateField()
        stock = ForeignKeyField(Stock, on_delete='CASCADE', index=False)
        product = ForeignKeyField(Product, on_delete='CASCADE', index=False)
        warehouse = ForeignKeyField(Warehouse, on_delete='CASCADE', index=False)
        on_hand = IntegerField()
        on_hand_total = BigIntegerField()
        days = IntegerField()

        class Meta:
            database = db
            table_name = 'stock_snapshot'
            indexes = ((('day', 'stock'), True),)

    class InventoryRollupMark(Model):
        name = CharField(max_length=32, primary_key=True)
        started_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'inventory_rollup_mark'

    db.create_tables([InventoryDay, StockSnapshot, InventoryRollupMark])
    for statement in INDEXES:
        db.execute_sql(statement)


def down(migrator, db):
    for name in INDEX_NAMES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    for table in ('inventory_rollup_mark', 'stock_snapshot', 'inventory_day'):
        migrator.migrate(migrator.drop_table(table))
