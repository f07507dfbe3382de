"""The order list searches references and customer names by any fragment: on PostgreSQL through trigram GIN indexes
(pg_trgm, a trusted extension the database owner may create); where the extension cannot be created, a pattern
index lets a reference be found by its beginning, and the list then searches by prefix (models.orders.order_list).
A partial (status, id) index of the open statuses answers "the newest orders on hold" (or in any working status)
from a few thousand entries: the closed bulk (shipped, delivered, cancelled, rejected) is left out, so the pipeline
writes it only while an order is open, and a page of a closed status is found by walking the table newest first.
SQLite, the embedded default, cannot use it (its planner does not derive `status = x` ⇒ `status NOT IN (…)`)
and searches with plain LIKE: it gets nothing here."""
import logging

from peewee import DatabaseError, PostgresqlDatabase

logger = logging.getLogger("oms.migrate")

TRIGRAM_INDEXES = (
    'CREATE INDEX IF NOT EXISTS "order_external_ref_trgm" ON "order" USING gin ("external_ref" gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS "partner_name_trgm" ON "partner" USING gin ("name" gin_trgm_ops)',
    'CREATE INDEX IF NOT EXISTS "partner_code_trgm" ON "partner" USING gin ("code" gin_trgm_ops)',
)
OPEN_STATUS_INDEX = ('CREATE INDEX IF NOT EXISTS "order_open_status_id" ON "order" ("status", "id") '
                     "WHERE \"status\" NOT IN ('shipped', 'delivered', 'cancelled', 'rejected')")
PREFIX_INDEX = ('CREATE INDEX IF NOT EXISTS "order_external_ref_prefix" '
                'ON "order" ("external_ref" varchar_pattern_ops)')


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    db.execute_sql(OPEN_STATUS_INDEX)
    try:
        with db.atomic():  # a savepoint: a refused extension leaves the migration's transaction usable
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        logger.warning("pg_trgm could not be created (%s); order references will be searched by prefix",
                       str(exc).strip())
        db.execute_sql(PREFIX_INDEX)
        return
    for statement in TRIGRAM_INDEXES:
        db.execute_sql(statement)


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for name in ("order_open_status_id", "order_external_ref_trgm", "partner_name_trgm", "partner_code_trgm",
                 "order_external_ref_prefix"):
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    # The extension stays: other schemas may use it, and it costs nothing unused.
