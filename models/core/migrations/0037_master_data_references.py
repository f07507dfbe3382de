"""PostgreSQL: the rows the pipeline writes for every order no longer lock the master data they name.

A foreign key check takes a FOR KEY SHARE lock on the referenced row for each row inserted. Every order's lines
name products, its reservations, shipments and stock movements name warehouses and stock rows, its invoice and
order name the customer: the same few rows, locked by every concurrent batch, so that PostgreSQL builds a shared
lock (a MultiXact) for each new locker. With these ten keys dropped, `oms bench pipeline` (5,000 orders, 2 × 4)
ran 566–674 orders/s against 437–505 in interleaved runs, and a 6,000-row insert of reservations took 35 ms
instead of 105–140 ms.

What the keys protected stays protected: master data is never deleted by the application, and a trigger on each
master table refuses to delete (or renumber) a row still named by one of those tables, as ON DELETE RESTRICT did,
with the same error (foreign_key_violation). The trigger first takes SHARE locks on the naming tables, so it waits
for every transaction writing them to finish and sees their rows: no insert can slip past it. That rare delete
pays what each insert paid before. `oms check` proves that every such row names a row that exists. The keys
inside an order (its lines, reservations, shipments, plans, reviews) stay: their parents are the batch's own rows.
SQLite keeps its keys (it has no shared row locks to contend on).
"""
from peewee import PostgresqlDatabase

# (table, column, master table): ON DELETE RESTRICT keys of rows written for every order.
REFERENCES = (
    ("order", "customer_id", "partner"),
    ("order_line", "product_id", "product"),
    ("reservation", "warehouse_id", "warehouse"),
    ("reservation", "stock_id", "stock"),
    ("shipment", "warehouse_id", "warehouse"),
    ("shipment", "supplier_id", "partner"),
    ("invoice", "customer_id", "partner"),
    ("order_review", "rule_set_id", "review_rule_set"),
    ("stock_movement", "product_id", "product"),
    ("stock_movement", "warehouse_id", "warehouse"),
)
TRIGGER = "keep_referenced_rows"


def _masters() -> dict[str, list[tuple[str, str]]]:
    masters: dict[str, list[tuple[str, str]]] = {}
    for table, column, master in REFERENCES:
        masters.setdefault(master, []).append((table, column))
    return masters


def _function(master: str) -> str:
    return f"keep_referenced_{master}"


def _guard(master: str, naming: list[tuple[str, str]]) -> str:
    """The trigger function for ``master`` (its %% doubled: the driver reads the text as a format string)."""
    tables = ", ".join(sorted({f'"{table}"' for table, _ in naming}))
    checks = "".join(f"""
  IF EXISTS (SELECT 1 FROM "{table}" WHERE "{column}" = OLD.id) THEN
    RAISE EXCEPTION '{master} %% is still referenced from {table}.{column}', OLD.id
      USING ERRCODE = 'foreign_key_violation';
  END IF;""" for table, column in naming)
    return f"""CREATE OR REPLACE FUNCTION "{_function(master)}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id = OLD.id THEN
    RETURN NEW;
  END IF;
  -- wait for every transaction writing the naming tables, so that their rows are seen below
  LOCK TABLE {tables} IN SHARE MODE;{checks}
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END $$"""


def _constraint(db, table: str, column: str, master: str) -> str | None:
    row = db.execute_sql(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
        "AND c.confrelid = %s::regclass AND a.attname = %s",
        (f'"{table}"', f'"{master}"', column)).fetchone()
    return row[0] if row else None


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for table, column, master in REFERENCES:
        name = _constraint(db, table, column, master)
        if name:
            db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for master, naming in _masters().items():
        db.execute_sql(_guard(master, naming))
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{TRIGGER}" ON "{master}"')
        db.execute_sql(f'CREATE TRIGGER "{TRIGGER}" BEFORE DELETE OR UPDATE OF id ON "{master}" '
                       f'FOR EACH ROW EXECUTE FUNCTION "{_function(master)}"()')


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for master in _masters():
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{TRIGGER}" ON "{master}"')
        db.execute_sql(f'DROP FUNCTION IF EXISTS "{_function(master)}"()')
    for table, column, master in REFERENCES:
        if not _constraint(db, table, column, master):
            db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_fkey" FOREIGN KEY ("{column}") '
                           f'REFERENCES "{master}" ("id") ON DELETE RESTRICT')
