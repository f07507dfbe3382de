"""Exchange rates by day (units of a currency per one unit of OMS_BASE_CURRENCY, one per day and currency), and a
distributor's group credit limit: the cap on the exposure of all the customers it serves, in its currency.

The column is added with a constant database default (one ALTER: no table rebuild on SQLite, no rewrite on
PostgreSQL)."""
from peewee import *


def up(migrator, db):
    class ExchangeRate(Model):
        day = DateField()
        currency = CharField(max_length=3)
        rate = DecimalField(max_digits=18, decimal_places=8)
        source = CharField(max_length=64, default='')
        created_by = CharField(max_length=254, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'exchange_rate'
            indexes = ((('day', 'currency'), True), (('currency', 'day'), False))
            constraints = (Check('rate > 0'),)
    db.create_tables([ExchangeRate])
    db.execute_sql('ALTER TABLE "partner" ADD COLUMN "group_credit_limit" NUMERIC(14, 2)')


def down(migrator, db):
    migrator.migrate(migrator.drop_column('partner', 'group_credit_limit'), migrator.drop_table('exchange_rate'))
