"""PostgreSQL: the references between an order's own rows are checked once per statement, not once per row.

A foreign key runs, for every row inserted, a query that looks its parent up and locks it FOR KEY SHARE (a write
to the parent's page and a WAL record). An order's lines, reservations, shipment and its lines, waybill, invoice,
review, plan, reference and shipped event made some 22 such checks an order: with these twelve keys replaced,
`oms bench pipeline` (20,000 orders, 2 x 4, three pairs interleaved) ran its PostgreSQL backends at 0.45-0.47 ms an
order against 0.49-0.50 with the keys, and a COPY of 30,000 shipment lines took 103-132 ms against 238-260 (62-72
with no check at all).

What the keys protected stays protected:
- an insert naming a parent that does not exist is refused at the end of its statement, as a key did, with the
  same error (foreign_key_violation): an AFTER INSERT trigger per statement looks the statement's new rows up
  against their parents in one anti-join, without locking them;
- changing such a column to a parent that does not exist is refused by a row trigger (UPDATE OF the column only,
  so the pipeline's status updates do not fire it);
- deleting a parent deletes the rows that named it ON DELETE CASCADE and is refused while a row named it ON DELETE
  RESTRICT, by a trigger on the parent, as the keys did; renumbering a named parent is refused.
What the keys' row locks added is kept by the application's protocol: every step that writes an order's rows locks
the order first, and lines are deleted only under that lock; orders and shipments are never deleted by the
application. `oms check` proves every such row names a parent that exists. SQLite keeps its keys.
"""
from peewee import PostgresqlDatabase

# (child table, column, parent table, ON DELETE of the key it replaces): the keys of rows written for every order.
REFERENCES = (
    ("order_line", "order_id", "order", "CASCADE"),
    ("reservation", "order_line_id", "order_line", "CASCADE"),
    ("shipment", "order_id", "order", "CASCADE"),
    ("shipment_line", "shipment_id", "shipment", "CASCADE"),
    ("shipment_line", "order_line_id", "order_line", "RESTRICT"),
    ("waybill", "shipment_id", "shipment", "CASCADE"),
    ("invoice", "order_id", "order", "RESTRICT"),
    ("order_review", "order_id", "order", "CASCADE"),
    ("order_allocation_plan", "order_id", "order", "CASCADE"),
    ("order_reference", "order_id", "order", "CASCADE"),
    ("shipment_event", "order_id", "order", "CASCADE"),
    ("shipment_event", "shipment_id", "shipment", "CASCADE"),
)
# A parent's cascades run in this order: an order's shipments (and so their lines) go before its lines, whose
# RESTRICT on shipment lines would otherwise refuse the delete.
PARENTS = ("shipment", "order_line", "order")
INSERTED = "check_parents_inserted"
CHANGED = "check_parents_changed"
DELETED = "keep_order_rows_consistent"


def _children(parent: str, references: list[tuple[str, str, str, str]]) -> list[tuple[str, str, str]]:
    return [(child, column, action) for child, column, named, action in references if named == parent]


def _columns(child: str) -> list[tuple[str, str]]:
    return [(column, parent) for table, column, parent, _ in REFERENCES if table == child]


def _refuse(child: str, column: str, parent: str, value: str) -> str:
    return (f"RAISE EXCEPTION 'insert or update on table \"{child}\" violates the reference {column} to {parent}: "
            f"{parent} %% does not exist', {value} USING ERRCODE = 'foreign_key_violation';")


def _inserted_function(child: str) -> str:
    """Refuse a statement whose new rows name a missing parent: one anti-join per reference, no row locked."""
    checks = "".join(f"""
  SELECT n."{column}" INTO missing FROM new_rows n
   WHERE n."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = n."{column}") LIMIT 1;
  IF FOUND THEN
    {_refuse(child, column, parent, "missing")}
  END IF;""" for column, parent in _columns(child))
    return f"""CREATE OR REPLACE FUNCTION "{INSERTED}_{child}"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  missing integer;
BEGIN{checks}
  RETURN NULL;
END $$"""


def _changed_function(child: str) -> str:
    checks = "".join(f"""
  IF NEW."{column}" IS DISTINCT FROM OLD."{column}" AND NEW."{column}" IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = NEW."{column}") THEN
    {_refuse(child, column, parent, f'NEW."{column}"')}
  END IF;""" for column, parent in _columns(child))
    return f"""CREATE OR REPLACE FUNCTION "{CHANGED}_{child}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{checks}
  RETURN NEW;
END $$"""


def _still_named(parent: str, children: list[tuple[str, str, str]]) -> str:
    return "".join(f"""
  IF EXISTS (SELECT 1 FROM "{child}" WHERE "{column}" = OLD.id) THEN
    RAISE EXCEPTION 'update or delete on table "{parent}" violates the reference from {child}.{column}: '
      '{parent} %% is still named', OLD.id USING ERRCODE = 'foreign_key_violation';
  END IF;""" for child, column, _ in children)


def _deleted_function(parent: str, references: list[tuple[str, str, str, str]]) -> str:
    """Refuse renumbering a named parent; on delete, refuse while a RESTRICT row names it, then cascade."""
    children = _children(parent, references)
    first = sorted((child for child in children if child[2] == "CASCADE"),
                   key=lambda child: PARENTS.index(child[0]) if child[0] in PARENTS else -1)
    cascades = "".join(f"""
  DELETE FROM "{child}" WHERE "{column}" = OLD.id;""" for child, column, _ in first)
    return f"""CREATE OR REPLACE FUNCTION "{DELETED}_{parent}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF NEW.id = OLD.id THEN
      RETURN NEW;
    END IF;{_still_named(parent, children)}
    RETURN NEW;
  END IF;{_still_named(parent, [child for child in children if child[2] == "RESTRICT"])}{cascades}
  RETURN OLD;
END $$"""


def _constraint(db, table: str, column: str, parent: str) -> str | None:
    row = db.execute_sql(
        "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid "
        "AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass "
        "AND c.confrelid = %s::regclass AND a.attname = %s",
        (f'"{table}"', f'"{parent}"', column)).fetchone()
    return row[0] if row else None


def _present(db) -> list[tuple[str, str, str, str]]:
    """The references whose table exists (``order_reference`` only where migration 0033 could use pg_trgm)."""
    return [reference for reference in REFERENCES
            if db.execute_sql("SELECT to_regclass(%s)", (f'"{reference[0]}"',)).fetchone()[0] is not None]


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    references = _present(db)
    for table, column, parent, _ in references:
        name = _constraint(db, table, column, parent)
        if name:
            db.execute_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    for child in dict.fromkeys(table for table, _, _, _ in references):
        columns = ", ".join(f'"{column}"' for column, _ in _columns(child))
        db.execute_sql(_inserted_function(child))
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{INSERTED}" ON "{child}"')
        db.execute_sql(f'CREATE TRIGGER "{INSERTED}" AFTER INSERT ON "{child}" REFERENCING NEW TABLE AS new_rows '
                       f'FOR EACH STATEMENT EXECUTE FUNCTION "{INSERTED}_{child}"()')
        db.execute_sql(_changed_function(child))
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{CHANGED}" ON "{child}"')
        db.execute_sql(f'CREATE TRIGGER "{CHANGED}" BEFORE UPDATE OF {columns} ON "{child}" '
                       f'FOR EACH ROW EXECUTE FUNCTION "{CHANGED}_{child}"()')
    for parent in PARENTS:
        db.execute_sql(_deleted_function(parent, references))
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{DELETED}" ON "{parent}"')
        db.execute_sql(f'CREATE TRIGGER "{DELETED}" BEFORE DELETE OR UPDATE OF id ON "{parent}" '
                       f'FOR EACH ROW EXECUTE FUNCTION "{DELETED}_{parent}"()')


def down(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for parent in PARENTS:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{DELETED}" ON "{parent}"')
        db.execute_sql(f'DROP FUNCTION IF EXISTS "{DELETED}_{parent}"()')
    references = _present(db)
    for child in dict.fromkeys(table for table, _, _, _ in references):
        for trigger in (INSERTED, CHANGED):
            db.execute_sql(f'DROP TRIGGER IF EXISTS "{trigger}" ON "{child}"')
            db.execute_sql(f'DROP FUNCTION IF EXISTS "{trigger}_{child}"()')
    for table, column, parent, action in references:
        if not _constraint(db, table, column, parent):
            db.execute_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_fkey" FOREIGN KEY ("{column}") '
                           f'REFERENCES "{parent}" ("id") ON DELETE {action}')
