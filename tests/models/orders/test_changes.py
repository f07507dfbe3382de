from datetime import date
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.errors import (
    NotFound,
    OrderChangeRefused,
    PermissionDenied,
    ValidationFailed,
)
from models.orders.change_history import order_changes
from models.orders.change_tables import OrderChange
from models.orders.changes import change_order
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order, OrderLine, Reservation
from models.review.hold_decisions import release_held_order
from models.shipping.tables import Shipment
from tests.models.orders.test_flow import (
    ACTOR,
    allocated,
    clean,
    make_world,
    nudges,
    placed,
    reservations,
    shipped,
    status,
    stock,
)

OPS = {"actor": "ops@example.com", "role": "ops_admin"}


def lines_of(order_id: int) -> list[tuple]:
    return [(line.sku, line.quantity, line.unit_price, line.price_given) for line in
            OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)]


def test_a_changed_allocated_order_gives_its_stock_back_and_is_reviewed_and_allocated_again(any_db):
    make_world()
    order_id = allocated()
    assert stock("EAST", "GADGET") == (100, 1) and stock("EAST", "WIDGET") == (100, 2)
    result = change_order(order_id, {"lines": [{"sku": "WIDGET", "quantity": 7}],
                                     "ship_to": {"city": "Shelbyville"}}, note="customer called", **OPS)
    assert (result.changed, result.status) == (True, "reviewing")
    assert stock("EAST", "GADGET") == (100, 0) and stock("EAST", "WIDGET") == (100, 0)
    assert reservations(order_id) == []
    assert [s.status for s in Shipment.select().where(Shipment.order == order_id)] == ["cancelled"]
    assert lines_of(order_id) == [("WIDGET", 7, Decimal("10.00"), True)]
    order = Order.get_by_id(order_id)
    assert (order.subtotal, order.total, order.ship_to_city) == (Decimal("70.00"), Decimal("70.00"), "Shelbyville")
    assert [(c.from_status, c.to_status, c.reason) for c in StatusChange.trail("order", order_id)][-1] == (
        "allocated", "reviewing", "changed: ship-to city, lines")
    assert nudges("review_orders")[-1] == [[order_id]]
    assert clean()

    assert review(order_id, actor=ACTOR) == "approve"
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert stock("EAST", "WIDGET") == (100, 7) and stock("EAST", "GADGET") == (100, 0)
    assert reservations(order_id) == [("WIDGET", "EAST", 7, "active")]
    shipments = [(s.status, s.wave) for s in Shipment.select().where(Shipment.order == order_id).order_by(Shipment.id)]
    assert shipments == [("cancelled", 2), ("ready", 1)]  # the withdrawn one left wave 1 to the new one
    assert create_shipments(order_id, actor=ACTOR)  # the new shipment awaits its waybill
    assert clean()
    (entry,) = order_changes(order_id)
    assert (entry.actor, entry.note, entry.status_before, entry.outcome) == (
        "ops@example.com", "customer called", "allocated", "approved")
    assert entry.before["ship_to"] == {"city": "Springfield"} and len(entry.before["lines"]) == 2


def test_a_repeated_change_writes_nothing_the_second_time(db):
    make_world()
    order_id = allocated()
    change = {"ship_to": {"region": "R1", "postcode": "54321"}, "requested_delivery_date": date(2026, 12, 24)}
    assert change_order(order_id, change, **OPS).changed
    again = change_order(order_id, change, **OPS)
    assert (again.changed, again.change_id, again.status) == (False, None, "reviewing")
    assert OrderChange.select().count() == 1
    assert StatusChange.select().where(StatusChange.entity == "order", StatusChange.to_status == "reviewing",
                                       StatusChange.from_status == "allocated").count() == 1


def test_nothing_changes_once_a_shipment_left(db):
    make_world()
    order_id = shipped()
    with pytest.raises(OrderChangeRefused, match="shipment"):
        change_order(order_id, {"lines": [{"sku": "WIDGET", "quantity": 1}]}, **OPS)
    assert OrderChange.select().count() == 0 and status(order_id) == "shipped"
    assert clean()


def test_a_left_shipment_refuses_even_while_the_order_is_allocated(db):
    make_world()
    order_id = allocated()
    Shipment.update(status="dispatched").where(Shipment.order == order_id).execute()
    with pytest.raises(OrderChangeRefused, match="left"):
        change_order(order_id, {"ship_to": {"region": "R2"}}, **OPS)


def test_a_distributor_changes_its_orders_before_allocation_only(db):
    world = make_world()
    mine = {"actor": "dist@example.com", "role": "distributor", "partner_id": world["distributor"].id}
    waiting = placed("PO-2")  # in review: nothing held yet
    result = change_order(waiting, {"lines": [{"sku": "WIDGET", "quantity": 3, "unit_price": "10.00"}]}, **mine)
    assert result.changed and status(waiting) == "reviewing"
    order_id = allocated()
    with pytest.raises(OrderChangeRefused, match="reserved"):
        change_order(order_id, {"ship_to": {"region": "R2"}}, **mine)
    assert stock("EAST", "WIDGET")[1] == 2  # nothing released
    with pytest.raises(NotFound):
        change_order(order_id, {"ship_to": {"region": "R2"}}, actor="x", role="distributor", partner_id=None)


def test_an_ops_agent_changes_quantities_but_not_prices(db):
    make_world()
    order_id = allocated()
    agent = {"actor": "agent@example.com", "role": "ops_agent"}
    with pytest.raises(PermissionDenied, match="WIDGET"):
        change_order(order_id, {"lines": [{"sku": "WIDGET", "quantity": 2, "unit_price": "8.00"}]}, **agent)
    assert stock("EAST", "WIDGET") == (100, 2) and status(order_id) == "allocated"
    change_order(order_id, {"lines": [{"sku": "WIDGET", "quantity": 4}, {"sku": "GADGET", "quantity": 1}]}, **agent)
    assert lines_of(order_id) == [("WIDGET", 4, Decimal("10.00"), True), ("GADGET", 1, Decimal("25.50"), False)]
    change_order(order_id, {"lines": [{"sku": "WIDGET", "quantity": 4, "unit_price": "9.50"}]},
                 actor="boss@example.com", role="sales_manager")
    assert lines_of(order_id) == [("WIDGET", 4, Decimal("9.50"), True)]


def test_an_unknown_sku_is_named_by_its_line(db):
    make_world()
    order_id = allocated()
    with pytest.raises(ValidationFailed) as refused:
        change_order(order_id, {"lines": [{"sku": "NOPE", "quantity": 1}]}, **OPS)
    assert refused.value.messages == {"lines": {0: {"sku": ["unknown SKU 'NOPE'"]}}}
    assert status(order_id) == "allocated"


def test_a_wrong_region_backorder_ships_once_the_region_is_corrected(db):
    make_world()
    order_id = placed("PHONE-1", region="R9", channel="phone")
    assert review(order_id, actor=ACTOR) == "hold"  # no warehouse ships to R9
    assert release_held_order(order_id, actor="ops@example.com", role="ops_admin", comment="customer insists")
    assert allocate(order_id, actor=ACTOR) == "backordered"
    change_order(order_id, {"ship_to": {"region": "R1"}}, **OPS)
    assert status(order_id) == "reviewing"
    assert review(order_id, actor=ACTOR) == "approve"
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert Reservation.select().where(Reservation.status == "active").count() == 2
    assert [entry.outcome for entry in order_changes(order_id)] == ["approved"]
    assert clean()
