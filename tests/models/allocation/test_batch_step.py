"""The set-based allocation step: a batch of orders planned in id order, reserved and given its shipments in one
transaction with a fixed number of statements, on SQLite and PostgreSQL."""
from __future__ import annotations

from decimal import Decimal

import pytest

import models.allocation.step as step
from models.allocation.config import AllocationSettings, save_allocation_settings
from models.allocation.step import allocate_orders
from models.core.audit import StatusChange
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.invariants import CHECKS, run_checks
from models.inventory.tables import Stock
from models.orders.tables import Order, OrderLine, Reservation
from models.shipping.tables import Shipment, ShipmentLine
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

ACTOR = "worker:test"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def approved_orders(count: int, *, prefix: str = "PO", priority: int = 0) -> list[int]:
    """``count`` orders of 2 widgets and 1 gadget to region R1 (EAST's cheapest lane), moved on to approved."""
    ids = []
    for number in range(count):
        order, created = place_order(order_schema.load(order_body(f"{prefix}-{number}")), actor="test")
        assert created
        transition("order", order.id, "approved", actor="test", expected=order.status)
        ids.append(order.id)
    if priority:
        Order.update(priority=priority).where(Order.id.in_(ids)).execute()
    return ids


def set_on_hand(world: dict, warehouse: str, product: str, on_hand: int) -> None:
    Stock.update(on_hand=on_hand).where(Stock.warehouse == world[warehouse], Stock.product == world[product]).execute()


def stock(world: dict, warehouse: str, product: str) -> tuple[int, int]:
    row = Stock.get(Stock.warehouse == world[warehouse], Stock.product == world[product])
    return row.on_hand, row.reserved


def statements_of(monkeypatch, call) -> int:
    """How many SQL statements ``call`` sends, leaving out transaction control (savepoints inside a test's
    transaction)."""
    sent = []
    database_class = type(database.obj)
    original = database_class.execute_sql

    def counting(self, sql, params=None, *args, **kwargs):
        if not sql.lstrip().upper().startswith(TRANSACTION_CONTROL):
            sent.append(sql)
        return original(self, sql, params, *args, **kwargs)

    monkeypatch.setattr(database_class, "execute_sql", counting)
    try:
        call()
    finally:
        monkeypatch.setattr(database_class, "execute_sql", original)
    return len(sent)


def waybill_nudges() -> list[int]:
    return [shipment_id for message in OutboxMessage.select().where(OutboxMessage.actor_name == "request_waybills")
            .order_by(OutboxMessage.id) for shipment_id in message.args[0]]


def clean() -> bool:
    return run_checks() == {name: [] for name in CHECKS}


def test_a_batch_of_n_and_one_of_2n_send_the_same_statements(any_db, monkeypatch):
    make_world()
    allow_repeat_orders()
    small, large = approved_orders(4, prefix="A"), approved_orders(8, prefix="B")
    allocate_orders(approved_orders(1, prefix="WARM"), actor=ACTOR)  # the rules in force, parsed once

    outcomes = {}
    small_count = statements_of(monkeypatch, lambda: outcomes.update(allocate_orders(small, actor=ACTOR).outcomes))
    large_count = statements_of(monkeypatch, lambda: outcomes.update(allocate_orders(large, actor=ACTOR).outcomes))

    assert outcomes == dict.fromkeys(small + large, "allocated")
    # 16 on PostgreSQL: the stock rows are locked in id order just before the reserve, not read locked up front
    assert small_count == large_count <= 16, (small_count, large_count)
    assert Shipment.select().where(Shipment.order.in_(small + large)).count() == 12
    assert clean()


@pytest.mark.parametrize("partial", ["ship_complete", "ship_available"])
def test_two_orders_of_a_batch_racing_for_the_last_units_never_oversell(any_db, partial):
    world = make_world()
    allow_repeat_orders()
    save_allocation_settings(AllocationSettings(by_customer={"CUST1": {"partial": partial}}), actor="ops")
    set_on_hand(world, "east", "widget", 3)  # each order wants 2: the second finds 1 left
    set_on_hand(world, "west", "widget", 0)
    first, second = approved_orders(2)

    result = allocate_orders([second, first], actor=ACTOR)

    on_hand, reserved = stock(world, "east", "widget")
    assert reserved <= on_hand
    held = {order_id: sorted((r.order_line.sku, r.quantity) for r in Reservation.select(Reservation, OrderLine)
                             .join(OrderLine).where(OrderLine.order == order_id))
            for order_id in (first, second)}
    # As one run after the other: the lower id goes first and takes 2 widgets; the other sees the 1 left.
    assert held[first] == [("GADGET", 1), ("WIDGET", 2)]
    if partial == "ship_complete":
        assert result.outcomes == {first: "allocated", second: "backordered"}
        assert held[second] == [] and reserved == 2
        assert not Order.select().where(Order.backorder_of.is_null(False)).exists()
    else:
        assert result.outcomes == {first: "allocated", second: "allocated"}
        assert held[second] == [("GADGET", 1), ("WIDGET", 1)] and reserved == on_hand == 3
        [child] = Order.select().where(Order.backorder_of == second)
        assert (child.status, [(line.sku, line.quantity) for line in child.lines]) == ("backordered", [("WIDGET", 1)])
    assert clean()


def test_a_redelivered_batch_changes_nothing(any_db):
    make_world()
    allow_repeat_orders()
    ids = approved_orders(3)
    assert allocate_orders(ids, actor=ACTOR).outcomes == dict.fromkeys(ids, "allocated")

    def written() -> tuple[int, ...]:
        return (Reservation.select().count(), Shipment.select().count(), ShipmentLine.select().count(),
                StatusChange.select().count(), OutboxMessage.select().count(),
                sum(row.reserved for row in Stock.select()))

    before = written()
    again = allocate_orders(ids, actor=ACTOR)
    assert (again.outcomes, again.failed) == ({}, {})
    assert written() == before
    assert clean()


def test_shipments_and_their_lines_exist_right_after_allocation(any_db):
    make_world()
    allow_repeat_orders()
    (urgent,) = approved_orders(1, prefix="URGENT", priority=1)
    (normal,) = approved_orders(1, prefix="NORMAL")

    allocate_orders([urgent, normal], actor=ACTOR)

    shipments = {s.order_id: s for s in Shipment.select()}
    assert sorted(shipments) == [urgent, normal]
    for shipment in shipments.values():
        assert (shipment.warehouse.code, shipment.wave, shipment.status) == ("EAST", 1, "ready")
        assert sorted((line.order_line.sku, line.quantity) for line in shipment.lines) == [("GADGET", 1),
                                                                                          ("WIDGET", 2)]
        assert shipment.weight_kg == Decimal("2.200")
    assert (shipments[urgent].service_level, shipments[normal].service_level) == ("express", "standard")
    assert waybill_nudges() == [shipments[urgent].id, shipments[normal].id]
    assert OutboxMessage.select().where(OutboxMessage.actor_name == "create_shipments").count() == 0
    assert clean()


def test_an_order_split_over_two_warehouses_gets_a_shipment_from_each(any_db):
    world = make_world()
    set_on_hand(world, "east", "widget", 0)
    set_on_hand(world, "west", "gadget", 0)
    (order_id,) = approved_orders(1)
    assert allocate_orders([order_id], actor=ACTOR).outcomes == {order_id: "allocated"}
    made = {s.warehouse.code: sorted((line.order_line.sku, line.quantity) for line in s.lines)
            for s in Shipment.select().where(Shipment.order == order_id)}
    assert made == {"WEST": [("WIDGET", 2)], "EAST": [("GADGET", 1)]}
    assert len(waybill_nudges()) == 2


def test_an_order_whose_planning_raises_is_set_aside_and_the_rest_commit(any_db, monkeypatch):
    make_world()
    allow_repeat_orders()
    ids = approved_orders(3)
    bad = ids[1]
    bad_lines = {line.id for line in OrderLine.select().where(OrderLine.order == bad)}
    planner = step.plan_allocation

    def failing_for_one(demand, sources, policy):
        if {line.line_id for line in demand} & bad_lines:
            raise ValueError("a planner bug")
        return planner(demand, sources, policy)

    monkeypatch.setattr(step, "plan_allocation", failing_for_one)
    result = allocate_orders(ids, actor=ACTOR)

    assert list(result.failed) == [bad] and isinstance(result.failed[bad], ValueError)
    assert result.outcomes == {ids[0]: "allocated", ids[2]: "allocated"}
    assert dict(Order.select(Order.id, Order.status).tuples()) == {ids[0]: "allocated", bad: "approved",
                                                                  ids[2]: "allocated"}
    assert not Reservation.select().join(OrderLine).where(OrderLine.order == bad).exists()
    assert not Shipment.select().where(Shipment.order == bad).exists()
    assert clean()
