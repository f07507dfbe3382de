"""Asking a real sandbox carrier for waybills (workers/shipping.py request_waybill) and polling it for events
(workers/tracking.py poll_waybill), on PostgreSQL, with settings read from the environment as the workers do."""
from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import peewee
import pytest
import requests

from models.core.base import utc_now
from models.core.errors import CarrierAmbiguous, CarrierUnavailable
from models.core.outbox import OutboxMessage
from models.core.stages import WAYBILL_RELEASES
from models.inventory.tables import Product
from models.orders.cancellation import cancel_order
from models.orders.flow import create_shipments
from models.orders.tables import Order
from models.shipping.dispatch import fail_waybill, prepare_waybill
from models.shipping.tables import Shipment, ShipmentAlert, TrackingEvent, Waybill
from models.shipping.tracking_polls import schedule_due_polls
from models.shipping.waybill_changes import book_again
from portal.carrier_sandbox import make_sandbox_server
from tests.conftest import POSTGRES_URL
from tests.factories import sandbox_choice
from tests.models.shipping.test_waybill_changes import ACTOR, allocated, make_world
from workers.broker import current_settings
from workers.carriers import carrier_for
from workers.carriers.base import ShipTo, WaybillRequest
from workers.shipping import release_failed_booking, request_waybill
from workers.tracking import poll_waybill
from workers.waybill_cancel import cancel_booking

CARRIERS = ("sandbox", "sandbox_freight")
OPS = "ops@example.com"


def database_url(handle: peewee.Database) -> str:
    if isinstance(handle, peewee.SqliteDatabase):
        return f"sqlite:///{handle.database}"
    return urlparse(POSTGRES_URL)._replace(path=f"/{handle.database}").geturl()


class Sandbox:
    """A running sandbox carrier: its URL and its state, whose fault rates a test may change."""

    def __init__(self, server) -> None:
        self.server = server
        self.url = f"http://127.0.0.1:{server.server_port}"
        self.state = server.app.extensions["carrier_sandbox"]

    def faults_off(self) -> None:
        self.state.fault_rates = {fault: 0.0 for fault in self.state.fault_rates}

    def waybills(self, reference: str | None = None) -> list[dict]:
        params = {"reference": reference} if reference else {}
        return requests.get(f"{self.url}/waybills", params=params, timeout=5).json()["waybills"]

    def add_event(self, number: str, code: str) -> dict:
        response = requests.post(f"{self.url}/waybills/{number}/events", json={"code": code}, timeout=5)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def carrier(pg_rolled_back, monkeypatch, tmp_path):
    """Start a sandbox carrier (with fault rates) and point the workers' settings at it and the test database."""
    servers = []

    def start(**faults) -> Sandbox:
        faults.setdefault("timeout_sleep_seconds", 1.5)  # longer than the workers' read timeout below
        server = make_sandbox_server("127.0.0.1", 0, webhook_secret="test-webhook-secret", seed=7, **faults)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        sandbox = Sandbox(server)
        monkeypatch.setenv("OMS_CARRIER_URL", sandbox.url)
        monkeypatch.setenv("OMS_CARRIER_TIMEOUT_SECONDS", "0.5")
        monkeypatch.setenv("OMS_WAYBILL_MAX_ATTEMPTS", "3")
        monkeypatch.setenv("OMS_DATABASE_URL", database_url(pg_rolled_back))
        monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path / "data"))
        current_settings.cache_clear()  # the workers read the settings once per process
        return sandbox

    yield start
    current_settings.cache_clear()
    for server in servers:
        server.app.extensions["carrier_sandbox"].stop()
        server.shutdown()
        server.server_close()


def ready_shipment(ref: str = "PO-1", *, widget_kg: str | None = None, widgets: int | None = None) -> int:
    """An allocated order's one shipment, ready for its waybill; a custom widget weight and count if given."""
    make_world()
    if widget_kg is not None:
        Product.update(weight_kg=Decimal(widget_kg)).where(Product.sku == "WIDGET").execute()
    body = {"lines": [{"sku": "WIDGET", "quantity": widgets, "unit_price": "10.00"}]} if widgets else {}
    (shipment_id,) = create_shipments(allocated(ref, **body), actor=ACTOR)
    return shipment_id


def waybill_of(shipment_id: int) -> Waybill:
    return Waybill.get(Waybill.shipment == shipment_id)


def shipment_status(shipment_id: int) -> str:
    return Shipment.get_by_id(shipment_id).status


def assert_failed_with_alert(shipment_id: int, error_start: str) -> None:
    waybill = waybill_of(shipment_id)
    assert (shipment_status(shipment_id), waybill.status) == ("failed", "failed")
    assert waybill.last_error.startswith(error_start), waybill.last_error
    [alert] = ShipmentAlert.select().where(ShipmentAlert.shipment == shipment_id)
    assert (alert.kind, alert.status, alert.message) == ("waybill_failed", "open", f"No waybill: {waybill.last_error}")


# --- choosing the carrier ------------------------------------------------------------------------

def test_a_light_parcel_books_the_cheapest_quote_with_a_callback(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment()  # 2 × 0.5 kg + 1 × 1.2 kg, standard
    request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (waybill.carrier, waybill.status, waybill.attempts, waybill.tracking_mode) == \
        ("sandbox", "issued", 1, "webhook")
    assert (waybill.quoted_price, waybill.quoted_currency) == (Decimal("7.76"), "USD")  # 6.00 + 0.80 × 2.2
    assert waybill.choice_reason == ("rule 2 (every parcel): cheapest quote: sandbox 7.76 USD/3d "
                                     "beat sandbox_freight 35.55 USD/4d")
    assert waybill.next_poll_at is None
    [booked] = sandbox.waybills()
    assert (booked["waybill_number"], booked["tracking_url"]) == (waybill.waybill_number, waybill.tracking_url)
    assert booked["callback_url"] == f"{current_settings().portal_url}/api/v1/carriers/sandbox/events"
    assert (booked["weight_kg"], booked["service_level"]) == ("2.200", "standard")
    assert shipment_status(shipment_id) == "dispatched"
    assert Order.get_by_id(Shipment.get_by_id(shipment_id).order_id).status == "shipped"

    request_waybill(shipment_id)  # a redelivered message: nothing asked, nothing changed
    assert len(sandbox.waybills()) == 1 and waybill_of(shipment_id).attempts == 1


@pytest.mark.parametrize("widget_kg, widgets, chosen", [
    ("9.999", 3, "sandbox"),           # 29.997 kg: quotes decide
    ("10", 3, "sandbox_freight"),      # 30.000 kg: the weight rule names the freight carrier
    ("15.5", 2, "sandbox_freight"),
])
def test_the_weight_rule_books_freight_from_30_kg(carrier, widget_kg, widgets, chosen):
    sandbox = carrier()
    shipment_id = ready_shipment(widget_kg=widget_kg, widgets=widgets)
    before = utc_now()
    request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (waybill.carrier, waybill.status, Shipment.get_by_id(shipment_id).carrier) == (chosen, "issued", chosen)
    [booked] = sandbox.waybills()
    assert booked["weight_kg"] == str(Shipment.get_by_id(shipment_id).weight_kg)
    if chosen == "sandbox_freight":
        assert waybill.choice_reason == "rule 1 (weight ≥ 30 kg) names sandbox_freight"
        assert (waybill.quoted_price, waybill.quoted_currency, waybill.tracking_mode) == (None, "", "poll")
        assert before + timedelta(seconds=300) <= waybill.next_poll_at <= utc_now() + timedelta(seconds=300)
        assert booked["callback_url"] is None  # a polled carrier is not given our webhook
    else:
        assert waybill.choice_reason.startswith("rule 2 (every parcel): cheapest quote: sandbox 30.00 USD/3d")
        assert (waybill.quoted_price, waybill.tracking_mode, waybill.next_poll_at) == (Decimal("30.00"), "webhook",
                                                                                         None)


# --- faults --------------------------------------------------------------------------------------

def test_an_unavailable_carrier_is_retried_then_parked_for_ops(carrier):
    sandbox = carrier(fault_5xx_rate=1.0)
    shipment_id = ready_shipment()
    for attempt in (1, 2):
        with pytest.raises(CarrierUnavailable) as raised:
            request_waybill(shipment_id)
        assert type(raised.value) is CarrierUnavailable  # certainly not booked: no lookup needed
        waybill = waybill_of(shipment_id)
        assert (waybill.status, waybill.attempts, shipment_status(shipment_id)) == ("requested", attempt, "ready")
        assert waybill.last_error.startswith(f"attempt {attempt}: sandbox carrier answered 503 to POST /waybills")
    key = waybill_of(shipment_id).idempotency_key

    request_waybill(shipment_id)  # the last attempt: no exception escapes, ops take over
    assert_failed_with_alert(shipment_id, "gave up after 3 attempts; last error: sandbox carrier answered 503")
    assert (waybill_of(shipment_id).attempts, waybill_of(shipment_id).idempotency_key) == (3, key)
    request_waybill(shipment_id)  # parked: not asked again
    assert waybill_of(shipment_id).attempts == 3
    assert sandbox.waybills() == []


def test_a_lost_reply_is_recovered_by_looking_the_booking_up(carrier):
    sandbox = carrier(fault_lost_reply_rate=1.0)
    shipment_id = ready_shipment()
    request_waybill(shipment_id)  # create_waybill raised CarrierAmbiguous; find_waybill found the booking
    waybill = waybill_of(shipment_id)
    assert (shipment_status(shipment_id), waybill.status, waybill.attempts, waybill.last_error) == \
        ("dispatched", "issued", 1, "")
    [booked] = sandbox.waybills()
    assert booked["reference"].startswith(f"PO-1/S{shipment_id}-{waybill.idempotency_key[:8]}")
    live = [w for w in sandbox.waybills(booked["reference"]) if w["status"] != "cancelled"]
    assert [w["waybill_number"] for w in live] == [waybill.waybill_number]
    assert waybill.tracking_url == booked["tracking_url"]


def test_a_timeout_that_booked_nothing_is_raised_then_booked_once(carrier):
    sandbox = carrier(fault_timeout_rate=1.0)
    shipment_id = ready_shipment()
    with pytest.raises(CarrierAmbiguous, match="did not answer POST /waybills/batch in time"):
        request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (shipment_status(shipment_id), waybill.status, waybill.attempts) == ("ready", "requested", 1)
    assert waybill.last_error.startswith("attempt 1: sandbox carrier did not answer POST /waybills/batch in time")
    assert sandbox.waybills() == []  # the sandbox answers a timeout fault without booking

    sandbox.faults_off()
    request_waybill(shipment_id)
    again = waybill_of(shipment_id)
    assert (shipment_status(shipment_id), again.status, again.attempts, again.idempotency_key) == \
        ("dispatched", "issued", 2, waybill.idempotency_key)
    assert [w["waybill_number"] for w in sandbox.waybills()] == [again.waybill_number]


def test_a_refused_shipment_fails_at_once_with_the_carriers_message(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment()
    Order.update(ship_to_postcode="").where(Order.id == Shipment.get_by_id(shipment_id).order_id).execute()
    request_waybill(shipment_id)  # no exception: retrying cannot help
    reference = f"PO-1/S{shipment_id}-{waybill_of(shipment_id).idempotency_key[:8]}"
    assert_failed_with_alert(shipment_id, f"sandbox refused the shipment: sandbox carrier refused POST /waybills/batch "
                                          f"for {reference} (422)")
    assert '"postcode":"required"' in waybill_of(shipment_id).last_error.replace(" ", "")
    assert waybill_of(shipment_id).attempts == 1
    assert sandbox.waybills() == []


# --- polling a carrier without webhooks ----------------------------------------------------------

def test_poll_waybill_stores_the_carriers_events_once(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment(widget_kg="10", widgets=3)
    request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (waybill.carrier, waybill.tracking_mode) == ("sandbox_freight", "poll")
    order_id = Shipment.get_by_id(shipment_id).order_id

    for code in ("picked_up", "in_transit"):
        assert sandbox.add_event(waybill.waybill_number, code)["delivered"] is None  # no callback to post to
    poll_waybill(waybill.id)
    assert [e.code for e in TrackingEvent.select().order_by(TrackingEvent.occurred_at, TrackingEvent.id)] == \
        ["picked_up", "in_transit"]
    assert {e.carrier for e in TrackingEvent.select()} == {"sandbox_freight"}
    assert shipment_status(shipment_id) == "in_transit"
    poll_waybill(waybill.id)
    assert TrackingEvent.select().count() == 2

    sandbox.add_event(waybill.waybill_number, "delivered")
    poll_waybill(waybill.id)
    assert TrackingEvent.select().count() == 3
    assert (shipment_status(shipment_id), Order.get_by_id(order_id).status) == ("delivered", "delivered")
    assert waybill_of(shipment_id).next_poll_at is None
    poll_waybill(waybill.id)  # delivered: nothing left to ask
    assert TrackingEvent.select().count() == 3


# --- booking again at the carrier ----------------------------------------------------------------

def test_cancelled_at_the_carrier_and_booked_again(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment()
    request_waybill(shipment_id)
    first = waybill_of(shipment_id)
    assert cancel_booking(shipment_id, actor=OPS, reason="wrong address", settings=current_settings())
    assert shipment_status(shipment_id) == "ready"
    book_again(shipment_id, actor=OPS, carriers=CARRIERS)
    request_waybill(shipment_id)
    second = waybill_of(shipment_id)
    assert (shipment_status(shipment_id), second.status) == ("dispatched", "issued")
    assert second.idempotency_key != first.idempotency_key
    assert [(w["waybill_number"], w["status"]) for w in sandbox.waybills()] == \
        [(first.waybill_number, "cancelled"), (second.waybill_number, "created")]


def test_booked_again_with_a_polled_carrier_is_polled(carrier):
    carrier()
    shipment_id = ready_shipment()
    request_waybill(shipment_id)
    assert cancel_booking(shipment_id, actor=OPS, reason="too heavy for parcel", settings=current_settings())
    book_again(shipment_id, actor=OPS, carrier="sandbox_freight", carriers=CARRIERS)
    request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (waybill.carrier, waybill.status, shipment_status(shipment_id)) == \
        ("sandbox_freight", "issued", "dispatched")
    assert waybill.next_poll_at is not None
    Waybill.update(next_poll_at=utc_now() - timedelta(seconds=1)).where(Waybill.id == waybill.id).execute()
    assert schedule_due_polls(timedelta(minutes=5)) == 1


def test_no_quote_answering_books_with_the_first_candidate_and_counts_the_attempt(carrier, monkeypatch):
    carrier()
    shipment_id = ready_shipment()

    def down(self, requests):
        raise CarrierUnavailable("quotes are down")

    monkeypatch.setattr("workers.carriers.sandbox.SandboxCarrier.quote_many", down)
    request_waybill(shipment_id)
    waybill = waybill_of(shipment_id)
    assert (waybill.carrier, waybill.status, waybill.attempts, shipment_status(shipment_id)) == \
        ("sandbox", "issued", 1, "dispatched")
    assert waybill.quoted_price is None and "no carrier quoted" in waybill.choice_reason


# --- a failed shipment cancelled with its order -----------------------------------------------------

def test_cancelling_a_failed_shipment_cancels_a_booking_its_unanswered_call_made(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment()
    job = prepare_waybill(shipment_id, choose=sandbox_choice)
    # The carrier booked it, but the answer never came and the lookups failed too: we gave up.
    booked = carrier_for("sandbox", current_settings()).create_waybill(WaybillRequest(
        reference=job.reference, idempotency_key=job.idempotency_key, ship_to=ShipTo(**job.ship_to),
        weight_kg=job.weight_kg))
    assert fail_waybill(shipment_id, "gave up after 3 attempts; last error: read timeout", actor=ACTOR)
    order_id = Shipment.get_by_id(shipment_id).order_id
    assert cancel_order(order_id, actor="ops", reason="customer cancelled")
    nudged = [m.args for m in OutboxMessage.unsent().where(OutboxMessage.actor_name == WAYBILL_RELEASES.actor_name)]
    assert nudged == [[[shipment_id]]]
    release_failed_booking(shipment_id)
    assert [(w["waybill_number"], w["status"]) for w in sandbox.waybills(job.reference)] == \
        [(booked.waybill_number, "cancelled")]
    assert waybill_of(shipment_id).status == "cancelled"
    release_failed_booking(shipment_id)  # a second run finds nothing to do


def test_a_failed_shipment_nothing_was_booked_for_is_simply_closed(carrier):
    sandbox = carrier()
    shipment_id = ready_shipment()
    job = prepare_waybill(shipment_id, choose=sandbox_choice)
    assert fail_waybill(shipment_id, "refused", actor=ACTOR)
    assert cancel_order(Shipment.get_by_id(shipment_id).order_id, actor="ops", reason="no longer needed")
    release_failed_booking(shipment_id)
    assert sandbox.waybills(job.reference) == []
    assert (waybill_of(shipment_id).status, waybill_of(shipment_id).last_error) == \
        ("cancelled", "the carrier holds no booking")
