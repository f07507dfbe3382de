"""Report rollups: shipped sales per day at order and line grain (and their summaries without the customer), order
cycle-time histograms per day
(models.reports.tables), filled from the orders already shipped."""
from peewee import *


def up(migrator, db):
    class SalesDay(Model):
        day = DateField()
        channel = CharField(max_length=32)
        region = CharField(max_length=64)
        customer_id = IntegerField()
        placed_by_id = IntegerField(default=0)
        currency = CharField(max_length=3)
        orders = IntegerField(default=0)
        units = IntegerField(default=0)
        revenue = DecimalField(max_digits=18, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = 'report_sales_day'
            indexes = ((('day', 'channel', 'region', 'customer_id', 'placed_by_id', 'currency'), True),
                       (('customer_id', 'day'), False))

    class SkuDay(Model):
        day = DateField()
        sku = CharField(max_length=64)
        customer_id = IntegerField()
        placed_by_id = IntegerField(default=0)
        channel = CharField(max_length=32)
        region = CharField(max_length=64)
        currency = CharField(max_length=3)
        orders = IntegerField(default=0)
        units = IntegerField(default=0)
        revenue = DecimalField(max_digits=18, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = 'report_sku_day'
            indexes = ((('day', 'sku', 'customer_id', 'placed_by_id', 'channel', 'region', 'currency'), True),
                       (('sku', 'day'), False))

    class SalesSummaryDay(Model):
        day = DateField()
        channel = CharField(max_length=32)
        region = CharField(max_length=64)
        currency = CharField(max_length=3)
        orders = IntegerField(default=0)
        units = IntegerField(default=0)
        revenue = DecimalField(max_digits=18, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = 'report_sales_summary_day'
            indexes = ((('day', 'channel', 'region', 'currency'), True),)

    class SkuSummaryDay(Model):
        day = DateField()
        sku = CharField(max_length=64)
        currency = CharField(max_length=3)
        orders = IntegerField(default=0)
        units = IntegerField(default=0)
        revenue = DecimalField(max_digits=18, decimal_places=2, default=0)

        class Meta:
            database = db
            table_name = 'report_sku_summary_day'
            indexes = ((('day', 'sku', 'currency'), True), (('sku', 'day'), False))

    class CycleTimeDay(Model):
        day = DateField()
        step = CharField(max_length=32)
        bucket = IntegerField()
        orders = IntegerField(default=0)

        class Meta:
            database = db
            table_name = 'report_cycle_time_day'
            indexes = ((('day', 'step', 'bucket'), True),)

    db.create_tables([SalesDay, SkuDay, SalesSummaryDay, SkuSummaryDay, CycleTimeDay])
    # Filled from the orders already shipped by 0026, once every column the rollup reads exists.


def down(migrator, db):
    migrator.migrate(*(migrator.drop_table(name) for name in (
        'report_cycle_time_day', 'report_sku_summary_day', 'report_sales_summary_day', 'report_sku_day',
        'report_sales_day')))
