"""The price book's versions: each import or edit of the price lists and contract prices records the whole book as
a new row; the newest is in force. No row until the first book is saved (no price lists means none apply)."""
from peewee import *


def up(migrator, db):
    class PriceBookVersion(Model):
        document_json = TextField()
        created_by = CharField(max_length=254)
        note = CharField(max_length=500, default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'price_book_version'
    db.create_tables([PriceBookVersion])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('price_book_version'))
