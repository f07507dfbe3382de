from datetime import datetime
from decimal import Decimal

import pytest

from models.core.errors import NotFound, ValidationFailed
from models.core.transitions import transition
from models.intake.entry import place_order
from models.inventory.tables import Warehouse
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import OrderLine
from models.shipping.dispatch import record_waybill
from models.shipping.documents import PickNeed, dispatch_note_data, pick_list_data
from models.shipping.tables import Shipment, ShipmentLine, Waybill
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

ACTOR = "worker:test"


@pytest.fixture
def world(db):
    world = make_world()
    allow_repeat_orders()  # identical bodies on purpose: the documents, not the review, are under test
    return world


def shipment_for(ref: str, lines: list[dict] | None = None, *, waybill: str | None = None) -> int:
    """Place, review, allocate and ship ``ref`` the way the pipeline stages do, without workers."""
    order, created = place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")
    assert created
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    (shipment_id,) = create_shipments(order.id, actor=ACTOR)
    if waybill:
        request_waybill(shipment_id)
        assert record_waybill(shipment_id, waybill_number=waybill, tracking_url="", actor=ACTOR)
    return shipment_id


def request_waybill(shipment_id: int) -> None:
    """The ``requested`` row the carrier stage commits before it calls the carrier."""
    Waybill.create(shipment=shipment_id, carrier="sandbox", idempotency_key=f"key-{shipment_id}")


# --- dispatch note ---------------------------------------------------------------------------------

def test_dispatch_note_carries_addresses_references_lines_and_weights(world):
    shipment_id = shipment_for("PO-NOTE", waybill="SBX0000000042")
    note = dispatch_note_data(shipment_id)
    order = Shipment.get_by_id(shipment_id).order
    assert (note.shipment_id, note.shipment_ref, note.order_id, note.order_ref) == (
        shipment_id, f"S{shipment_id}", order.id, "PO-NOTE")
    assert (note.wave, note.status, note.carrier, note.service_level) == (1, "dispatched", "sandbox", "standard")
    assert note.waybill_number == "SBX0000000042"
    assert (note.ship_from.code, note.ship_from.name, note.ship_from.address) == ("EAST", "East DC", "1 East Road")
    assert (note.ship_to.name, note.ship_to.postcode, note.ship_to.city, note.ship_to.country) == (
        "Ada Buyer", "12345", "Springfield", "US")
    assert [(ln.line_no, ln.sku, ln.product_name, ln.quantity, ln.unit_weight_kg, ln.line_weight_kg)
            for ln in note.lines] == [(1, "WIDGET", "Widget", 2, Decimal("0.5"), Decimal("1.0")),
                                      (2, "GADGET", "Gadget", 1, Decimal("1.2"), Decimal("1.2"))]
    assert note.total_weight_kg == Decimal("2.2") == Shipment.get_by_id(shipment_id).weight_kg
    assert (note.total_quantity, note.parcels) == (3, 1)
    assert isinstance(note.printed_at, datetime) and note.printed_at.tzinfo is None  # UTC, as stored


def test_waybill_number_is_none_until_the_waybill_is_issued(world):
    shipment_id = shipment_for("PO-PENDING")
    assert dispatch_note_data(shipment_id).waybill_number is None
    request_waybill(shipment_id)
    note = dispatch_note_data(shipment_id)
    assert (note.waybill_number, note.status) == (None, "ready")


def test_a_line_whose_sku_is_not_in_the_catalogue_has_no_name_or_weight(world):
    shipment_id = shipment_for("PO-ODD")
    order_id = Shipment.get_by_id(shipment_id).order_id
    odd = OrderLine.create(order=order_id, line_no=3, product=None, sku="MYSTERY", quantity=1, unit_price=0,
                           line_total=0)
    ShipmentLine.create(shipment=shipment_id, order_line=odd, quantity=1)
    line = dispatch_note_data(shipment_id).lines[-1]
    assert (line.sku, line.product_name, line.unit_weight_kg, line.line_weight_kg) == ("MYSTERY", "", 0, 0)


def test_unknown_shipment_has_no_note(world):
    assert dispatch_note_data(987654) is None


# --- pick list -------------------------------------------------------------------------------------

def test_pick_list_sums_each_sku_over_the_batch_sorted_by_sku(world):
    first = shipment_for("PO-A")  # WIDGET 2, GADGET 1
    second = shipment_for("PO-B", [{"sku": "WIDGET", "quantity": 5}], waybill="SBX1")
    pick = pick_list_data("EAST")
    assert pick.warehouse.code == "EAST"
    assert [s.shipment_id for s in pick.shipments] == [first, second]
    assert [(i.sku, i.product_name, i.total_quantity) for i in pick.items] == [("GADGET", "Gadget", 1),
                                                                               ("WIDGET", "Widget", 7)]
    first_order, second_order = (Shipment.get_by_id(i).order_id for i in (first, second))
    assert pick.items[1].needs == (PickNeed(first, first_order, "PO-A", 2), PickNeed(second, second_order, "PO-B", 5))
    assert pick.total_quantity == 8


def test_default_batch_leaves_out_other_warehouses_and_shipments_already_picked_up(world):
    kept = shipment_for("PO-KEEP")
    gone = shipment_for("PO-GONE", waybill="SBX2")
    assert transition("shipment", gone, "in_transit", actor=ACTOR, expected="dispatched")
    west = Shipment.create(order=Shipment.get_by_id(kept).order_id, warehouse=world["west"])
    pick = pick_list_data("EAST")
    assert [s.shipment_id for s in pick.shipments] == [kept]
    assert all(need.shipment_id == kept for item in pick.items for need in item.needs)
    assert [s.shipment_id for s in pick_list_data("WEST").shipments] == [west.id]
    assert pick_list_data("WEST").items == ()  # a shipment without lines has nothing to pick


def test_named_shipments_make_the_batch(world):
    first = shipment_for("PO-1")
    shipment_for("PO-2")
    pick = pick_list_data("EAST", [first, first])
    assert [s.shipment_id for s in pick.shipments] == [first]
    assert {item.sku: item.total_quantity for item in pick.items} == {"WIDGET": 2, "GADGET": 1}


def test_shipments_of_another_warehouse_or_unknown_ones_are_refused(world):
    east = shipment_for("PO-E")
    west = Shipment.create(order=Shipment.get_by_id(east).order_id, warehouse=world["west"])
    with pytest.raises(ValidationFailed) as refused:
        pick_list_data("EAST", [east, west.id, 987654])
    assert refused.value.messages == {"shipment": ["shipment 987654 does not exist",
                                                   f"shipment {west.id} ships from another warehouse, not EAST"]}


def test_a_cancelled_shipment_is_not_picked(world):
    cancelled = shipment_for("PO-X")
    assert transition("shipment", cancelled, "cancelled", actor=ACTOR, expected="ready")
    assert pick_list_data("EAST").shipments == ()
    with pytest.raises(ValidationFailed) as refused:
        pick_list_data("EAST", [cancelled])
    assert refused.value.messages == {"shipment": [f"shipment {cancelled} is cancelled"]}


def test_unknown_warehouse_is_not_found(world):
    Warehouse.create(code="EMPTY", name="Empty", region="R9")
    assert pick_list_data("EMPTY").shipments == ()
    with pytest.raises(NotFound):
        pick_list_data("NOWHERE")
