import io

import pytest

from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.inventory.moves import adjust_stock, transfer_stock
from models.inventory.tables import Product, Stock, StockMovement, Warehouse
from models.partners.master_data import import_master_data
from schemas.master_data import ROW_SCHEMAS
from schemas.orders import order_schema
from tests.factories import make_world, order_body

ACTOR = "agent@relay.test"


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).first())
    return (row.on_hand, row.reserved) if row else None


def reserve(warehouse: str, sku: str, units: int) -> None:
    ids = Stock.select(Stock.id).join(Warehouse).switch(Stock).join(Product).where(
        Warehouse.code == warehouse, Product.sku == sku)
    Stock.update(reserved=units).where(Stock.id.in_(ids)).execute()


def movements() -> list[tuple]:
    rows = (StockMovement.select(StockMovement, Warehouse, Product).join(Warehouse).switch(StockMovement)
            .join(Product).order_by(StockMovement.id))
    return [(m.warehouse.code, m.product.sku, m.kind, m.quantity, m.reason_code, m.note, m.actor) for m in rows]


def allocation_nudges() -> list[int]:
    return [order_id for message in OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders")
            for order_id in message.args[0]]


def backordered_order(ref: str = "PO-1") -> int:
    order, created = place_order(order_schema.load(order_body(ref)), actor="test")
    assert created
    for status in ("approved", "backordered"):
        assert transition("order", order.id, status, actor="test")
    return order.id


def refused(call, *args, **kwargs) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call(*args, **kwargs)
    return caught.value.messages


# --- adjustments -------------------------------------------------------------------------------

def test_adjust_up_and_down_audits_every_change(any_db):
    make_world(on_hand=100)
    added = adjust_stock("EAST", "WIDGET", 12, reason_code="found", note="behind rack 4", actor=ACTOR)
    adjust_stock("EAST", "WIDGET", -5, reason_code="damaged", actor=ACTOR)
    assert stock("EAST", "WIDGET") == (107, 0)
    assert added.quantity == 12 and added.at is not None
    assert movements() == [("EAST", "WIDGET", "adjustment", 12, "found", "behind rack 4", ACTOR),
                           ("EAST", "WIDGET", "adjustment", -5, "damaged", "", ACTOR)]


def test_adjust_never_goes_below_what_is_reserved(any_db):
    make_world(on_hand=100)
    reserve("EAST", "WIDGET", 30)
    messages = refused(adjust_stock, "EAST", "WIDGET", -71, reason_code="shrinkage", actor=ACTOR)
    assert messages == {"quantity_change": [
        "EAST has 30 of 100 WIDGET reserved for orders; at most 70 can be taken away"]}
    assert stock("EAST", "WIDGET") == (100, 30) and movements() == []
    adjust_stock("EAST", "WIDGET", -70, reason_code="shrinkage", actor=ACTOR)
    assert stock("EAST", "WIDGET") == (30, 30)


def test_adjust_never_goes_below_zero(any_db):
    make_world(on_hand=10)
    messages = refused(adjust_stock, "WEST", "GADGET", -11, reason_code="cycle_count", actor=ACTOR)
    assert messages == {"quantity_change": ["WEST has only 10 GADGET on hand; cannot take 11"]}


def test_adjust_names_every_bad_field(any_db):
    make_world()
    messages = refused(adjust_stock, "NORTH", "NOPE", 0, reason_code="lost", note="x" * 501, actor=ACTOR)
    assert messages == {"quantity_change": ["must not be 0"], "reason_code": [
        "one of cycle_count, damaged, found, shrinkage, correction, received"],
        "note": ["text of at most 500 characters"], "warehouse": ["unknown warehouse 'NORTH'"],
        "sku": ["unknown SKU 'NOPE'"]}
    assert refused(adjust_stock, "EAST", "WIDGET", True, reason_code="found", actor=ACTOR) == {
        "quantity_change": ["a whole number of units"]}


@pytest.mark.parametrize("reason, change, message", [
    ("damaged", 3, "damaged can only take units away"),
    ("shrinkage", 1, "shrinkage can only take units away"),
    ("found", -2, "found can only add units"),
    ("received", -1, "received outside a purchase order can only add units"),
])
def test_one_way_reasons_refuse_the_other_direction(any_db, reason, change, message):
    make_world()
    assert refused(adjust_stock, "EAST", "WIDGET", change, reason_code=reason, actor=ACTOR) == {
        "quantity_change": [message]}


def test_adjust_creates_the_row_of_a_sku_new_to_the_warehouse(any_db):
    make_world()
    Warehouse.create(code="SOUTH", name="South DC", region="R3")
    assert refused(adjust_stock, "SOUTH", "WIDGET", -1, reason_code="correction", actor=ACTOR) == {
        "quantity_change": ["SOUTH holds no WIDGET to take away"]}
    assert stock("SOUTH", "WIDGET") is None
    adjust_stock("SOUTH", "WIDGET", 8, reason_code="received", actor=ACTOR)
    assert stock("SOUTH", "WIDGET") == (8, 0)


def test_adding_stock_nudges_backordered_orders_and_removing_does_not(any_db):
    make_world()
    waiting = backordered_order()
    adjust_stock("EAST", "WIDGET", -1, reason_code="damaged", actor=ACTOR)
    assert allocation_nudges() == []
    adjust_stock("EAST", "WIDGET", 4, reason_code="found", actor=ACTOR)
    assert allocation_nudges() == [waiting]


# --- transfers ---------------------------------------------------------------------------------

def test_transfer_moves_only_available_units(any_db):
    make_world(on_hand=100)
    reserve("EAST", "WIDGET", 30)
    assert refused(transfer_stock, "EAST", "WEST", "WIDGET", 71, reason_code="rebalance", actor=ACTOR) == {
        "quantity": ["only 70 WIDGET available in EAST (30 of 100 on hand are reserved for orders)"]}
    moved_out, moved_in = transfer_stock("EAST", "WEST", "WIDGET", 70, reason_code="rebalance", note="peak",
                                         actor=ACTOR)
    assert stock("EAST", "WIDGET") == (30, 30) and stock("WEST", "WIDGET") == (170, 0)
    assert moved_out.reference == moved_in.reference and moved_out.reference.startswith("TR-")
    assert movements() == [("EAST", "WIDGET", "transfer_out", -70, "rebalance", "peak", ACTOR),
                           ("WEST", "WIDGET", "transfer_in", 70, "rebalance", "peak", ACTOR)]


def test_transfer_into_a_warehouse_without_the_sku_creates_its_row(any_db):
    make_world(on_hand=20)
    Warehouse.create(code="SOUTH", name="South DC", region="R3")
    transfer_stock("WEST", "SOUTH", "GADGET", 5, reason_code="replenishment", actor=ACTOR)
    assert stock("WEST", "GADGET") == (15, 0) and stock("SOUTH", "GADGET") == (5, 0)
    assert refused(transfer_stock, "SOUTH", "EAST", "WIDGET", 1, reason_code="rebalance", actor=ACTOR) == {
        "quantity": ["SOUTH holds no WIDGET to transfer"]}


def test_transfer_names_bad_fields(any_db):
    make_world()
    assert refused(transfer_stock, "EAST", "EAST", "WIDGET", 0, reason_code="found", actor=ACTOR) == {
        "quantity": ["must be at least 1"], "reason_code": [
            "one of rebalance, replenishment, consolidation, correction"],
        "to_warehouse": ["must differ from from_warehouse"]}
    assert refused(transfer_stock, "", "NORTH", "NOPE", 1, reason_code="rebalance", actor=ACTOR) == {
        "from_warehouse": ["give a warehouse code"], "to_warehouse": ["unknown warehouse 'NORTH'"],
        "sku": ["unknown SKU 'NOPE'"]}
    assert movements() == []


def test_transfer_nudges_orders_waiting_for_the_sku(any_db):
    make_world()
    waiting = backordered_order()
    transfer_stock("WEST", "EAST", "GADGET", 3, reason_code="rebalance", actor=ACTOR)
    assert allocation_nudges() == [waiting]


# --- stock file import -------------------------------------------------------------------------

def test_stock_import_records_the_difference_and_nudges_backorders(any_db):
    make_world(on_hand=100)
    waiting = backordered_order()
    report = import_master_data("stock", io.StringIO("warehouse_code,sku,on_hand\nEAST,WIDGET,90\nWEST,WIDGET,100\n"),
                                row_schema=ROW_SCHEMAS["stock"])
    assert (report.created, report.updated, report.unchanged, report.errors) == (0, 1, 1, [])
    assert movements() == [("EAST", "WIDGET", "import", -10, "import", "", "stock import")]
    assert allocation_nudges() == []
    import_master_data("stock", io.StringIO("warehouse_code,sku,on_hand\nEAST,WIDGET,95\n"),
                       row_schema=ROW_SCHEMAS["stock"])
    assert stock("EAST", "WIDGET") == (95, 0)
    assert allocation_nudges() == [waiting]
