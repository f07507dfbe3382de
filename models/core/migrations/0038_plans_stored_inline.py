"""PostgreSQL: an order's allocation plan (about 2.3 KB of JSON) is stored as written, not compressed.

A row over PostgreSQL's TOAST threshold (~2 KB) has its long values compressed with pglz before it is stored, and
every plan the allocation stage writes crossed it: each order paid a compression on insert and a decompression
whenever its plan is shown. With toast_tuple_target at 4,080 bytes (the most a row of an 8 KB page may take) a plan
stays inline and uncompressed; a rare larger one is still compressed. The table is written once per order and read
one row at a time, so its pages holding three plans instead of eight costs nothing that is read in bulk.
"""
from peewee import PostgresqlDatabase

TABLE = "order_allocation_plan"
TARGET = 4080  # bytes: the largest toast_tuple_target PostgreSQL accepts for 8 KB pages


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{TABLE}" SET (toast_tuple_target = {TARGET})')


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(f'ALTER TABLE "{TABLE}" RESET (toast_tuple_target)')
