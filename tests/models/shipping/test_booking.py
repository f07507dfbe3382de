"""Booking waybills for a batch of shipments (models/shipping/booking.py) and what recording them sets off: the
stock dispatched, the shipped events, the orders shipped and invoiced, in a fixed number of statements."""
from __future__ import annotations

from decimal import Decimal

from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.stages import SHIPMENT_MAILS
from models.intake.entry import place_order
from models.invariants import run_checks
from models.inventory.tables import Stock, Warehouse
from models.orders import flow
from models.orders.flow import allocate, review, start_review
from models.orders.states import ORDER_RECEIVED
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import Invoice, Payment, issue_invoices
from models.receivables.payments import record_payment
from models.shipping.booking import (
    BookedWaybill,
    one_by_one,
    prepare_waybills,
    record_waybills,
)
from models.shipping.tables import Shipment, ShipmentEvent, Waybill
from models.shipping.waybill_changes import book_again, record_waybill_cancellation
from schemas.orders import order_schema
from tests import factories
from tests.factories import order_body, sandbox_choice
from tests.statement_count import counted_statements

ACTOR = "worker:test"


def make_world(**kwargs) -> dict:
    world = factories.make_world(**kwargs)
    factories.allow_repeat_orders()
    return world


def allocated_order(ref: str, lines: list[dict] | None = None) -> int:
    order, created = place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")
    assert created
    if order.status == ORDER_RECEIVED:  # placed by a release that did not enter review at once
        assert start_review(order.id, actor=ACTOR)
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    return order.id


def shipments_of(order_id: int) -> list[int]:
    """The order's shipments, created here unless allocation created them already."""
    ids = [s.id for s in Shipment.select(Shipment.id).where(Shipment.order == order_id).order_by(Shipment.id)]
    return ids or flow.create_shipments(order_id, actor=ACTOR)


def ready_shipments(count: int, prefix: str = "B") -> list[int]:
    """``count`` orders of one shipment each (from EAST), mailed to their buyer: their shipment ids."""
    ids = []
    for number in range(count):
        order_id = allocated_order(f"{prefix}-{number}")
        Order.update(ship_to_email="ada@example.com").where(Order.id == order_id).execute()
        ids += shipments_of(order_id)
    assert len(ids) == count
    return ids


def issued_for(shipment_ids: list[int]) -> dict[int, BookedWaybill]:
    return {shipment_id: BookedWaybill(f"SBX{shipment_id:010d}", f"https://track/{shipment_id}")
            for shipment_id in shipment_ids}


def test_preparing_and_recording_cost_the_same_statements_for_n_and_2n_shipments(any_db):
    make_world()
    small, large = ready_shipments(4, "S"), ready_shipments(8, "L")
    counts = {}
    for name, ids in (("small", small), ("large", large)):
        with counted_statements() as prepared:
            jobs = prepare_waybills(ids, choose=one_by_one(sandbox_choice))
        with counted_statements() as recorded:
            assert record_waybills(issued_for(ids), actor=ACTOR) == set(ids)
        assert [job.shipment_id for job in jobs] == ids and {job.attempt for job in jobs} == {1}
        for job in jobs:  # the parcel carries the whole address and our reference, read with the shipment
            order = Shipment.get_by_id(job.shipment_id).order
            assert job.ship_to == {"name": order.ship_to_name, "phone": order.ship_to_phone,
                                   "address": order.ship_to_address, "city": order.ship_to_city,
                                   "region": order.ship_to_region, "postcode": order.ship_to_postcode,
                                   "country": order.ship_to_country}
            assert job.reference.startswith(f"{order.external_ref}/S{job.shipment_id}-")
        counts[name] = (len(prepared), len(recorded))
    assert counts["small"] == counts["large"], counts
    prepare_cost, record_cost = counts["small"]
    # recording: 27 on PostgreSQL, one of them reading the customers' terms before their rows are locked, late
    assert prepare_cost <= 10 and record_cost <= 27, counts

    every = small + large
    assert {s.status for s in Shipment.select()} == {"dispatched"}
    assert {o.status for o in Order.select()} == {"shipped"}
    assert Invoice.select().count() == len(every)
    assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("45.50") * len(every)
    assert {w.status for w in Waybill.select()} == {"issued"}
    assert ShipmentEvent.select().where(ShipmentEvent.kind == "shipped").count() == len(every)
    mails = [m.args[0] for m in OutboxMessage.unsent().where(OutboxMessage.actor_name == SHIPMENT_MAILS.actor_name)]
    assert sorted(event for batch in mails for event in batch) == [e.id for e in ShipmentEvent.select()
                                                                   .order_by(ShipmentEvent.id)]
    east = Warehouse.get(Warehouse.code == "EAST")
    assert {(s.product.sku, s.on_hand, s.reserved) for s in Stock.select().where(Stock.warehouse == east)} == \
        {("WIDGET", 100 - 2 * len(every), 0), ("GADGET", 100 - len(every), 0)}
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_a_new_waybill_row_is_written_once_with_its_first_attempt(any_db):
    make_world()
    ids = ready_shipments(3)
    with counted_statements() as prepared:
        jobs = prepare_waybills(ids, choose=one_by_one(sandbox_choice))
    assert [(job.shipment_id, job.attempt) for job in jobs] == [(shipment_id, 1) for shipment_id in ids]
    assert {(w.attempts, w.last_attempt_at is not None) for w in Waybill.select()} == {(1, True)}
    updates = [sql for sql in prepared if sql.startswith('UPDATE "waybill"')]
    assert all("NOT" in sql for sql in updates)  # the attempt update passes over the rows just opened


def test_a_shipment_cancelled_while_its_carrier_was_chosen_gets_no_job(any_db):
    make_world()
    kept, cancelled = ready_shipments(2)

    def choose_while_ops_cancel(parcels):
        Shipment.update(status="cancelled").where(Shipment.id == cancelled).execute()
        return [sandbox_choice(parcel) for parcel in parcels]

    jobs = prepare_waybills([kept, cancelled], choose=choose_while_ops_cancel)
    assert [job.shipment_id for job in jobs] == [kept]
    assert prepare_waybills([kept, cancelled], choose=one_by_one(sandbox_choice))[0].attempt == 2


def test_a_redelivered_batch_changes_nothing(any_db):
    make_world()
    ids = ready_shipments(3)
    first = prepare_waybills(ids, choose=one_by_one(sandbox_choice))
    # The carrier never answered: asked again, with the same keys.
    again = prepare_waybills(ids, choose=one_by_one(sandbox_choice))
    assert [(j.idempotency_key, j.reference, j.attempt) for j in again] == \
        [(j.idempotency_key, j.reference, 2) for j in first]
    assert record_waybills(issued_for(ids), actor=ACTOR) == set(ids)
    assert record_waybills(issued_for(ids), actor=ACTOR) == set()
    assert prepare_waybills(ids, choose=one_by_one(sandbox_choice)) == []  # issued: nothing left to ask
    assert Invoice.select().count() == 3 and ShipmentEvent.select().count() == 3
    assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("136.50")
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_an_order_ships_only_when_all_its_shipments_left(any_db):
    make_world()
    stock = {(row.warehouse.code, row.product.sku): row.id for row in Stock.select()}
    Stock.update(on_hand=0).where(Stock.id.in_([stock[("EAST", "WIDGET")], stock[("WEST", "GADGET")]])).execute()
    split = allocated_order("SPLIT")  # widgets from WEST, the gadget from EAST
    whole = allocated_order("WHOLE", lines=[{"sku": "GADGET", "quantity": 1}])
    west, east = sorted(shipments_of(split), key=lambda s: Shipment.get_by_id(s).warehouse.code == "EAST")
    (single,) = shipments_of(whole)
    assert len(prepare_waybills([west, east, single], choose=one_by_one(sandbox_choice))) == 3

    assert record_waybills(issued_for([west, single]), actor=ACTOR) == {west, single}
    assert (Order.get_by_id(split).status, Order.get_by_id(whole).status) == ("allocated", "shipped")
    assert [i.order_id for i in Invoice.select()] == [whole]

    assert record_waybills(issued_for([east]), actor=ACTOR) == {east}
    assert Order.get_by_id(split).status == "shipped"
    assert sorted(i.order_id for i in Invoice.select()) == sorted([split, whole])
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_a_booking_ops_cancelled_is_not_asked_again_until_they_book_again(any_db):
    make_world()
    first, other = ready_shipments(2)
    prepare_waybills([first, other], choose=one_by_one(sandbox_choice))
    record_waybills(issued_for([first]), actor=ACTOR)
    key = Waybill.get(Waybill.shipment == first).idempotency_key
    assert record_waybill_cancellation(first, actor="ops", reason="wrong address")
    assert [job.shipment_id for job in prepare_waybills([first, other], choose=one_by_one(sandbox_choice))] == [other]
    book_again(first, actor="ops", carriers=("sandbox",))
    [job] = prepare_waybills([first], choose=one_by_one(sandbox_choice))
    assert job.attempt == 1 and job.idempotency_key != key
    assert record_waybills(issued_for([first]), actor=ACTOR) == {first}
    assert [e.booking for e in ShipmentEvent.select().where(ShipmentEvent.shipment == first)
            .order_by(ShipmentEvent.id)] == [0, 1]


def test_invoices_are_issued_once_and_paid_from_credit(any_db):
    make_world()
    customer = Partner.get(Partner.code == "CUST1")
    record_payment(customer, amount=Decimal("50.00"), currency="USD", reference="PAY-1", method="card", actor="test")
    orders = [Order.get_by_id(allocated_order(f"I-{n}")) for n in range(2)]
    Order.update(status="shipped").where(Order.id.in_([o.id for o in orders])).execute()
    with database.atomic():
        issued = issue_invoices(orders, actor=ACTOR)
        assert issue_invoices(orders, actor=ACTOR) == []
    assert sorted(i.order_id for i in issued) == sorted(o.id for o in orders)
    paid = {i.order_id: (i.paid, i.status) for i in Invoice.select()}
    assert paid == {orders[0].id: (Decimal("45.50"), "paid"), orders[1].id: (Decimal("4.50"), "open")}
    assert Payment.get(Payment.reference == "PAY-1").unapplied == Decimal("0.00")
    assert Partner.get_by_id(customer.id).outstanding_balance == Decimal("41.00")  # 91.00 owed, 50.00 paid
