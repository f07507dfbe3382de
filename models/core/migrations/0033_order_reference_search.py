"""PostgreSQL: the trigram index that finds an order by any fragment of its reference moves off the order table.

An order row gets a new version at each status it reaches (approved, allocated, shipped, …), and a status change
cannot stay on its page (the status is indexed), so every version added its reference's trigrams to the GIN index
again: the most expensive index write of the pipeline (about 7 % of its CPU, measured by dropping it). The
reference is written once, at placement: ``order_reference`` keeps it beside the order id, filled by a trigger at
the insert of the orders (one statement per INSERT statement, whatever path writes them: intake, API, file import,
backorders) and kept when a reference is corrected. The order list searches it (models.orders.order_list).

Where pg_trgm could not be created (migration 0015 fell back to a prefix index), nothing changes. SQLite: nothing.
"""
from peewee import PostgresqlDatabase

TABLE = "order_reference"
INDEX = "order_reference_trgm"
OLD_INDEX = "order_external_ref_trgm"
ADD_FUNCTION, ADD_TRIGGER = "oms_order_reference_add", "order_reference_add"
FIX_FUNCTION, FIX_TRIGGER = "oms_order_reference_fix", "order_reference_fix"

STATEMENTS = (
    f'CREATE TABLE "{TABLE}" ("order_id" INTEGER PRIMARY KEY REFERENCES "order" ("id") ON DELETE CASCADE, '
    '"external_ref" VARCHAR(128) NOT NULL)',
    f'INSERT INTO "{TABLE}" ("order_id", "external_ref") SELECT "id", "external_ref" FROM "order"',
    f'CREATE INDEX "{INDEX}" ON "{TABLE}" USING gin ("external_ref" gin_trgm_ops)',
    f"CREATE FUNCTION {ADD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f'INSERT INTO "{TABLE}" ("order_id", "external_ref") SELECT "id", "external_ref" FROM added; '
    "RETURN NULL; END $$",
    f'CREATE TRIGGER {ADD_TRIGGER} AFTER INSERT ON "order" REFERENCING NEW TABLE AS added '
    f"FOR EACH STATEMENT EXECUTE FUNCTION {ADD_FUNCTION}()",
    f"CREATE FUNCTION {FIX_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f'UPDATE "{TABLE}" SET "external_ref" = NEW."external_ref" WHERE "order_id" = NEW."id"; '
    "RETURN NULL; END $$",
    # A column list: the pipeline's status updates never name the reference, so this trigger never fires for them.
    f'CREATE TRIGGER {FIX_TRIGGER} AFTER UPDATE OF "external_ref" ON "order" FOR EACH ROW '
    f'WHEN (OLD."external_ref" IS DISTINCT FROM NEW."external_ref") EXECUTE FUNCTION {FIX_FUNCTION}()',
    f'DROP INDEX "{OLD_INDEX}"',
)


def _has_index(db, name: str) -> bool:
    return db.execute_sql("SELECT 1 FROM pg_indexes WHERE indexname = %s", (name,)).fetchone() is not None


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase) or not _has_index(db, OLD_INDEX):
        return
    for statement in STATEMENTS:
        db.execute_sql(statement)


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase) or not _has_index(db, INDEX):
        return
    db.execute_sql(f'CREATE INDEX "{OLD_INDEX}" ON "order" USING gin ("external_ref" gin_trgm_ops)')
    db.execute_sql(f'DROP TRIGGER IF EXISTS {ADD_TRIGGER} ON "order"')
    db.execute_sql(f'DROP TRIGGER IF EXISTS {FIX_TRIGGER} ON "order"')
    db.execute_sql(f"DROP FUNCTION IF EXISTS {ADD_FUNCTION}()")
    db.execute_sql(f"DROP FUNCTION IF EXISTS {FIX_FUNCTION}()")
    db.execute_sql(f'DROP TABLE IF EXISTS "{TABLE}"')
