"""Receiving purchase orders: units on hand, lines and order status updated, backorders woken, bad
receipts refused whole; matched against the shipping notice with discrepancies (short, over, damaged)."""
import threading
from datetime import date

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock, StockMovement, Warehouse
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.receipts import discrepancy, receive_purchase_order
from models.supply.tables import (
    AdvanceShippingNotice,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)
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
        {"WIDGET": 4, "GADGET": 0}, "partially_received")
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


# --- against shipping notices --------------------------------------------------------------------------------

def shipped(world, *lines, reference="ASN-1", number="PO-9001"):
    """The purchase order with a notice of ``lines`` (sku, units) in transit."""
    if not PurchaseOrder.select().where(PurchaseOrder.number == number).exists():
        purchase(world, number)
    return create_asn(number, supplier_id=None, lines=[AsnLineInput(*line) for line in lines], carrier="DHL",
                      tracking_number=f"T-{reference}", expected_on=date(2031, 1, 5), actor="sup", reference=reference)


def receipt_lines(number: str = "PO-9001") -> list[tuple]:
    return [(row.purchase_order_line.product.sku, row.announced_quantity, row.received_quantity,
             row.damaged_quantity, row.discrepancy)
            for row in PurchaseReceiptLine.select().join(PurchaseReceipt).join(PurchaseOrder)
            .where(PurchaseOrder.number == number).order_by(PurchaseReceiptLine.id)]


@pytest.mark.parametrize("announced, good, damaged, found", [
    (10, 10, 0, ""), (10, 8, 0, "short"), (10, 12, 0, "over"), (10, 9, 1, "damaged"), (10, 7, 1, "short,damaged"),
    (10, 10, 2, "over,damaged"), (None, 3, 0, ""), (None, 3, 1, "damaged"), (4, 0, 0, "short"),
])
def test_a_line_differs_from_its_notice_by_what_came_and_what_broke(announced, good, damaged, found):
    assert discrepancy(announced, good, damaged) == found


def test_a_short_receipt_against_the_only_notice_records_its_discrepancies(any_db):
    world = make_world(on_hand=0)
    asn = shipped(world, ("WIDGET", 10), ("GADGET", 5))
    moved = receive_purchase_order("PO-9001", {"WIDGET": 7}, damaged={"WIDGET": 1}, actor=ACTOR, note="pallet 2")
    assert [(m.product.sku, m.quantity) for m in moved] == [("WIDGET", 7)]
    assert on_hand(world, world["widget"]) == 7  # the damaged unit never goes on hand
    assert receipt_lines() == [("GADGET", 5, 0, 0, "short"), ("WIDGET", 10, 7, 1, "short,damaged")]
    receipt = PurchaseReceipt.get()
    assert (receipt.asn_id, receipt.actor, receipt.note) == (asn.id, ACTOR, "pallet 2")
    notice = AdvanceShippingNotice.get_by_id(asn.id)
    assert notice.status == "received" and notice.received_at is not None
    line = PurchaseOrderLine.get(PurchaseOrderLine.product == world["widget"])
    assert (line.received_quantity, line.damaged_quantity) == (7, 1)
    purchase = PurchaseOrder.get(PurchaseOrder.number == "PO-9001")
    assert purchase.status == "partially_received"
    change = StatusChange.trail("purchase_order", purchase.id).order_by(StatusChange.id.desc()).first()
    assert (change.from_status, change.to_status, change.actor) == ("shipped", "partially_received", ACTOR)
    assert "against ASN ASN-1" in change.reason


def test_an_over_delivery_within_the_order_is_taken_and_flagged(any_db):
    world = make_world(on_hand=0)
    shipped(world, ("WIDGET", 6))
    receive_purchase_order("PO-9001", {"WIDGET": 8}, actor=ACTOR)
    assert receipt_lines() == [("WIDGET", 6, 8, 0, "over")]
    assert on_hand(world, world["widget"]) == 8


def test_damaged_units_count_as_delivered_and_can_complete_the_order(any_db):
    world = make_world(on_hand=0)
    purchase(world)
    receive_purchase_order("PO-9001", {"WIDGET": 9, "GADGET": 5}, damaged={"WIDGET": 1}, actor=ACTOR)
    assert receipt_lines() == [("GADGET", None, 5, 0, ""), ("WIDGET", None, 9, 1, "damaged")]
    assert PurchaseOrder.get(PurchaseOrder.number == "PO-9001").status == "received"
    assert (on_hand(world, world["widget"]), on_hand(world, world["gadget"])) == (9, 5)


def test_only_damaged_units_of_a_line_is_a_receipt(any_db):
    world = make_world(on_hand=0)
    purchase(world)
    assert receive_purchase_order("PO-9001", {}, damaged={"GADGET": 2}, actor=ACTOR) == []
    assert receipt_lines() == [("GADGET", None, 0, 2, "damaged")]
    with pytest.raises(ValidationFailed) as beyond:
        receive_purchase_order("PO-9001", {"GADGET": 2}, damaged={"GADGET": 2}, actor=ACTOR)
    assert beyond.value.messages == {"lines.GADGET": ["only 3 of 5 are still to receive"]}


def test_the_order_is_received_against_what_the_supplier_confirmed(any_db):
    world = make_world(on_hand=0)
    purchase(world)
    confirm_purchase_order("PO-9001", [ConfirmationInput("WIDGET", 6, date(2031, 1, 5)),
                                       ConfirmationInput("GADGET", 0, None)], supplier_id=None, actor="sup")
    receive_purchase_order("PO-9001", {"WIDGET": 6}, actor=ACTOR)
    assert PurchaseOrder.get(PurchaseOrder.number == "PO-9001").status == "received"


def test_with_several_notices_in_transit_the_receipt_names_one_or_matches_none(any_db):
    world = make_world(on_hand=0)
    first = shipped(world, ("WIDGET", 4), reference="A")
    second = shipped(world, ("WIDGET", 6), reference="B")
    receive_purchase_order("PO-9001", {"WIDGET": 3}, actor=ACTOR)
    assert receipt_lines() == [("WIDGET", None, 3, 0, "")]
    receive_purchase_order("PO-9001", {"WIDGET": 6}, asn_id=second.id, actor=ACTOR)
    assert receipt_lines()[-1] == ("WIDGET", 6, 6, 0, "")
    assert [a.status for a in AdvanceShippingNotice.select().order_by(AdvanceShippingNotice.id)] == [
        "in_transit", "received"]
    assert PurchaseReceipt.select().where(PurchaseReceipt.asn == first.id).count() == 0


def test_a_retried_receipt_of_a_received_notice_is_refused_and_changes_nothing(any_db):
    world = make_world(on_hand=0)
    asn = shipped(world, ("WIDGET", 4))
    receive_purchase_order("PO-9001", {"WIDGET": 4}, asn_id=asn.id, actor=ACTOR)
    with pytest.raises(ValidationFailed) as again:
        receive_purchase_order("PO-9001", {"WIDGET": 4}, asn_id=asn.id, actor=ACTOR)
    assert again.value.messages == {"asn": ["shipping notice ASN-1 was already received"]}
    assert on_hand(world, world["widget"]) == 4 and PurchaseReceipt.select().count() == 1


def test_a_notice_of_another_order_is_refused(any_db):
    world = make_world(on_hand=0)
    purchase(world, "PO-OTHER")
    foreign = shipped(world, ("WIDGET", 1), number="PO-OTHER")
    purchase(world)
    with pytest.raises(ValidationFailed) as refused:
        receive_purchase_order("PO-9001", {"WIDGET": 1}, asn_id=foreign.id, actor=ACTOR)
    assert list(refused.value.messages) == ["asn"]
    assert StockMovement.select().count() == 0


def test_two_docks_receiving_one_notice_at_once_put_it_on_hand_once(pg_db):
    """The purchase order row is locked first: the second receipt waits, then finds the notice received."""
    world = make_world(on_hand=0)
    asn = shipped(world, ("WIDGET", 10))
    outcomes, start = [], threading.Barrier(2)

    def dock():
        with database.connection_context():
            start.wait()
            try:
                receive_purchase_order("PO-9001", {"WIDGET": 5}, asn_id=asn.id, actor=ACTOR)
                outcomes.append("received")
            except ValidationFailed as exc:
                outcomes.append(next(iter(exc.messages)))

    threads = [threading.Thread(target=dock) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["asn", "received"]
    assert on_hand(world, world["widget"]) == 5 and PurchaseReceipt.select().count() == 1
