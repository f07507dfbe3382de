"""Migration 0037: on PostgreSQL the rows written for every order no longer lock the master data they name, and a
trigger on each master table refuses to delete (or renumber) a row still named, as ON DELETE RESTRICT did, even
while a transaction naming it is still open."""
import importlib
import threading
import time
from decimal import Decimal

import peewee
import psycopg2
import pytest

from models.core.db import database
from models.invariants import references_name_existing_rows
from models.inventory.tables import Product, StockMovement, Warehouse


def make_warehouse(code: str) -> Warehouse:
    return Warehouse.create(code=code, name=f"{code} DC", region="R1", address="1 Road")


def make_product(sku: str) -> Product:
    return Product.create(sku=sku, name=sku, unit_price=Decimal("10.00"), weight_kg=Decimal("0.5"))

MIGRATION = importlib.import_module("models.core.migrations.0037_master_data_references")


def _foreign_keys(table: str) -> set[str]:
    """"parent.column" for each foreign key of ``table``, names unquoted (PostgreSQL quotes "order")."""
    if isinstance(database.obj, peewee.SqliteDatabase):
        return {row[2] + "." + row[3] for row in database.execute_sql(f'PRAGMA foreign_key_list("{table}")')}
    return {master.strip('"') + "." + column for master, column in database.execute_sql(
        "SELECT c.confrelid::regclass::text, a.attname FROM pg_constraint c JOIN pg_attribute a "
        "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) WHERE c.contype = 'f' AND c.conrelid = %s::regclass",
        (f'"{table}"',)).fetchall()}


def _movement(warehouse_id: int, product_id: int) -> dict:
    return {"warehouse": warehouse_id, "product": product_id, "kind": "adjustment", "quantity": 1,
            "reason_code": "count", "reference": "test", "actor": "test"}


def test_postgresql_drops_the_keys_to_master_data(pg_db):
    # the keys inside an order went too, for triggers checking them per statement (test_order_row_references)
    assert "product.product_id" not in _foreign_keys("order_line")
    assert _foreign_keys("reservation") == set()
    assert "warehouse.warehouse_id" not in _foreign_keys("shipment")
    assert _foreign_keys("stock_movement") == set()


def test_sqlite_keeps_its_keys(db):
    assert {"product.product_id", "warehouse.warehouse_id"} <= _foreign_keys("stock_movement")


def test_a_named_master_row_cannot_be_deleted_or_renumbered_and_an_unnamed_one_can(pg_db):
    warehouse, product, spare = make_warehouse("W1"), make_product("SKU-1"), make_product("SKU-2")
    StockMovement.create(**_movement(warehouse.id, product.id))
    for statement in (Product.delete().where(Product.id == product.id),
                      Warehouse.delete().where(Warehouse.id == warehouse.id),
                      Product.update(id=product.id + 1000).where(Product.id == product.id)):
        with pytest.raises(peewee.IntegrityError, match="still referenced from stock_movement"):
            with database.atomic():
                statement.execute()
    assert Product.delete().where(Product.id == spare.id).execute() == 1
    assert Product.update(sku="SKU-1B").where(Product.id == product.id).execute() == 1  # not its id: allowed


def test_a_delete_waits_for_an_open_transaction_naming_the_row_and_then_refuses(pg_db, postgres_url):
    warehouse, product = make_warehouse("W1"), make_product("SKU-1")
    naming = psycopg2.connect(postgres_url)
    deleting = psycopg2.connect(postgres_url)
    outcome: dict = {}
    try:
        with naming.cursor() as cur:  # open, not committed: the row naming the warehouse is not visible yet
            cur.execute('INSERT INTO "stock_movement" ("warehouse_id", "product_id", "kind", "quantity", '
                        '"reason_code", "note", "reference", "actor", "at") '
                        "VALUES (%s, %s, 'adjustment', 1, 'count', '', 'test', 'test', now())",
                        (warehouse.id, product.id))

        def delete() -> None:
            try:
                with deleting.cursor() as cur:
                    cur.execute('DELETE FROM "warehouse" WHERE "id" = %s', (warehouse.id,))
                deleting.commit()
                outcome["deleted"] = True
            except psycopg2.Error as exc:
                deleting.rollback()
                outcome["error"] = exc

        thread = threading.Thread(target=delete)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive() and not outcome  # waiting for the naming transaction
        naming.commit()
        thread.join(10)
    finally:
        naming.close()
        deleting.close()
    assert isinstance(outcome.get("error"), psycopg2.errors.ForeignKeyViolation), outcome
    assert Warehouse.get_or_none(Warehouse.id == warehouse.id) is not None


def test_down_restores_the_keys_and_up_drops_them_again(pg_db):
    MIGRATION.down(None, database.obj)
    assert _foreign_keys("stock_movement") == {"product.product_id", "warehouse.warehouse_id"}
    with pytest.raises(peewee.IntegrityError):
        with database.atomic():
            StockMovement.insert(**_movement(987654, 987654)).execute()
    MIGRATION.up(None, database.obj)
    assert _foreign_keys("stock_movement") == set()


def test_oms_check_names_a_row_that_names_missing_master_data(pg_db):
    warehouse, product = make_warehouse("W1"), make_product("SKU-1")
    StockMovement.create(**_movement(warehouse.id, product.id))
    assert references_name_existing_rows() == []
    orphan = StockMovement.create(**_movement(warehouse.id, 987654))
    assert references_name_existing_rows() == [
        f"stock_movement {orphan.id}: product_id 987654 names no product"]
