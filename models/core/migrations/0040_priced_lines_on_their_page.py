"""PostgreSQL: room on each page for the one update every order line and every shipment gets without an indexed
column changing, so that update stays on its page ("HOT") and writes no index entry.

Migration 0032 left a fifth of each page free, but an update writes a whole new row version: a line is placed at
about 100 bytes and priced by review at about 490 (its price note as a template and values), so a fifth of a page
held the priced versions of two or three of the page's 60 lines and 96 % of the pricing updates went to another
page with a new entry in each of the lines' three indexes. At fill factor 15 a page takes 11 placed lines and
keeps 7 KB for their priced versions, which need 5.4 KB: every line the batch prices stays on its page, and the
table ends as large as before (the page holds 11 priced lines either way; before, the placed versions left dead
behind filled other pages). A shipment gets its carrier written once before its waybill is booked: at fill factor
50 every shipment has room for that version. Serial `oms bench pipeline` (20,000 orders, one worker thread, so a
statement's time is its CPU): the lines' pricing update 44.5 -> 19.1 us an order (HOT 4 % -> 99 %), the shipments'
carrier update 12.5 -> 5.9. The status updates change an indexed column and can never stay on their page.
"""
from peewee import PostgresqlDatabase

FILL_FACTORS = {"order_line": 15, "shipment": 50}
BEFORE = 80  # migration 0032's


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table, fill_factor in FILL_FACTORS.items():
            db.execute_sql(f'ALTER TABLE "{table}" SET (fillfactor = {fill_factor})')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for table in FILL_FACTORS:
            db.execute_sql(f'ALTER TABLE "{table}" SET (fillfactor = {BEFORE})')
