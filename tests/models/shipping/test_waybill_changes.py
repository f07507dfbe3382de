"""What ops do to a booking (models/shipping/waybill_changes.py) and the dispatch it undoes (models/shipping/dispatch.py),
on SQLite and PostgreSQL."""
import json
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.stages import WAYBILLS
from models.intake.entry import place_order
from models.invariants import CHECKS, run_checks
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.cancellation import cancel_order
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.receivables.ledger import Invoice, Payment
from models.receivables.payments import record_payment
from models.shipping.dispatch import fail_waybill, prepare_waybill, record_waybill
from models.shipping.tables import (
    CancelledWaybill,
    Shipment,
    ShipmentAlert,
    ShipmentEvent,
    TrackingEvent,
    Waybill,
)
from models.shipping.tracking import CarrierEvent, record_tracking_events
from models.shipping.waybill_changes import (
    book_again,
    cancellable_waybill,
    record_waybill_cancellation,
    resolve_alert,
    retry_failed_shipment,
)
from schemas.orders import order_schema
from tests import factories
from tests.factories import order_body, sandbox_choice

ACTOR = "worker:test"
OPS = "ops@example.com"
CARRIERS = ("sandbox", "sandbox_freight")
WAYBILL = "SBX0000000001"


# --- building an order up to a dispatched shipment -----------------------------------------------

def make_world(**kwargs) -> dict:
    world = factories.make_world(**kwargs)
    factories.allow_repeat_orders()
    return world


def allocated(ref: str = "PO-1", **body) -> int:
    order, created = place_order(order_schema.load(order_body(ref, **body)), actor="test")
    assert created
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    return order.id


def ready(ref: str = "PO-1", **body) -> tuple[int, int]:
    """An allocated order and its one shipment waiting for a waybill: (order id, shipment id)."""
    order_id = allocated(ref, **body)
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    return order_id, shipment_id


def dispatch(shipment_id: int, number: str = WAYBILL) -> None:
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
    assert record_waybill(shipment_id, waybill_number=number, tracking_url=f"https://track/{number}", actor=ACTOR)


def dispatched(ref: str = "PO-1", number: str = WAYBILL) -> tuple[int, int]:
    order_id, shipment_id = ready(ref)
    dispatch(shipment_id, number)
    return order_id, shipment_id


def two_shipment_stock() -> None:
    """WIDGET only at WEST and GADGET only at EAST, so the standard order ships in two shipments."""
    Stock.update(on_hand=0).where(Stock.id.in_(
        Stock.select(Stock.id).join(Warehouse).switch(Stock).join(Product).where(
            ((Warehouse.code == "EAST") & (Product.sku == "WIDGET"))
            | ((Warehouse.code == "WEST") & (Product.sku == "GADGET"))))).execute()


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


def all_stock() -> dict:
    return {(w, s): stock(w, s) for w in ("EAST", "WEST") for s in ("WIDGET", "GADGET")}


def reservation_states(order_id: int) -> list[tuple]:
    rows = (Reservation.select(Reservation, OrderLine).join(OrderLine).where(OrderLine.order == order_id)
            .order_by(OrderLine.line_no))
    return [(r.order_line.sku, r.quantity, r.status) for r in rows]


def nudges(actor_name: str) -> list:
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == actor_name)
            .order_by(OutboxMessage.id)]


def status(model, row_id: int) -> str:
    return model.get_by_id(row_id).status


def clean() -> bool:
    return run_checks() == {name: [] for name in CHECKS}


def snapshot(order_id: int, shipment_id: int) -> tuple:
    """Everything a repeated operation must leave as it was."""
    return (status(Order, order_id), status(Shipment, shipment_id), all_stock(), reservation_states(order_id),
            list(Waybill.select().where(Waybill.shipment == shipment_id).dicts()),
            CancelledWaybill.select().count(), StatusChange.select().count(), OutboxMessage.select().count(),
            ShipmentAlert.select().where(ShipmentAlert.status == "open").count(), Invoice.select().count())


# --- record_waybill ------------------------------------------------------------------------------

def test_record_waybill_writes_one_shipped_event(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    [event] = ShipmentEvent.select().where(ShipmentEvent.shipment == shipment_id)
    assert (event.kind, event.order_id) == ("shipped", order_id)
    payload = json.loads(event.payload_json)
    assert (payload["waybill_number"], payload["tracking_url"], payload["carrier"]) == \
        (WAYBILL, f"https://track/{WAYBILL}", "sandbox")
    before = snapshot(order_id, shipment_id)
    assert record_waybill(shipment_id, waybill_number="SBX-OTHER", tracking_url="", actor=ACTOR) is False
    assert snapshot(order_id, shipment_id) == before
    assert ShipmentEvent.select().count() == 1
    assert Waybill.get(Waybill.shipment == shipment_id).waybill_number == WAYBILL


# --- cancelling a waybill before pickup ----------------------------------------------------------

def test_cancellation_puts_the_goods_back_under_their_reservations(any_db):
    world = make_world()
    order_id, shipment_id = ready()
    before_dispatch = all_stock()
    assert before_dispatch[("EAST", "WIDGET")] == (100, 2) and before_dispatch[("EAST", "GADGET")] == (100, 1)
    dispatch(shipment_id)
    key = Waybill.get(Waybill.shipment == shipment_id).idempotency_key
    assert (stock("EAST", "WIDGET"), stock("EAST", "GADGET")) == ((98, 0), (99, 0))
    assert {r[2] for r in reservation_states(order_id)} == {"fulfilled"}

    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="customer changed the address") is True

    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("ready", "allocated")
    assert not Waybill.select().where(Waybill.shipment == shipment_id).exists()
    [kept] = CancelledWaybill.select()
    assert (kept.shipment_id, kept.carrier, kept.waybill_number, kept.idempotency_key) == \
        (shipment_id, "sandbox", WAYBILL, key)
    assert (kept.cancelled_by, kept.reason) == (OPS, "customer changed the address")
    assert kept.issued_at is not None and kept.cancelled_at is not None
    assert all_stock() == before_dispatch
    assert reservation_states(order_id) == [("WIDGET", 2, "active"), ("GADGET", 1, "active")]
    trail = StatusChange.trail("shipment", shipment_id)
    assert (trail[-1].from_status, trail[-1].to_status, trail[-1].actor) == ("dispatched", "ready", OPS)
    assert f"waybill {WAYBILL} cancelled: customer changed the address" == trail[-1].reason
    # The goods did not leave: the invoice is taken back (and issued again when the shipment ships).
    assert not Invoice.select().where(Invoice.order == order_id).exists()
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == Decimal("0.00")
    withdrawn = StatusChange.trail("invoice", order_id)[-1]
    assert (withdrawn.to_status, withdrawn.actor) == ("withdrawn", OPS) and "45.50" in withdrawn.reason
    assert clean(), run_checks()


def test_an_order_whose_only_waybill_was_cancelled_can_be_cancelled_owing_nothing(any_db):
    world = make_world()
    order_id, shipment_id = dispatched()
    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="customer cancels")
    assert cancel_order(order_id, actor=OPS, reason="customer cancels")
    assert (status(Order, order_id), status(Shipment, shipment_id)) == ("cancelled", "cancelled")
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == Decimal("0.00")
    assert stock("EAST", "WIDGET") == (100, 0)
    assert clean(), run_checks()


def test_credit_that_paid_the_invoice_goes_back_to_the_customer_when_it_is_withdrawn(any_db):
    world = make_world()
    record_payment(world["customer"], amount=Decimal("100.00"), currency="USD", reference="PRE-1",
                   method="bank_transfer", actor="test")  # paid ahead: the invoice takes this credit at once
    order_id, shipment_id = dispatched()
    assert Invoice.get(Invoice.order == order_id).status == "paid"
    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="rebook")
    assert Payment.get(Payment.reference == "PRE-1").unapplied == Decimal("100.00")
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == Decimal("-100.00")
    book_again(shipment_id, actor=OPS, carrier="sandbox", carriers=CARRIERS)
    prepare_waybill(shipment_id, choose=sandbox_choice)
    assert record_waybill(shipment_id, waybill_number="SBX-AGAIN", tracking_url="", actor=ACTOR)
    assert Invoice.get(Invoice.order == order_id).status == "paid"  # issued again, paid from the same credit
    assert clean(), run_checks()


def test_an_order_with_a_parcel_on_the_road_is_not_cancelled(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    track_in_transit = CarrierEvent("ev-road", WAYBILL, "in_transit", utc_now())
    record_tracking_events("sandbox", [track_in_transit], actor=ACTOR)
    Order.update(status="allocated").where(Order.id == order_id).execute()  # as if another waybill was cancelled
    assert cancel_order(order_id, actor=OPS, reason="too late") is False
    assert status(Shipment, shipment_id) == "in_transit"


def test_a_second_cancellation_changes_nothing(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="first") is True
    before = snapshot(order_id, shipment_id)
    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="again") is False
    assert snapshot(order_id, shipment_id) == before
    assert record_waybill_cancellation(987654, actor=OPS, reason="none") is False


def test_only_an_issued_waybill_of_a_dispatched_shipment_is_cancelled(any_db):
    make_world()
    order_id, shipment_id = ready()
    prepare_waybill(shipment_id, choose=sandbox_choice)  # requested, not issued
    before = snapshot(order_id, shipment_id)
    assert record_waybill_cancellation(shipment_id, actor=OPS, reason="too early") is False
    assert snapshot(order_id, shipment_id) == before


def test_cancellable_waybill(any_db):
    make_world()
    _, shipment_id = dispatched()
    waybill = cancellable_waybill(shipment_id)
    assert (waybill.shipment_id, waybill.waybill_number, waybill.status) == (shipment_id, WAYBILL, "issued")


def test_cancellable_waybill_refuses_a_parcel_the_carrier_has(any_db):
    make_world()
    _, shipment_id = dispatched()
    TrackingEvent.create(shipment=shipment_id, carrier="sandbox", carrier_event_id="ev-1", code="info",
                         occurred_at=utc_now())  # a code that moves nothing: the shipment is still dispatched
    assert status(Shipment, shipment_id) == "dispatched"
    with pytest.raises(InvalidTransition, match="has tracking events"):
        cancellable_waybill(shipment_id)


def test_cancellable_waybill_refuses_a_ready_shipment_and_an_unknown_one(any_db):
    make_world()
    _, shipment_id = ready()
    with pytest.raises(InvalidTransition, match="only a dispatched shipment"):
        cancellable_waybill(shipment_id)
    prepare_waybill(shipment_id, choose=sandbox_choice)
    with pytest.raises(InvalidTransition):
        cancellable_waybill(shipment_id)
    with pytest.raises(NotFound):
        cancellable_waybill(987654)


def test_a_cancelled_shipment_waits_for_ops_to_book_again(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="hold it")
    OutboxMessage.delete().execute()
    assert create_shipments(order_id, actor=ACTOR) == []
    assert nudges(WAYBILLS.actor_name) == []
    assert status(Shipment, shipment_id) == "ready"


def test_a_cancelled_shipment_among_two_sends_the_order_back_to_allocated(any_db):
    make_world()
    two_shipment_stock()
    order_id = allocated()
    first, second = create_shipments(order_id, actor=ACTOR)
    dispatch(first, "SBX-A")
    assert status(Order, order_id) == "allocated"
    dispatch(second, "SBX-B")
    assert status(Order, order_id) == "shipped"
    assert record_waybill_cancellation(second, actor=OPS, reason="split")
    assert (status(Order, order_id), status(Shipment, first), status(Shipment, second)) == \
        ("allocated", "dispatched", "ready")
    OutboxMessage.delete().execute()
    assert create_shipments(order_id, actor=ACTOR) == []
    assert nudges(WAYBILLS.actor_name) == []
    assert clean(), run_checks()


# --- booking again -------------------------------------------------------------------------------

def test_book_again_nudges_the_waybill_stage_once(any_db):
    make_world()
    _, shipment_id = dispatched()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="wrong box")
    OutboxMessage.delete().execute()
    book_again(shipment_id, actor=OPS, carriers=CARRIERS)
    assert nudges(WAYBILLS.actor_name) == [[[shipment_id]]]
    assert not Waybill.select().where(Waybill.shipment == shipment_id).exists()  # the rules will choose
    with pytest.raises(InvalidTransition):
        cancellable_waybill(shipment_id)


def test_book_again_with_a_named_carrier_and_service_level(any_db):
    make_world()
    _, shipment_id = dispatched()
    old_key = Waybill.get(Waybill.shipment == shipment_id).idempotency_key
    record_waybill_cancellation(shipment_id, actor=OPS, reason="faster please")
    OutboxMessage.delete().execute()
    book_again(shipment_id, actor=OPS, carrier="sandbox", service_level="express", carriers=CARRIERS)
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (waybill.carrier, waybill.status, waybill.service_level, waybill.choice_reason) == \
        ("sandbox", "requested", "express", f"chosen by {OPS}")
    assert waybill.idempotency_key != old_key and waybill.waybill_number is None
    shipment = Shipment.get_by_id(shipment_id)
    assert (shipment.carrier, shipment.service_level, shipment.status) == ("sandbox", "express", "ready")
    assert nudges(WAYBILLS.actor_name) == [[[shipment_id]]]


@pytest.mark.parametrize("kwargs, field", [
    ({"carrier": "pigeon"}, "carrier"),
    ({"carrier": "sandbox", "carriers": ()}, "carrier"),
    ({"service_level": "overnight"}, "service_level"),
])
def test_book_again_refuses_an_unknown_carrier_or_service_level(any_db, kwargs, field):
    make_world()
    order_id, shipment_id = dispatched()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="x")
    before = snapshot(order_id, shipment_id)
    with pytest.raises(ValidationFailed) as raised:
        book_again(shipment_id, actor=OPS, **({"carriers": CARRIERS} | kwargs))
    assert list(raised.value.messages) == [field]
    assert snapshot(order_id, shipment_id) == before


def test_book_again_refuses_a_shipment_with_a_waybill(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    with pytest.raises(InvalidTransition):  # dispatched, its waybill issued
        book_again(shipment_id, actor=OPS, carriers=CARRIERS)
    record_waybill_cancellation(shipment_id, actor=OPS, reason="x")
    book_again(shipment_id, actor=OPS, carrier="sandbox", carriers=CARRIERS)
    before = snapshot(order_id, shipment_id)
    with pytest.raises(InvalidTransition):  # ready, but its new booking is under way
        book_again(shipment_id, actor=OPS, carrier="sandbox_freight", carriers=CARRIERS)
    assert snapshot(order_id, shipment_id) == before
    with pytest.raises(NotFound):
        book_again(987654, actor=OPS, carriers=CARRIERS)


@pytest.mark.parametrize("carrier", [None, "sandbox"])
def test_booked_again_the_shipment_dispatches_once_more(any_db, carrier):
    world = make_world()
    order_id, shipment_id = dispatched()
    old_key = Waybill.get(Waybill.shipment == shipment_id).idempotency_key
    after_first_dispatch = all_stock()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="rebook")
    book_again(shipment_id, actor=OPS, carrier=carrier, carriers=CARRIERS)

    job = prepare_waybill(shipment_id, choose=sandbox_choice)
    assert job.idempotency_key not in (old_key, None) and job.attempt == 1
    assert job.reference.startswith(f"PO-1/S{shipment_id}-{job.idempotency_key[:8]}")
    assert record_waybill(shipment_id, waybill_number="SBX0000000002", tracking_url="", actor=ACTOR)

    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("dispatched", "shipped")
    assert all_stock() == after_first_dispatch
    assert {r[2] for r in reservation_states(order_id)} == {"fulfilled"}
    assert Waybill.get(Waybill.shipment == shipment_id).waybill_number == "SBX0000000002"
    assert Invoice.select().where(Invoice.order == order_id).count() == 1
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == Decimal("45.50")
    assert [(c.from_status, c.to_status) for c in StatusChange.trail("order", order_id)][-3:] == \
        [("allocated", "shipped"), ("shipped", "allocated"), ("allocated", "shipped")]
    assert clean(), run_checks()


def test_booked_again_the_shipped_event_names_the_new_waybill(any_db):
    make_world()
    _, shipment_id = dispatched()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="rebook")
    book_again(shipment_id, actor=OPS, carriers=CARRIERS)
    dispatch(shipment_id, "SBX0000000002")
    numbers = [json.loads(e.payload_json)["waybill_number"]
               for e in ShipmentEvent.select().where(ShipmentEvent.shipment == shipment_id,
                                                     ShipmentEvent.kind == "shipped")]
    assert numbers[-1:] == ["SBX0000000002"]


# --- a waybill the carrier refused ---------------------------------------------------------------

def failed(ref: str = "PO-1") -> tuple[int, int, str]:
    order_id, shipment_id = ready(ref)
    prepare_waybill(shipment_id, choose=sandbox_choice)
    prepare_waybill(shipment_id, choose=sandbox_choice)
    assert fail_waybill(shipment_id, "sandbox refused the shipment: bad postcode", actor=ACTOR) is True
    return order_id, shipment_id, Waybill.get(Waybill.shipment == shipment_id).idempotency_key


def test_fail_waybill_parks_the_shipment_with_one_alert(any_db):
    make_world()
    order_id, shipment_id, _ = failed()
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (status(Shipment, shipment_id), waybill.status, waybill.attempts) == ("failed", "failed", 2)
    assert waybill.last_error == "sandbox refused the shipment: bad postcode"
    [alert] = ShipmentAlert.select()
    assert (alert.shipment_id, alert.order_id, alert.kind, alert.status) == \
        (shipment_id, order_id, "waybill_failed", "open")
    assert alert.message == "No waybill: sandbox refused the shipment: bad postcode"
    assert status(Order, order_id) == "allocated"
    before = snapshot(order_id, shipment_id)
    assert fail_waybill(shipment_id, "again", actor=ACTOR) is False
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is None
    assert snapshot(order_id, shipment_id) == before


def test_retry_failed_shipment_keeps_the_key_and_resolves_the_alert(any_db):
    make_world()
    order_id, shipment_id, key = failed()
    OutboxMessage.delete().execute()
    assert retry_failed_shipment(shipment_id, actor=OPS) is True
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (status(Shipment, shipment_id), waybill.status, waybill.idempotency_key, waybill.attempts,
            waybill.last_error) == ("ready", "requested", key, 0, "")
    [alert] = ShipmentAlert.select()
    assert (alert.status, alert.resolved_by) == ("resolved", OPS) and alert.resolved_at is not None
    assert nudges(WAYBILLS.actor_name) == [[[shipment_id]]]

    before = snapshot(order_id, shipment_id)
    assert retry_failed_shipment(shipment_id, actor=OPS) is False
    assert snapshot(order_id, shipment_id) == before

    job = prepare_waybill(shipment_id, choose=sandbox_choice)
    assert (job.idempotency_key, job.attempt) == (key, 1)
    assert record_waybill(shipment_id, waybill_number=WAYBILL, tracking_url="", actor=ACTOR)
    assert status(Order, order_id) == "shipped"
    assert clean(), run_checks()


def test_retry_refuses_a_shipment_that_did_not_fail(any_db):
    make_world()
    _, shipment_id = ready()
    assert retry_failed_shipment(shipment_id, actor=OPS) is False
    assert retry_failed_shipment(987654, actor=OPS) is False
    assert nudges(WAYBILLS.actor_name) == [[[shipment_id]]] * 2  # only allocation's and create_shipments' own


def test_resolve_alert_is_idempotent(any_db):
    make_world()
    failed()
    [alert] = ShipmentAlert.select()
    assert resolve_alert(alert.id, actor=OPS) is True
    resolved = ShipmentAlert.get_by_id(alert.id)
    assert (resolved.status, resolved.resolved_by) == ("resolved", OPS)
    assert resolve_alert(alert.id, actor="someone@else") is False
    again = ShipmentAlert.get_by_id(alert.id)
    assert (again.resolved_by, again.resolved_at) == (OPS, resolved.resolved_at)
    assert resolve_alert(987654, actor=OPS) is False


def test_a_late_waybill_message_does_not_book_what_ops_cancelled(any_db):
    make_world()
    _, shipment_id = dispatched()
    record_waybill_cancellation(shipment_id, actor=OPS, reason="address to check")
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is None  # a redelivered request_waybills
    assert not Waybill.select().where(Waybill.shipment == shipment_id).exists()
    book_again(shipment_id, actor=OPS, carriers=CARRIERS)
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
