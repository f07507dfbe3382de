"""Tax rates by product tax class and destination country and region (region "" = the whole country), each from
a day on; the price book version each review checked prices against; and the price check switched on.

The review rule set in force gains the "price" rule as a new version (the documents list the rules switched on,
so a rule added later is off in them until a version names it); its tolerance starts at 0 %."""
import json
from datetime import datetime, timezone

from peewee import *


def up(migrator, db):
    class TaxRate(Model):
        tax_class = CharField(max_length=32)
        country = CharField(max_length=2)
        region = CharField(max_length=64, default='')
        rate = DecimalField(max_digits=7, decimal_places=4, auto_round=True)
        valid_from = DateField(null=True)
        name = CharField(max_length=100, default='')
        updated_by = CharField(max_length=254, default='')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'tax_rate'
            indexes = ((('tax_class', 'country', 'region', 'valid_from'), True),)
    db.create_tables([TaxRate])
    db.execute_sql('ALTER TABLE "order_review" ADD COLUMN "price_book_version" INTEGER')
    _switch_the_price_check_on(db)


def _switch_the_price_check_on(db):
    """A new version with "price" on; the untouched defaults no review has used yet are completed in place instead,
    so a new installation starts at version 1 with every rule."""
    rows = db.execute_sql('SELECT "id", "document_json", "created_by", "note" FROM "review_rule_set" '
                          'ORDER BY "id" DESC LIMIT 2').fetchall()
    if not rows:
        return
    newest_id, document_json, created_by, note = rows[0]
    document = json.loads(document_json)
    if "price" in document.get("enabled", []):
        return
    document["enabled"] = sorted([*document.get("enabled", []), "price"])
    document.setdefault("price_tolerance_percent", "0")
    text = json.dumps(document, sort_keys=True)
    unused = db.execute_sql('SELECT 1 FROM "order_review" LIMIT 1').fetchone() is None
    if len(rows) == 1 and (created_by, note) == ('system', 'defaults') and unused:
        db.execute_sql(f'UPDATE "review_rule_set" SET "document_json" = {db.param} WHERE "id" = {db.param}',
                       (text, newest_id))
        return
    db.execute_sql(f'INSERT INTO "review_rule_set" ("document_json", "created_by", "note", "created_at") '
                   f'VALUES ({db.param}, {db.param}, {db.param}, {db.param})',
                   (text, 'system', 'the price check joins the review rules',
                    datetime.now(timezone.utc).replace(tzinfo=None)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column('order_review', 'price_book_version'), migrator.drop_table('tax_rate'))
