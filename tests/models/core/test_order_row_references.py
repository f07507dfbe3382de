"""Migration 0039: on PostgreSQL the references between an order's own rows are checked once per statement by
triggers instead of once per row by foreign keys; an insert or change naming a missing parent is still refused,
and deleting a parent still cascades or is refused as the keys did."""
import importlib

import peewee
import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.invariants import references_name_existing_rows
from models.orders.tables import Order, OrderLine, Reservation
from models.receivables.ledger import Invoice
from models.shipping.tables import Shipment, ShipmentLine, Waybill
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, book_waybills, make_world, order_body
from tests.models.core.test_master_data_references import _foreign_keys

MIGRATION = importlib.import_module("models.core.migrations.0039_order_row_references")


def shipped_order(ref: str = "PO-1") -> Order:
    order, _ = place_order(order_schema.load(order_body(ref)), actor="test")
    book_waybills(order)
    return Order.get_by_id(order.id)


def _refused(statement, match: str) -> None:
    with pytest.raises(peewee.IntegrityError, match=match):
        with database.atomic():
            statement.execute()


def test_postgresql_checks_an_orders_rows_by_trigger_not_by_keys(pg_db):
    for child, column, parent, _ in MIGRATION.REFERENCES:
        assert f"{parent}.{column}" not in _foreign_keys(child), (child, column)


def test_sqlite_keeps_its_keys(db):
    assert any(key.startswith("order.") for key in _foreign_keys("order_line"))
    assert any(key.startswith("shipment.") for key in _foreign_keys("shipment_line"))


def test_a_statement_naming_a_missing_parent_is_refused_whole(pg_db):
    make_world()
    order = shipped_order()
    shipment = Shipment.get(Shipment.order == order.id)
    line = OrderLine.select().where(OrderLine.order == order.id).first()
    _refused(ShipmentLine.insert(shipment=987654, order_line=line.id, quantity=1), "shipment 987654 does not exist")
    _refused(ShipmentLine.insert(shipment=shipment.id, order_line=987653, quantity=1),
             "order_line 987653 does not exist")
    good, bad = ({"order": order_id, "line_no": 99, "product": line.product_id, "sku": line.sku, "quantity": 1,
                  "unit_price": 1, "line_total": 1} for order_id in (order.id, 987652))
    _refused(OrderLine.insert_many([good, bad]), "order 987652 does not exist")
    assert OrderLine.select().where(OrderLine.line_no == 99).count() == 0


def test_a_reference_changed_to_a_missing_parent_is_refused_and_to_an_existing_one_allowed(pg_db):
    make_world()
    allow_repeat_orders()
    first, second = shipped_order("PO-1"), shipped_order("PO-2")
    invoice = Invoice.get(Invoice.order == first.id)
    _refused(Invoice.update(order=987654).where(Invoice.id == invoice.id), "order 987654 does not exist")
    waybill = Waybill.get(Waybill.shipment == Shipment.get(Shipment.order == first.id).id)
    _refused(Waybill.update(shipment=987654).where(Waybill.id == waybill.id), "shipment 987654 does not exist")
    other_shipment = Shipment.get(Shipment.order == second.id)
    assert Shipment.update(order=second.id).where(Shipment.id == other_shipment.id).execute() == 1


def test_deleting_a_parent_cascades_or_is_refused_as_the_keys_did(pg_db):
    make_world()
    order = shipped_order()
    line_ids = [line.id for line in OrderLine.select().where(OrderLine.order == order.id)]
    shipment_ids = [shipment.id for shipment in Shipment.select().where(Shipment.order == order.id)]
    # an order line still shipped refuses its delete (RESTRICT); renumbering a named parent is refused
    _refused(OrderLine.delete().where(OrderLine.id == line_ids[0]), "still named")
    _refused(Order.update(id=order.id + 100000).where(Order.id == order.id), "still named")
    # the invoice names the order (RESTRICT): refused; without it, the order takes its rows along (CASCADE)
    _refused(Order.delete().where(Order.id == order.id), "invoice.order_id")
    with database.atomic():
        Invoice.delete().where(Invoice.order == order.id).execute()
        assert Order.delete().where(Order.id == order.id).execute() == 1
    assert OrderLine.select().where(OrderLine.id.in_(line_ids)).count() == 0
    assert Shipment.select().where(Shipment.id.in_(shipment_ids)).count() == 0
    assert ShipmentLine.select().where(ShipmentLine.shipment.in_(shipment_ids)).count() == 0
    assert Waybill.select().where(Waybill.shipment.in_(shipment_ids)).count() == 0
    assert Reservation.select().where(Reservation.order_line.in_(line_ids)).count() == 0
    assert references_name_existing_rows() == []


def test_down_restores_the_keys_and_up_replaces_them_again(pg_db):
    MIGRATION.down(None, database.obj)
    assert {"shipment.shipment_id", "order_line.order_line_id"} <= _foreign_keys("shipment_line")
    MIGRATION.up(None, database.obj)
    assert _foreign_keys("shipment_line") == set()


def test_oms_check_names_a_row_whose_parent_is_missing(pg_db):
    make_world()
    order = shipped_order()
    assert references_name_existing_rows() == []
    held = Reservation.select().join(OrderLine).where(OrderLine.order == order.id).first()
    with database.atomic():  # as a writer that bypasses the triggers would leave it
        database.execute_sql("SET LOCAL session_replication_role = replica")
        orphan = Reservation.create(order_line=987654, warehouse=held.warehouse_id, stock=held.stock_id, quantity=1)
    assert references_name_existing_rows() == [f"reservation {orphan.id}: order_line_id 987654 names no order_line"]
