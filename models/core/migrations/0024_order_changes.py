"""Order changes after placement: who changed what on an order, with the fields and lines before and after."""
from peewee import *


def up(migrator, db):
    class Order(Model):
        class Meta:
            database = db
            table_name = 'order'

    class OrderChange(Model):
        order = ForeignKeyField(Order, on_delete='CASCADE', index=False)
        actor = CharField(max_length=254)
        role = CharField(max_length=32)
        note = TextField(default='')
        before_json = TextField()
        after_json = TextField()
        status_before = CharField(max_length=32)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'order_change'
            indexes = ((('order', 'created_at'), False),)
    db.create_tables([OrderChange])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('order_change'))
