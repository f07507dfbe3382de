"""Receiving purchase orders: units on hand, lines and order status updated, backorders woken, bad
receipts refused whole."""
import pytest

from models.core.errors import NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock, StockMovement, Warehouse
from models.supply.receipts import receive_purchase_order
from models.supply.tables import PurchaseOrder, PurchaseOrderLine
from schemas.orders import order_schema
from tests.factories import make_world, order_body

ACTOR = "dock@relay.test"


def purchase(world, number="PO-9001", *, dropship=False, status="sent", widgets=10, gadgets=5) -> PurchaseOrder:
    order = PurchaseOrder.create(number=number, supplier=world["supplier"], status=status, dropship=dropship,
                                 warehouse=None if dropship else world["east"])
    PurchaseOrderLine.create(purchase_order=order, product=world["widget"], quantity=widgets)
    PurchaseOrderLine.create(purchase_order=order, product=world["gadget"], quantity=gadgets)
    return order


def on_hand(world, product) -> int:
    return Stock.get(Stock.warehouse == world["east"], Stock.product == product).on_hand


def received(number: str) -> dict[str, int]:
    return {line.product.sku: line.received_quantity for line in PurchaseOrderLine.select(
        PurchaseOrderLine, Product).join(Product).switch(PurchaseOrderLine).join(PurchaseOrder)
        .where(PurchaseOrder.number == number)}


def test_a_partial_then_a_full_receipt_put_units_on_hand_and_close_the_order(any_db):
    world = make_world(on_hand=0)
    purchase(world)
    moved = receive_purchase_order("PO-9001", {"WIDGET": 4}, actor=ACTOR)
    assert [(m.kind, m.quantity, m.reason_code, m.reference, m.actor) for m in moved] == [
        ("receipt", 4, "purchase_order", "PO-9001", ACTOR)]
    assert on_hand(world, world["widget"]) == 4
    assert (received("PO-9001"), PurchaseOrder.get(PurchaseOrder.number == "PO-9001").status) == (
        {"WIDGET": 4, "GADGET": 0}, "sent")
    receive_purchase_order("PO-9001", {"WIDGET": 6, "GADGET": 5}, actor=ACTOR)
    assert (on_hand(world, world["widget"]), on_hand(world, world["gadget"])) == (10, 5)
    assert PurchaseOrder.get(PurchaseOrder.number == "PO-9001").status == "received"
    with pytest.raises(ValidationFailed) as refused:
        receive_purchase_order("PO-9001", {"WIDGET": 1}, actor=ACTOR)
    assert "PO-9001 is received" in refused.value.messages["number"][0]


def test_receiving_stock_wakes_the_orders_waiting_for_it(any_db):
    world = make_world(on_hand=0)
    purchase(world)
    order, _ = place_order(order_schema.load(order_body("WAITING-1")), actor="test")
    for status in ("reviewing", "approved", "backordered"):
        transition("order", order.id, status, actor="test")
    OutboxMessage.delete().execute()
    receive_purchase_order("PO-9001", {"WIDGET": 2}, actor=ACTOR)
    assert [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders")] == [
        [[order.id]]]


@pytest.mark.parametrize("quantities, field", [
    ({"WIDGET": 11}, "lines.WIDGET"),  # more than ordered
    ({"BOLT": 1}, "lines.BOLT"),  # not on the order
    ({"WIDGET": 0}, "lines.WIDGET"),
])
def test_a_bad_receipt_is_refused_whole(any_db, quantities, field):
    world = make_world(on_hand=0)
    purchase(world)
    with pytest.raises(ValidationFailed) as refused:
        receive_purchase_order("PO-9001", {"GADGET": 1, **quantities}, actor=ACTOR)
    assert field in refused.value.messages
    assert StockMovement.select().count() == 0 and on_hand(world, world["gadget"]) == 0
    assert received("PO-9001") == {"WIDGET": 0, "GADGET": 0}


def test_drop_ship_and_unknown_orders_are_not_received(any_db):
    world = make_world(on_hand=0)
    purchase(world, "DS-1", dropship=True)
    purchase(world)
    with pytest.raises(ValidationFailed) as refused:
        receive_purchase_order("DS-1", {"WIDGET": 1}, actor=ACTOR)
    assert "drop-ship" in refused.value.messages["number"][0]
    with pytest.raises(ValidationFailed) as empty:
        receive_purchase_order("PO-9001", {}, actor=ACTOR)
    assert empty.value.messages == {"lines": ["give at least one SKU and quantity"]}
    with pytest.raises(NotFound):
        receive_purchase_order("PO-NONE", {"WIDGET": 1}, actor=ACTOR)
    assert Warehouse.select().count() == 2
