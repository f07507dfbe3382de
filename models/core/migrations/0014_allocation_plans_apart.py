"""The allocation plan document (about a kilobyte per order) moves out of the orders table into its own, one row per
order: lists, counts and the pipeline's updates of orders no longer carry it."""
from peewee import *


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class OrderAllocationPlan(Model):
        order = ForeignKeyField(Order, primary_key=True, on_delete='CASCADE')
        document_json = TextField()
        planned_at = DateTimeField()

        class Meta:
            database = db
            table_name = 'order_allocation_plan'

    db.create_tables([OrderAllocationPlan])
    db.execute_sql('INSERT INTO "order_allocation_plan" ("order_id", "document_json", "planned_at") '
                   'SELECT "id", "allocation_json", "status_changed_at" FROM "order" '
                   'WHERE "allocation_json" IS NOT NULL')
    # Native on PostgreSQL and SQLite ≥ 3.35: no table rebuild.
    db.execute_sql('ALTER TABLE "order" DROP COLUMN "allocation_json"')


def down(migrator, db):
    db.execute_sql('ALTER TABLE "order" ADD COLUMN "allocation_json" TEXT')
    db.execute_sql('UPDATE "order" SET "allocation_json" = (SELECT "document_json" FROM "order_allocation_plan" '
                   'WHERE "order_allocation_plan"."order_id" = "order"."id")')
    migrator.migrate(migrator.drop_table('order_allocation_plan'))
