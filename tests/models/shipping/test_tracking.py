"""Carrier tracking events (models/shipping/tracking.py) and scheduling polls (models/shipping/tracking_polls.py)."""
import json
from datetime import datetime, timedelta

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.core.stages import TRACKING_POLLS
from models.orders.flow import create_shipments
from models.orders.tables import Order
from models.shipping.dispatch import prepare_waybill, record_waybill
from models.shipping.tables import (
    Shipment,
    ShipmentAlert,
    ShipmentEvent,
    TrackingEvent,
    Waybill,
)
from models.shipping.tracking import (
    EXCEPTION_CODES,
    CarrierEvent,
    record_tracking_events,
)
from models.shipping.tracking_polls import polled_waybill, schedule_due_polls
from tests.factories import sandbox_choice
from tests.models.shipping.test_waybill_changes import (
    ACTOR,
    WAYBILL,
    allocated,
    dispatch,
    dispatched,
    make_world,
    nudges,
    status,
    two_shipment_stock,
)

T0 = datetime(2024, 5, 1, 8, 0)
TRACKER = "worker:tracking-test"


def event(code: str, *, event_id: str | None = None, minutes: int = 0, number: str = WAYBILL,
          location: str = "Springfield", description: str = "") -> CarrierEvent:
    return CarrierEvent(event_id=event_id or f"{number}-{code}-{minutes}", waybill_number=number, code=code,
                        occurred_at=T0 + timedelta(minutes=minutes), description=description or code,
                        location=location)


def track(*events: CarrierEvent, carrier: str = "sandbox"):
    return record_tracking_events(carrier, list(events), actor=TRACKER)


def events_of(shipment_id: int) -> list[str]:
    return [e.kind for e in ShipmentEvent.select().where(ShipmentEvent.shipment == shipment_id)
            .order_by(ShipmentEvent.id)]


def polled(shipment_id: int, *, next_poll_at: datetime | None = T0) -> None:
    Waybill.update(tracking_mode="poll", next_poll_at=next_poll_at).where(Waybill.shipment == shipment_id).execute()


# --- tracking events -----------------------------------------------------------------------------

def test_events_are_stored_once_and_move_the_shipment(any_db):
    make_world()
    _, shipment_id = dispatched()
    result = track(event("picked_up", location="Sandbox depot"), event("in_transit", minutes=5))
    assert (result.stored, result.duplicates, result.unknown_waybills) == (2, 0, 0)
    assert status(Shipment, shipment_id) == "in_transit"
    again = track(event("picked_up", location="Sandbox depot"), event("in_transit", minutes=5),
                  event("in_transit", number="SBX-UNKNOWN"), event("picked_up", event_id="a-new-id"))
    assert (again.stored, again.duplicates, again.unknown_waybills) == (1, 2, 1)
    assert TrackingEvent.select().count() == 3
    elsewhere = track(event("delivered"), carrier="sandbox_freight")  # the number belongs to another carrier
    assert (elsewhere.stored, elsewhere.unknown_waybills) == (0, 1)
    assert status(Shipment, shipment_id) == "in_transit"


def test_each_exception_raises_one_alert_and_one_exception_event(any_db):
    make_world()
    for code in EXCEPTION_CODES:  # one order per code: a database per code would cost more than the test
        number = f"SBX-{code}"
        order_id, shipment_id = dispatched(f"PO-{code}", number)
        alerts = ShipmentAlert.select().where(ShipmentAlert.shipment == shipment_id)
        track(event("in_transit", number=number))
        happened = event(code, number=number, minutes=10, location="Hub 7", description="Nobody home")
        assert track(happened).stored == 1
        [alert] = alerts
        stored = TrackingEvent.get(TrackingEvent.carrier_event_id == happened.event_id)
        assert (alert.order_id, alert.kind, alert.status, alert.tracking_event_id) == \
            (order_id, code, "open", stored.id), code
        assert alert.message == f"{code.replace('_', ' ')} at Hub 7: Nobody home"
        assert events_of(shipment_id) == ["shipped", "exception"], code
        exception = ShipmentEvent.get(ShipmentEvent.shipment == shipment_id, ShipmentEvent.kind == "exception")
        assert json.loads(exception.payload_json)["detail"] == "Nobody home at Hub 7"

        replay = track(happened)
        assert (replay.stored, replay.duplicates) == (0, 1)
        assert alerts.count() == 1, code
        assert events_of(shipment_id) == ["shipped", "exception"]

        track(event(code, number=number, minutes=20, event_id=f"second-{code}"))  # another one: its own alert
        assert alerts.count() == 2, code
        assert events_of(shipment_id) == ["shipped", "exception"], code  # the customer hears once
        if code != "returned_to_sender":  # see test_returned_to_sender_straight_from_transit_ends_the_shipment
            assert status(Shipment, shipment_id) == "exception", code
    assert ShipmentAlert.select().count() == 2 * len(EXCEPTION_CODES)


def test_returned_to_sender_after_an_exception_ends_the_shipment(any_db):
    make_world()
    _, shipment_id = dispatched()
    polled(shipment_id)
    track(event("in_transit"), event("delivery_failed", minutes=5))
    assert status(Shipment, shipment_id) == "exception"
    track(event("returned_to_sender", minutes=10))
    assert status(Shipment, shipment_id) == "returned"
    assert Waybill.get(Waybill.shipment == shipment_id).next_poll_at is None


def test_returned_to_sender_straight_from_transit_ends_the_shipment(any_db):
    make_world()
    _, shipment_id = dispatched()
    polled(shipment_id)
    track(event("in_transit"), event("returned_to_sender", minutes=10))
    assert status(Shipment, shipment_id) == "returned"
    assert Waybill.get(Waybill.shipment == shipment_id).next_poll_at is None


def test_out_for_delivery_and_delivered_tell_the_customer(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    polled(shipment_id)
    track(event("picked_up"), event("out_for_delivery", minutes=5, description="With the driver"))
    assert events_of(shipment_id) == ["shipped", "out_for_delivery"]
    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("in_transit", "shipped")
    assert Waybill.get(Waybill.shipment == shipment_id).next_poll_at == T0

    track(event("delivered", minutes=30, location="Front door", description="Left with neighbour"))
    assert events_of(shipment_id) == ["shipped", "out_for_delivery", "delivered"]
    payload = json.loads(ShipmentEvent.get(ShipmentEvent.kind == "delivered").payload_json)
    assert (payload["detail"], payload["waybill_number"]) == ("Left with neighbour at Front door", WAYBILL)
    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("delivered", "delivered")
    assert Waybill.get(Waybill.shipment == shipment_id).next_poll_at is None
    assert ShipmentAlert.select().count() == 0


def test_the_order_is_delivered_with_its_last_shipment(any_db):
    make_world()
    two_shipment_stock()
    order_id = allocated()
    first, second = create_shipments(order_id, actor=ACTOR)
    dispatch(first, "SBX-A")
    dispatch(second, "SBX-B")
    polled(first)
    polled(second)
    track(event("delivered", number="SBX-A"))
    assert (status(Shipment, first), status(Shipment, second), status(Order, order_id)) == \
        ("delivered", "dispatched", "shipped")
    assert Waybill.get(Waybill.shipment == first).next_poll_at is None
    assert Waybill.get(Waybill.shipment == second).next_poll_at == T0
    track(event("delivered", number="SBX-B", minutes=60))
    assert (status(Shipment, second), status(Order, order_id)) == ("delivered", "delivered")
    assert Waybill.get(Waybill.shipment == second).next_poll_at is None


def test_a_late_event_does_not_move_a_delivered_shipment_back(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    track(event("delivered", minutes=60))
    assert track(event("in_transit", minutes=10)).stored == 1  # kept as history
    track(event("out_for_delivery", minutes=50))
    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("delivered", "delivered")
    assert events_of(shipment_id) == ["shipped", "delivered", "out_for_delivery"]


def test_one_batch_is_applied_in_the_order_the_events_happened(any_db):
    make_world()
    order_id, shipment_id = dispatched()
    result = track(event("delivered", minutes=60), event("in_transit", minutes=10), event("picked_up", minutes=0))
    assert result.stored == 3
    assert (status(Shipment, shipment_id), status(Order, order_id)) == ("delivered", "delivered")
    assert [e.code for e in TrackingEvent.select().order_by(TrackingEvent.id)] == \
        ["picked_up", "in_transit", "delivered"]


# --- scheduling polls ----------------------------------------------------------------------------

def test_schedule_due_polls_nudges_only_open_polled_waybills_that_are_due(any_db):
    make_world()
    now = utc_now()
    due_late, due_now, not_yet, webhook, delivered, returned = (dispatched(f"PO-{n}", f"SBX-{n}")[1]
                                                                for n in range(6))
    polled(due_late, next_poll_at=now - timedelta(hours=1))
    polled(due_now, next_poll_at=now - timedelta(seconds=1))
    polled(not_yet, next_poll_at=now + timedelta(minutes=1))
    Waybill.update(next_poll_at=now - timedelta(hours=2)).where(Waybill.shipment == webhook).execute()
    for closed, final in ((delivered, "delivered"), (returned, "returned")):
        polled(closed, next_poll_at=now - timedelta(hours=3))
        Shipment.update(status=final).where(Shipment.id == closed).execute()
    in_transit, exception = (dispatched(f"PO-{n}", f"SBX-{n}")[1] for n in (6, 7))
    for open_shipment, state, minutes in ((in_transit, "in_transit", 40), (exception, "exception", 30)):
        polled(open_shipment, next_poll_at=now - timedelta(minutes=minutes))
        Shipment.update(status=state).where(Shipment.id == open_shipment).execute()
    requested_order = allocated("PO-8")  # a requested (never issued) waybill of a polled carrier
    (requested,) = create_shipments(requested_order, actor=ACTOR)
    prepare_waybill(requested, choose=sandbox_choice)
    polled(requested, next_poll_at=now - timedelta(hours=1))
    OutboxMessage.delete().execute()

    def waybill_id(shipment_id: int) -> int:
        return Waybill.get(Waybill.shipment == shipment_id).id

    expected = [waybill_id(s) for s in (due_late, in_transit, exception, due_now)]  # oldest due first
    untouched = {s: Waybill.get(Waybill.shipment == s).next_poll_at
                 for s in (not_yet, webhook, delivered, returned, requested)}
    assert schedule_due_polls(timedelta(minutes=5)) == 4
    assert nudges(TRACKING_POLLS.actor_name) == [[expected]]
    assert OutboxMessage.get().queue_name == TRACKING_POLLS.queue_name
    for shipment_id in (due_late, due_now, in_transit, exception):
        moved_to = Waybill.get(Waybill.shipment == shipment_id).next_poll_at
        assert now + timedelta(minutes=5) <= moved_to <= utc_now() + timedelta(minutes=5)
    assert {s: Waybill.get(Waybill.shipment == s).next_poll_at for s in untouched} == untouched

    assert schedule_due_polls(timedelta(minutes=5)) == 0
    assert OutboxMessage.select().count() == 1
    assert [polled_waybill(w) is not None for w in expected] == [True] * 4
    assert polled_waybill(waybill_id(delivered)) is None and polled_waybill(waybill_id(webhook)) is None
    assert polled_waybill(987654) is None


def test_no_poll_due_writes_nothing(any_db):
    make_world()
    assert schedule_due_polls(timedelta(minutes=5)) == 0
    _, shipment_id = dispatched()
    polled(shipment_id, next_poll_at=None)
    assert schedule_due_polls(timedelta(minutes=5)) == 0
    assert nudges(TRACKING_POLLS.actor_name) == []


def test_record_waybill_sets_the_first_poll(any_db):
    make_world()
    order_id = allocated()
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    prepare_waybill(shipment_id, choose=sandbox_choice)
    before = utc_now()
    record_waybill(shipment_id, waybill_number=WAYBILL, tracking_url="", actor=ACTOR, poll_every=timedelta(hours=1))
    next_poll = Waybill.get(Waybill.shipment == shipment_id).next_poll_at
    assert before + timedelta(hours=1) <= next_poll <= utc_now() + timedelta(hours=1)
