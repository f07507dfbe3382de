import socket
import threading
from dataclasses import asdict, replace
from datetime import timezone
from decimal import Decimal

import pytest
import requests
from urllib3.exceptions import MaxRetryError, NameResolutionError

from models.core.config import load_settings
from models.core.errors import (
    CarrierAmbiguous,
    CarrierRejected,
    CarrierUnavailable,
    ConfigError,
)
from portal.carrier_sandbox import make_sandbox_server
from workers.carriers import carrier_for
from workers.carriers.base import (
    IssuedWaybill,
    QuoteRequest,
    ShipTo,
    WaybillRequest,
    create_each,
)
from workers.carriers.sandbox import SandboxCarrier

SHIP_TO = ShipTo(name="Acme Ltd", address="1 Main St", city="Springfield", region="IL", postcode="62701",
                 country="US")


def waybill_request(reference: str = "SO-1", key: str = "SO-1/1", **overrides) -> WaybillRequest:
    fields = {"reference": reference, "idempotency_key": key, "ship_to": SHIP_TO, "weight_kg": Decimal("2.50")}
    return WaybillRequest(**(fields | overrides))


@pytest.fixture
def sandbox():
    """Start sandbox servers in threads; returns their base URL."""
    servers = []

    def start(**settings) -> str:
        server = make_sandbox_server("127.0.0.1", 0, webhook_secret="s", **settings)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/"

    yield start
    for server in servers:
        server.app.extensions["carrier_sandbox"].stop()
        server.shutdown()
        server.server_close()


def assert_not_ambiguous(raised: pytest.ExceptionInfo) -> None:
    # CarrierAmbiguous is a CarrierUnavailable: "certainly not sent" must be the plain class.
    assert type(raised.value) is CarrierUnavailable


def test_registry_builds_configured_carriers(tmp_path):
    settings = load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_CARRIER_URL": "http://127.0.0.1:1"})
    carrier = carrier_for("sandbox", settings)
    assert isinstance(carrier, SandboxCarrier) and carrier.name == "sandbox"
    assert carrier.base_url == "http://127.0.0.1:1" and carrier.rate_card == "parcel"
    freight = carrier_for("sandbox_freight", settings)
    assert freight.name == "sandbox_freight" and freight.rate_card == "freight"
    with pytest.raises(ConfigError, match="unknown carrier 'pigeon'"):
        carrier_for("pigeon", settings)


def test_a_carriers_file_with_mistakes_names_each(tmp_path):
    path = tmp_path / "carriers.json"
    path.write_text('{"carriers": {"post": {"adapter": "pigeon", "base_url": "ftp://x"}}, '
                    '"rules": [{"carrier": "nobody"}]}')
    settings = load_settings({"OMS_DATA_DIR": str(tmp_path), "OMS_CARRIERS_FILE": str(path)})
    with pytest.raises(ConfigError) as raised:
        carrier_for("post", settings)
    assert "carriers.post" in str(raised.value) and "rules[0]" in str(raised.value)


def test_quotes_follow_the_rate_card(sandbox):
    url = sandbox()
    parcel = QuoteRequest(ship_to=waybill_request().ship_to, weight_kg=Decimal("10"), service_level="standard")
    assert SandboxCarrier(url).quote(parcel).price == Decimal("14.00")  # 6.00 + 0.80 × 10
    freight = SandboxCarrier(url, name="sandbox_freight", rate_card="freight").quote(parcel)
    assert (freight.carrier, freight.price, freight.transit_days) == ("sandbox_freight", Decimal("37.50"), 4)
    with pytest.raises(CarrierRejected, match="service_level"):
        SandboxCarrier(url, rate_card="freight").quote(
            QuoteRequest(ship_to=parcel.ship_to, weight_kg=Decimal("1"), service_level="express"))


def test_many_parcels_are_quoted_in_one_call_each_answered_on_its_own(sandbox):
    url = sandbox()
    ship_to = waybill_request().ship_to
    answers = SandboxCarrier(url, rate_card="freight").quote_many([
        QuoteRequest(ship_to=ship_to, weight_kg=Decimal("10"), service_level="standard"),
        QuoteRequest(ship_to=ship_to, weight_kg=Decimal("1"), service_level="express"),  # not on the freight card
        QuoteRequest(ship_to=ship_to, weight_kg=Decimal("2"), service_level="economy")])
    assert answers[0].price == Decimal("37.50") and answers[2].price == Decimal("30.40")
    assert isinstance(answers[1], CarrierRejected) and "service_level" in str(answers[1])


def test_create_is_idempotent_and_findable(sandbox):
    url = sandbox()
    carrier = SandboxCarrier(url)
    issued = carrier.create_waybill(waybill_request())
    assert issued.waybill_number.startswith("SBX") and issued.carrier == "sandbox" and issued.reference == "SO-1"
    assert issued.tracking_url.endswith(f"/track/{issued.waybill_number}")
    assert carrier.create_waybill(waybill_request()) == issued
    assert len(requests.get(url + "waybills", timeout=3).json()["waybills"]) == 1
    assert carrier.find_waybill("SO-1") == issued
    assert carrier.find_waybill("SO-404") is None


def test_create_sends_every_field(sandbox):
    url = sandbox()
    request = waybill_request(parcels=3, service_level="express", callback_url="http://127.0.0.1:9/hook",
                              ship_to=replace(SHIP_TO, phone="555"))
    number = SandboxCarrier(url).create_waybill(request).waybill_number
    stored = requests.get(f"{url}waybills/{number}", timeout=3).json()
    assert stored["ship_to"] == asdict(SHIP_TO) | {"phone": "555"}
    assert (stored["weight_kg"], stored["parcels"], stored["service_level"], stored["callback_url"]) == (
        "2.50", 3, "express", "http://127.0.0.1:9/hook")


def test_cancel_and_find_skips_cancelled(sandbox):
    carrier = SandboxCarrier(sandbox())
    first = carrier.create_waybill(waybill_request(key="k1"))
    carrier.cancel_waybill(first.waybill_number)
    carrier.cancel_waybill(first.waybill_number)  # already cancelled: not an error
    assert carrier.find_waybill("SO-1") is None
    second = carrier.create_waybill(waybill_request(key="k2"))
    assert carrier.find_waybill("SO-1") == second != first


def test_cancel_after_pickup_and_unknown_waybill_rejected(sandbox):
    url = sandbox()
    carrier = SandboxCarrier(url)
    number = carrier.create_waybill(waybill_request()).waybill_number
    requests.post(f"{url}waybills/{number}/events", json={"code": "picked_up"}, timeout=3).raise_for_status()
    with pytest.raises(CarrierRejected, match="409"):
        carrier.cancel_waybill(number)
    with pytest.raises(CarrierRejected, match="404"):
        carrier.cancel_waybill("SBX0000000000")


def test_fetch_tracking(sandbox):
    url = sandbox()
    carrier = SandboxCarrier(url)
    number = carrier.create_waybill(waybill_request()).waybill_number
    assert carrier.fetch_tracking(number) == []
    for code in ("picked_up", "in_transit"):
        requests.post(f"{url}waybills/{number}/events", json={"code": code}, timeout=3).raise_for_status()
    updates = carrier.fetch_tracking(number)
    assert [u.code for u in updates] == ["picked_up", "in_transit"]
    assert all(u.waybill_number == number and u.event_id and u.description for u in updates)
    assert all(u.occurred_at.tzinfo == timezone.utc for u in updates)
    assert updates[0].occurred_at <= updates[1].occurred_at
    with pytest.raises(CarrierRejected, match="404"):
        carrier.fetch_tracking("SBX0000000000")


def test_refused_connection_is_unavailable():
    # A bound socket that does not listen: connecting to it is refused, and no other test can take the port.
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        carrier = SandboxCarrier(f"http://127.0.0.1:{placeholder.getsockname()[1]}")
        with pytest.raises(CarrierUnavailable) as raised:
            carrier.create_waybill(waybill_request())
    assert_not_ambiguous(raised)


def test_5xx_is_unavailable_with_status_and_body(sandbox):
    carrier = SandboxCarrier(sandbox(fault_5xx_rate=1.0))
    with pytest.raises(CarrierUnavailable, match="503.*service unavailable") as raised:
        carrier.create_waybill(waybill_request())
    assert_not_ambiguous(raised)


def test_timeout_is_ambiguous(sandbox):
    carrier = SandboxCarrier(sandbox(fault_timeout_rate=1.0, timeout_sleep_seconds=2), read_timeout=0.5)
    with pytest.raises(CarrierAmbiguous):
        carrier.create_waybill(waybill_request())
    assert carrier.find_waybill("SO-1") is None


def test_lost_reply_is_ambiguous_and_find_recovers_it(sandbox):
    url = sandbox(fault_lost_reply_rate=1.0)
    carrier = SandboxCarrier(url)
    with pytest.raises(CarrierAmbiguous):
        carrier.create_waybill(waybill_request())
    found = carrier.find_waybill("SO-1")
    assert found is not None and found.reference == "SO-1"
    assert [w["waybill_number"] for w in requests.get(url + "waybills", timeout=3).json()["waybills"]] == [
        found.waybill_number
    ]


def test_invalid_request_is_rejected_with_the_carriers_message(sandbox):
    carrier = SandboxCarrier(sandbox())
    with pytest.raises(CarrierRejected, match="422.*weight_kg"):
        carrier.create_waybill(waybill_request(weight_kg=Decimal("0")))
    carrier.create_waybill(waybill_request(reference="SO-1", key="k"))
    with pytest.raises(CarrierRejected, match="409"):
        carrier.create_waybill(waybill_request(reference="SO-2", key="k"))


class RaisingSession:
    """Stands in for requests.Session: records the timeout and raises the given exception."""

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.timeouts: list = []

    def request(self, method, url, *, timeout=None, **kwargs):
        self.timeouts.append(timeout)
        raise self.exc


@pytest.mark.parametrize("exc, expected", [
    (requests.ConnectTimeout("connect timed out"), CarrierUnavailable),
    (requests.ReadTimeout("read timed out"), CarrierAmbiguous),
    (requests.exceptions.ChunkedEncodingError("truncated"), CarrierAmbiguous),
    (requests.ConnectionError("reset by peer"), CarrierAmbiguous),
    (requests.ConnectionError(MaxRetryError(None, "/waybills", NameResolutionError(
        "carrier.invalid", None, socket.gaierror("Name or service not known")))), CarrierUnavailable),
])
def test_exception_mapping(exc, expected):
    session = RaisingSession(exc)
    carrier = SandboxCarrier("http://carrier.invalid", connect_timeout=1.5, read_timeout=7, session=session)
    with pytest.raises(CarrierUnavailable) as raised:
        carrier.create_waybill(waybill_request())
    assert type(raised.value) is expected
    assert session.timeouts == [(1.5, 7)]


# --- booking many in one call ------------------------------------------------------------------

def test_a_batch_books_each_request_once_and_replays_by_key(sandbox):
    url = sandbox()
    carrier = SandboxCarrier(url)
    batch = [waybill_request("SO-1", "k1"), waybill_request("SO-2", "k2", service_level="express")]
    first = carrier.create_waybills(batch)
    assert [(w.reference, w.carrier) for w in first] == [("SO-1", "sandbox"), ("SO-2", "sandbox")]
    assert carrier.create_waybill(waybill_request("SO-1", "k1")) == first[0]  # one key, one waybill, either way
    again = carrier.create_waybills(batch + [waybill_request("SO-3", "k3")])
    assert again[:2] == first and again[2].reference == "SO-3"
    listed = requests.get(url + "waybills", timeout=3).json()["waybills"]
    assert [(w["reference"], w["service_level"]) for w in listed] == \
        [("SO-1", "standard"), ("SO-2", "express"), ("SO-3", "standard")]


def test_a_batch_answers_each_refusal_for_its_own_request(sandbox):
    carrier = SandboxCarrier(sandbox())
    carrier.create_waybill(waybill_request("SO-1", "taken"))
    answers = carrier.create_waybills([waybill_request("SO-2", "taken"), waybill_request("SO-3", "k3"),
                                       waybill_request("SO-4", "k4", weight_kg=Decimal("0"))])
    assert isinstance(answers[0], CarrierRejected) and "(409)" in str(answers[0]) and "SO-2" in str(answers[0])
    assert answers[1].reference == "SO-3"
    assert isinstance(answers[2], CarrierRejected) and "(422)" in str(answers[2]) and "weight_kg" in str(answers[2])
    assert carrier.find_waybill("SO-2") is None and carrier.find_waybill("SO-4") is None


def test_a_fault_fails_the_whole_batch_call(sandbox):
    down = SandboxCarrier(sandbox(fault_5xx_rate=1.0))
    with pytest.raises(CarrierUnavailable, match="503 to POST /waybills/batch") as raised:
        down.create_waybills([waybill_request("SO-1", "k1"), waybill_request("SO-2", "k2")])
    assert_not_ambiguous(raised)
    assert down.find_waybill("SO-1") is None

    url = sandbox(fault_lost_reply_rate=1.0)
    lost = SandboxCarrier(url)
    with pytest.raises(CarrierAmbiguous):
        lost.create_waybills([waybill_request("SO-1", "k1"), waybill_request("SO-2", "k2")])
    assert [lost.find_waybill(ref).reference for ref in ("SO-1", "SO-2")] == ["SO-1", "SO-2"]  # booked, unanswered


class OneAtATime:
    """A carrier without a batch API: the protocol's default books one call per request."""

    name = "single"

    def __init__(self, answers: list) -> None:
        self.answers, self.sent = answers, []

    def create_waybill(self, request: WaybillRequest):
        self.sent.append(request.reference)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_without_a_batch_api_each_request_is_sent_until_the_carrier_is_unreachable():
    issued = IssuedWaybill(waybill_number="W1", carrier="single", tracking_url="t", reference="SO-1")
    lost, down = CarrierAmbiguous("reset"), CarrierUnavailable("refused")
    carrier = OneAtATime([issued, lost, down])
    requests_ = [waybill_request(f"SO-{n}", f"k{n}") for n in range(1, 6)]
    assert create_each(carrier, requests_) == [issued, lost, down, down, down]
    assert carrier.sent == ["SO-1", "SO-2", "SO-3"]  # nothing more sent to a carrier that refuses connections
