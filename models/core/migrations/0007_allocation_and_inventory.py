"""Allocation and live inventory: allocation rule-set versions, the plan kept on each order, backorder
orders split off an order, per-warehouse reorder points, audited stock movements and low-stock alerts."""
from datetime import datetime, timezone

from peewee import *

DEFAULT_ALLOCATION = (
    '{"by_channel": {}, "by_customer": {}, "default": {"allow_dropship": true, "allow_split": true, '
    '"cost_weight": "1", "days_weight": "5", "partial": "ship_complete", "split_penalty": "0", '
    '"strategy": "cheapest"}, "routing_rules": []}')


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class Warehouse(Model):
        class Meta:
            database = db
            table_name = 'warehouse'

    class Product(Model):
        class Meta:
            database = db
            table_name = 'product'

    migrator.migrate(
        migrator.add_column('order', 'allocation_json', TextField(null=True)),
        migrator.add_column('order', 'backorder_of_id',
                            ForeignKeyField(Order, field=Order.id, null=True, on_delete='SET NULL')),
        migrator.add_column('stock', 'reorder_point', IntegerField(null=True)),
    )

    class AllocationRuleSet(Model):
        document_json = TextField()
        created_by = CharField(max_length=254)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'allocation_rule_set'

    class StockMovement(Model):
        warehouse = ForeignKeyField(Warehouse, on_delete='RESTRICT')
        product = ForeignKeyField(Product, on_delete='RESTRICT')
        kind = CharField(max_length=16)
        quantity = IntegerField()
        reason_code = CharField(max_length=32)
        note = CharField(max_length=500, default='')
        reference = CharField(max_length=64, default='')
        actor = CharField(max_length=254)
        at = DateTimeField()
        class Meta:
            database = db
            table_name = 'stock_movement'
            indexes = ((('product', 'warehouse', 'at'), False),)

    class StockAlert(Model):
        warehouse = ForeignKeyField(Warehouse, on_delete='CASCADE')
        product = ForeignKeyField(Product, on_delete='CASCADE')
        status = CharField(max_length=8, default='open')
        available = IntegerField()
        reorder_point = IntegerField()
        raised_at = DateTimeField()
        cleared_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'stock_alert'
            indexes = ((('status', 'raised_at'), False),)

    db.create_tables([AllocationRuleSet, StockMovement, StockAlert])
    # At most one open alert per warehouse and SKU, whatever races: raising twice is impossible.
    db.execute_sql('CREATE UNIQUE INDEX stock_alert_one_open ON stock_alert (warehouse_id, product_id) '
                   "WHERE status = 'open'")
    AllocationRuleSet.insert(document_json=DEFAULT_ALLOCATION, created_by='system', note='defaults',
                             created_at=datetime.now(timezone.utc).replace(tzinfo=None)).execute()


def down(migrator, db):
    for table in ('stock_alert', 'stock_movement', 'allocation_rule_set'):
        migrator.migrate(migrator.drop_table(table))
    migrator.migrate(migrator.drop_column('stock', 'reorder_point'),
                     migrator.drop_column('order', 'backorder_of_id'),
                     migrator.drop_column('order', 'allocation_json'))
