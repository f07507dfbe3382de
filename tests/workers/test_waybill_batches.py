"""The waybill stage books a batch (workers/shipping.py request_waybills): a fixed number of statements and one
booking call per carrier whatever the batch size, and every guarantee of booking one shipment at a time kept:
one waybill per shipment, lost replies looked up, refusals parked at once, attempts counted. On SQLite and
PostgreSQL, with an in-memory carrier standing in for the HTTP one."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models.core.errors import CarrierAmbiguous, CarrierRejected, CarrierUnavailable
from models.orders.tables import Order
from models.receivables.ledger import Invoice
from models.shipping.dispatch import Parcel
from models.shipping.rules import ParcelFacts, Quote
from models.shipping.tables import Shipment, ShipmentAlert, ShipmentEvent, Waybill
from tests.models.shipping.test_booking import make_world, ready_shipments
from tests.statement_count import counted_statements
from workers import shipping
from workers.broker import current_settings
from workers.carriers.base import IssuedWaybill, QuoteRequest, WaybillRequest


class FakeCarrier:
    """Books in memory, idempotent per key; records every call. ``fault`` hits the next booking call as a whole
    (``"503"``: nothing booked; ``"lost_reply"``: booked, no answer); ``down`` references answer 503 per item;
    an empty postcode is refused per item."""

    def __init__(self, name: str, books: dict[str, IssuedWaybill], calls: list[tuple]) -> None:
        self.name, self.books, self.calls = name, books, calls
        self.fault: str | None = None
        self.down: set[str] = set()

    def quote(self, request: QuoteRequest) -> Quote:
        self.calls.append(("quote", self.name))
        return Quote(carrier=self.name, price=Decimal("5.00" if self.name == "sandbox" else "9.00"), currency="USD",
                     transit_days=2)

    def quote_many(self, requests: list[QuoteRequest]) -> list[Quote]:
        self.calls.append(("quote", self.name))
        return [Quote(carrier=self.name, price=Decimal("5.00" if self.name == "sandbox" else "9.00"), currency="USD",
                      transit_days=2) for _ in requests]

    def create_waybill(self, request: WaybillRequest) -> IssuedWaybill:
        self.calls.append(("create", self.name))
        return self._answer(self._whole_call_fault(), request)

    def create_waybills(self, requests: list[WaybillRequest]) -> list[IssuedWaybill | Exception]:
        self.calls.append(("create", self.name))
        fault = self._whole_call_fault()
        answers = []
        for request in requests:
            try:
                answers.append(self._answer(None, request))
            except (CarrierRejected, CarrierUnavailable) as exc:
                answers.append(exc)
        if fault == "lost_reply":
            raise CarrierAmbiguous("connection lost during the batch")
        return answers

    def find_waybill(self, reference: str) -> IssuedWaybill | None:
        self.calls.append(("find", self.name))
        return next((w for w in self.books.values() if w.reference == reference), None)

    def _whole_call_fault(self) -> str | None:
        fault, self.fault = self.fault, None
        if fault == "503":
            raise CarrierUnavailable("answered 503")
        return fault

    def _answer(self, fault: str | None, request: WaybillRequest) -> IssuedWaybill:
        if not request.ship_to.postcode:
            raise CarrierRejected("postcode required")
        if request.reference in self.down:
            raise CarrierUnavailable("answered 503 for this one")
        if request.idempotency_key not in self.books:
            self.books[request.idempotency_key] = IssuedWaybill(
                waybill_number=f"FK{len(self.books) + 1:08d}", carrier=self.name,
                tracking_url=f"https://fake/{len(self.books) + 1}", reference=request.reference)
        if fault == "lost_reply":
            raise CarrierAmbiguous("connection lost")
        return self.books[request.idempotency_key]


@pytest.fixture
def carrier(any_db, monkeypatch, tmp_path):
    """The parcel carrier the rules choose (its freight sibling only quotes here), patched into the stage."""
    monkeypatch.setenv("OMS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OMS_WAYBILL_MAX_ATTEMPTS", "3")
    current_settings.cache_clear()
    books: dict[str, IssuedWaybill] = {}
    calls: list[tuple] = []
    carriers = {name: FakeCarrier(name, books, calls) for name in ("sandbox", "sandbox_freight")}
    monkeypatch.setattr(shipping, "carrier_for", lambda name, settings: carriers[name])
    yield carriers["sandbox"]
    current_settings.cache_clear()


def bookings(fake: FakeCarrier) -> int:
    return sum(1 for call in fake.calls if call[0] == "create")


def shipment_statuses(ids: list[int]) -> list[str]:
    return [Shipment.get_by_id(shipment_id).status for shipment_id in ids]


def test_a_batch_costs_the_same_statements_and_one_booking_call_for_n_and_2n_shipments(carrier):
    make_world()
    small, large = ready_shipments(4, "S"), ready_shipments(8, "L")
    cost = {}
    for name, ids in (("small", small), ("large", large)):
        carrier.calls.clear()
        with counted_statements() as statements:
            shipping.request_waybills.fn(ids)
        cost[name] = (len(statements), bookings(carrier))
        assert set(shipment_statuses(ids)) == {"dispatched"}
    assert cost["small"] == cost["large"] and cost["small"][1] == 1, cost
    assert len(carrier.books) == len(small) + len(large)
    assert Order.select().where(Order.status == "shipped").count() == len(small) + len(large)


def test_a_batch_larger_than_a_carrier_call_is_booked_in_calls_of_the_cap_and_recorded_at_once(carrier, monkeypatch):
    make_world()
    ids = ready_shipments(5)
    monkeypatch.setattr(shipping, "CARRIER_CALL_MAX", 2)
    with counted_statements() as statements:
        shipping.request_waybills.fn(ids)
    assert bookings(carrier) == 3
    assert shipment_statuses(ids) == ["dispatched"] * 5
    assert len(carrier.books) == 5 and Waybill.select().where(Waybill.status == "issued").count() == 5
    monkeypatch.setattr(shipping, "CARRIER_CALL_MAX", 250)
    more = ready_shipments(5, "M")
    with counted_statements() as one_call:
        shipping.request_waybills.fn(more)
    assert len(statements) == len(one_call)  # the database work is the same set-based batch


def test_a_redelivered_batch_books_nothing_twice(carrier):
    make_world()
    ids = ready_shipments(3)
    shipping.request_waybills.fn(ids)
    carrier.calls.clear()
    shipping.request_waybills.fn(ids)  # redelivered: every shipment skips by its guard
    assert carrier.calls == []
    assert sorted(w.reference for w in carrier.books.values()) == sorted(
        w.shipment.order.external_ref + f"/S{w.shipment_id}-{w.idempotency_key[:8]}" for w in Waybill.select())
    assert [(w.status, w.attempts) for w in Waybill.select()] == [("issued", 1)] * 3
    assert Invoice.select().count() == 3 and ShipmentEvent.select().count() == 3


def test_a_lost_reply_to_the_batch_is_looked_up_by_reference_and_booked_once(carrier):
    make_world()
    ids = ready_shipments(3)
    carrier.fault = "lost_reply"
    shipping.request_waybills.fn(ids)  # booked, unanswered: found by reference, no exception
    assert [call[0] for call in carrier.calls if call[0] != "quote"] == ["create", "find", "find", "find"]
    assert set(shipment_statuses(ids)) == {"dispatched"} and len(carrier.books) == 3
    assert {w.waybill_number for w in Waybill.select()} == {w.waybill_number for w in carrier.books.values()}


def test_per_item_errors_park_the_refused_retry_the_unavailable_and_record_the_rest(carrier):
    make_world()
    booked, refused, unavailable = ready_shipments(3)
    Order.update(ship_to_postcode="").where(Order.id == Shipment.get_by_id(refused).order_id).execute()
    shipping.prepare_waybills([unavailable], choose=lambda parcels: shipping.choose_carriers(parcels, current_settings()))
    carrier.down = {_reference(unavailable)}
    Waybill.update(attempts=0).where(Waybill.shipment == unavailable).execute()
    with pytest.raises(CarrierUnavailable, match="for this one"):
        shipping.request_waybills.fn([booked, refused, unavailable])
    assert shipment_statuses([booked, refused, unavailable]) == ["dispatched", "failed", "ready"]
    [alert] = ShipmentAlert.select()
    assert (alert.shipment_id, alert.kind) == (refused, "waybill_failed") and "postcode required" in alert.message
    waiting = Waybill.get(Waybill.shipment == unavailable)
    assert (waiting.status, waiting.attempts, waiting.last_error) == \
        ("requested", 1, "attempt 1: answered 503 for this one")

    carrier.down.clear()
    shipping.request_waybills.fn([booked, refused, unavailable])  # the retry of the message
    assert shipment_statuses([booked, refused, unavailable]) == ["dispatched", "failed", "dispatched"]
    assert [w.attempts for w in Waybill.select().order_by(Waybill.shipment)] == [1, 1, 2]
    assert len(carrier.books) == 2


def test_a_carrier_down_for_every_attempt_parks_the_batch_for_ops(carrier):
    make_world()
    ids = ready_shipments(2)
    for attempt in (1, 2):
        carrier.fault = "503"
        with pytest.raises(CarrierUnavailable):
            shipping.request_waybills.fn(ids)
        assert [(w.status, w.attempts) for w in Waybill.select()] == [("requested", attempt)] * 2
    carrier.fault = "503"
    shipping.request_waybills.fn(ids)  # the last attempt: no exception, ops take over
    assert set(shipment_statuses(ids)) == {"failed"} and ShipmentAlert.select().count() == 2
    assert {w.last_error for w in Waybill.select()} == {"gave up after 3 attempts; last error: answered 503"}
    assert carrier.books == {}


def _reference(shipment_id: int) -> str:
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    return f"{waybill.shipment.order.external_ref}/S{shipment_id}-{waybill.idempotency_key[:8]}"


def test_a_batch_left_to_price_asks_each_carrier_for_quotes_once(carrier):
    """Rate shopping for a batch: one quote call per carrier, however many parcels."""
    parcels = [Parcel(facts=ParcelFacts(region="R1", country="US", weight_kg=Decimal(weight), service_level="standard"),
                      ship_to={"name": "A", "phone": "", "address": "1 Road", "city": "Town", "region": "R1",
                               "postcode": "12345", "country": "US"}) for weight in ("1.0", "2.0", "3.0", "4.0")]
    choices = shipping.choose_carriers(parcels, current_settings())
    assert len(choices) == 4
    quote_calls = [name for kind, name in carrier.calls if kind == "quote"]
    assert sorted(quote_calls) == ["sandbox", "sandbox_freight"]  # one call each for the four parcels
