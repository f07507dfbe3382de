import json
import re
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from models.core.errors import ConfigError, SignatureInvalid
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_body,
)
from portal.carrier_sandbox import (
    create_sandbox_app,
    make_sandbox_server,
    sandbox_settings_from_env,
)

SECRET = "test-secret"
SHIP_TO = {"name": "Acme Ltd", "address": "1 Main St", "city": "Springfield", "region": "IL", "postcode": "62701",
           "country": "US", "phone": "+1 555 0100"}


def waybill_body(reference: str = "SO-1", **overrides) -> dict:
    return {"reference": reference, "ship_to": SHIP_TO, "weight_kg": "2.50", "parcels": 1} | overrides


def post_waybill(client, key: str | None = "key-1", body: dict | None = None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/waybills", json=body or waybill_body(), headers=headers)


class Receiver:
    """A webhook endpoint that records every delivery; the first fail_first deliveries get a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.deliveries: list[tuple[str | None, str | None, bytes]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        req = Request(environ)
        with self.lock:
            self.deliveries.append((req.headers.get(TIMESTAMP_HEADER), req.headers.get(SIGNATURE_HEADER),
                                    req.get_data()))
            failing = len(self.deliveries) <= self.fail_first
        start_response("500 INTERNAL SERVER ERROR" if failing else "204 NO CONTENT", [])
        return [b""]

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.deliveries) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.deliveries) >= count, f"only {len(self.deliveries)} deliveries"

    def verified_events(self, secret: str = SECRET) -> list[dict]:
        events = []
        for ts, sig, body in self.deliveries:
            verify_body(secret, ts, sig, body, now=time.time())
            events.extend(json.loads(body)["events"])
        return events


@pytest.fixture
def serve():
    """Start WSGI servers on 127.0.0.1 and a free port, in threads; returns the base URL."""
    servers = []

    def start(server) -> str:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        state = getattr(server.app, "extensions", {}).get("carrier_sandbox")
        if state is not None:
            state.stop()  # wakes walks and fault sleeps so no thread outlives the test
        server.shutdown()
        server.server_close()


@pytest.fixture
def sandbox(serve):
    return lambda **settings: serve(make_sandbox_server("127.0.0.1", 0, **({"webhook_secret": SECRET} | settings)))


@pytest.fixture
def receiver(serve):
    def start(fail_first: int = 0) -> tuple[Receiver, str]:
        app = Receiver(fail_first)
        return app, serve(make_server("127.0.0.1", 0, app, threaded=True)) + "/hooks/carrier"
    return start


@pytest.fixture
def client():
    return create_sandbox_app(webhook_secret=SECRET, seed=1).test_client()


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_create_then_replay_same_key_gives_one_waybill(client):
    first = post_waybill(client)
    again = post_waybill(client)
    assert first.status_code == 201 and again.status_code == 200
    waybill = first.get_json()
    assert again.get_json() == waybill
    assert re.fullmatch(r"SBX\d{10}", waybill["waybill_number"])
    assert waybill["tracking_url"] == f"http://localhost/track/{waybill['waybill_number']}"
    assert (waybill["carrier"], waybill["reference"], waybill["status"]) == ("sandbox", "SO-1", "created")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", waybill["created_at"])
    assert [w["waybill_number"] for w in client.get("/waybills").get_json()["waybills"]] == [
        waybill["waybill_number"]
    ]
    assert client.get(f"/waybills/{waybill['waybill_number']}").get_json() == waybill


def test_new_keys_give_new_waybills_and_reference_filter(client):
    a = post_waybill(client, "k1", waybill_body("SO-1")).get_json()["waybill_number"]
    b = post_waybill(client, "k2", waybill_body("SO-1")).get_json()["waybill_number"]
    c = post_waybill(client, "k3", waybill_body("SO-2")).get_json()["waybill_number"]
    assert len({a, b, c}) == 3
    listed = client.get("/waybills", query_string={"reference": "SO-1"}).get_json()["waybills"]
    assert [w["waybill_number"] for w in listed] == [a, b]
    assert len(client.get("/waybills").get_json()["waybills"]) == 3
    assert client.get("/waybills", query_string={"reference": "nope"}).get_json() == {"waybills": []}


def test_key_reused_for_other_reference_is_409(client):
    post_waybill(client, "k1", waybill_body("SO-1"))
    response = post_waybill(client, "k1", waybill_body("SO-2"))
    assert response.status_code == 409
    assert "SO-1" in response.get_json()["error"]
    assert len(client.get("/waybills").get_json()["waybills"]) == 1


def test_missing_key_is_400_and_creates_nothing(client):
    assert post_waybill(client, key=None).status_code == 400
    assert client.get("/waybills").get_json() == {"waybills": []}


@pytest.mark.parametrize("body, field", [
    ({k: v for k, v in waybill_body().items() if k != "reference"}, "reference"),
    (waybill_body(reference=" "), "reference"),
    (waybill_body(ship_to={k: v for k, v in SHIP_TO.items() if k != "city"}), "ship_to"),
    (waybill_body(ship_to="Springfield"), "ship_to"),
    (waybill_body(weight_kg="heavy"), "weight_kg"),
    (waybill_body(weight_kg=0), "weight_kg"),
    (waybill_body(weight_kg=True), "weight_kg"),
    (waybill_body(parcels=0), "parcels"),
    (waybill_body(parcels="2"), "parcels"),
    (waybill_body(service_level="teleport"), "service_level"),
    (waybill_body(callback_url="ftp://example.com/x"), "callback_url"),
    (["not", "an", "object"], "_body"),
])
def test_invalid_body_is_422(client, body, field):
    response = post_waybill(client, body=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert client.get("/waybills").get_json() == {"waybills": []}


def test_missing_ship_to_field_is_named(client):
    response = post_waybill(client, body=waybill_body(ship_to=SHIP_TO | {"postcode": ""}))
    assert response.get_json()["errors"] == {"ship_to": {"postcode": "required"}}


def test_numeric_weight_and_defaults_accepted(client):
    response = post_waybill(client, body={"reference": "SO-9", "ship_to": SHIP_TO, "weight_kg": 1.25})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["weight_kg"], body["parcels"], body["service_level"]) == ("1.25", 1, "standard")


def test_cancel(client):
    number = post_waybill(client).get_json()["waybill_number"]
    response = client.delete(f"/waybills/{number}")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert client.delete(f"/waybills/{number}").status_code == 200
    # Cancelled waybills are still listed: the key still maps to them.
    assert [w["status"] for w in client.get("/waybills").get_json()["waybills"]] == ["cancelled"]
    assert post_waybill(client).get_json()["status"] == "cancelled"
    assert client.post(f"/waybills/{number}/events", json={"code": "picked_up"}).status_code == 409


def test_cancel_after_pickup_is_409_and_unknown_is_404(client):
    number = post_waybill(client).get_json()["waybill_number"]
    assert client.post(f"/waybills/{number}/events", json={"code": "picked_up"}).status_code == 201
    assert client.delete(f"/waybills/{number}").status_code == 409
    assert client.get(f"/waybills/{number}").get_json()["status"] == "picked_up"
    assert client.delete("/waybills/SBX0000000000").status_code == 404
    assert client.get("/waybills/SBX0000000000").status_code == 404
    assert client.get("/waybills/SBX0000000000/events").status_code == 404


def test_event_hook_rejects_unknown_code(client):
    number = post_waybill(client).get_json()["waybill_number"]
    assert client.post(f"/waybills/{number}/events", json={"code": "teleported"}).status_code == 422
    assert client.get(f"/waybills/{number}/events").get_json() == {"events": []}


def test_fault_5xx_creates_nothing():
    client = create_sandbox_app(webhook_secret=SECRET, fault_5xx_rate=1.0).test_client()
    assert post_waybill(client).status_code == 503
    assert client.get("/waybills").get_json() == {"waybills": []}


def test_faults_follow_the_seed():
    def statuses(seed: int) -> list[int]:
        client = create_sandbox_app(webhook_secret=SECRET, fault_5xx_rate=0.5, seed=seed).test_client()
        return [post_waybill(client, f"k{i}").status_code for i in range(20)]

    assert statuses(7) == statuses(7)
    assert {503, 201} == set(statuses(7))


def test_fault_timeout_client_times_out_and_nothing_created(sandbox):
    url = sandbox(fault_timeout_rate=1.0, timeout_sleep_seconds=1.0)
    with pytest.raises(requests.ReadTimeout):
        requests.post(url + "/waybills", json=waybill_body(), headers={"Idempotency-Key": "k"}, timeout=(3, 0.3))
    assert requests.get(url + "/waybills", timeout=3).json() == {"waybills": []}


def test_fault_timeout_answers_504_after_the_sleep(sandbox):
    url = sandbox(fault_timeout_rate=1.0, timeout_sleep_seconds=0.2)
    started = time.monotonic()
    response = requests.post(url + "/waybills", json=waybill_body(), headers={"Idempotency-Key": "k"}, timeout=3)
    assert response.status_code == 504 and time.monotonic() - started >= 0.2
    assert requests.get(url + "/waybills", timeout=3).json() == {"waybills": []}


def test_fault_lost_reply_creates_but_never_answers(sandbox):
    url = sandbox(fault_lost_reply_rate=1.0, timeout_sleep_seconds=10)
    for _ in range(2):
        with pytest.raises(requests.ConnectionError) as raised:
            requests.post(url + "/waybills", json=waybill_body(), headers={"Idempotency-Key": "k"}, timeout=(3, 5))
        assert not isinstance(raised.value, requests.Timeout)
    waybills = requests.get(url + "/waybills", timeout=3).json()["waybills"]
    assert [w["reference"] for w in waybills] == ["SO-1"]


def test_delivery_walk_posts_signed_events_in_order(sandbox, receiver):
    hook, callback_url = receiver()
    url = sandbox(delivery_seconds=0.4)
    body = waybill_body(callback_url=callback_url)
    number = requests.post(url + "/waybills", json=body, headers={"Idempotency-Key": "k"}, timeout=3).json()[
        "waybill_number"
    ]
    hook.wait_for(4)
    events = hook.verified_events()
    assert [e["code"] for e in events] == ["picked_up", "in_transit", "out_for_delivery", "delivered"]
    assert {e["waybill_number"] for e in events} == {number} and {e["reference"] for e in events} == {"SO-1"}
    assert len({e["event_id"] for e in events}) == 4
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", e["occurred_at"]) for e in events)
    assert all(e["description"] and e["location"] for e in events)
    with pytest.raises(SignatureInvalid):
        hook.verified_events(secret="another-secret")
    assert requests.get(f"{url}/waybills/{number}/events", timeout=3).json() == {"events": events}
    assert requests.get(f"{url}/waybills/{number}", timeout=3).json()["status"] == "delivered"
    assert requests.delete(f"{url}/waybills/{number}", timeout=3).status_code == 409


def test_cancelled_waybill_stops_walking(sandbox, receiver):
    hook, callback_url = receiver()
    url = sandbox(delivery_seconds=0.4)
    body = waybill_body(callback_url=callback_url)
    number = requests.post(url + "/waybills", json=body, headers={"Idempotency-Key": "k"}, timeout=3).json()[
        "waybill_number"
    ]
    assert requests.delete(f"{url}/waybills/{number}", timeout=3).status_code == 200
    time.sleep(0.6)
    assert hook.deliveries == []
    assert requests.get(f"{url}/waybills/{number}/events", timeout=3).json() == {"events": []}


def test_event_hook_posts_now_and_retries(sandbox, receiver):
    hook, callback_url = receiver(fail_first=1)
    url = sandbox()
    body = waybill_body(callback_url=callback_url)
    number = requests.post(url + "/waybills", json=body, headers={"Idempotency-Key": "k"}, timeout=3).json()[
        "waybill_number"
    ]
    response = requests.post(f"{url}/waybills/{number}/events", json={"code": "delivery_failed",
                                                                       "description": "Nobody home"}, timeout=10)
    assert response.status_code == 201 and response.json()["delivered"] is True
    event = response.json()["event"]
    # The first delivery got a 500; the retry carries the same event.
    assert len(hook.deliveries) == 2
    assert hook.verified_events() == [event, event]
    assert (event["code"], event["description"]) == ("delivery_failed", "Nobody home")
    assert requests.get(f"{url}/waybills/{number}/events", timeout=3).json() == {"events": [event]}


def test_no_walk_by_default(sandbox, receiver):
    hook, callback_url = receiver()
    url = sandbox()
    requests.post(url + "/waybills", json=waybill_body(callback_url=callback_url),
                  headers={"Idempotency-Key": "k"}, timeout=3)
    time.sleep(0.2)
    assert hook.deliveries == []


def test_settings_from_env_defaults(monkeypatch):
    for name in ("OMS_SANDBOX_5XX_RATE", "OMS_SANDBOX_TIMEOUT_RATE", "OMS_SANDBOX_LOST_REPLY_RATE",
                 "OMS_SANDBOX_DELIVERY_SECONDS", "OMS_CARRIER_WEBHOOK_SECRET", "OMS_CARRIER_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    assert sandbox_settings_from_env() == {
        "webhook_secret": "sandbox-secret", "delivery_seconds": 0.0, "fault_5xx_rate": 0.0,
        "fault_timeout_rate": 0.0, "fault_lost_reply_rate": 0.0, "timeout_sleep_seconds": 12.0,
    }


def test_settings_from_env_values(monkeypatch):
    monkeypatch.setenv("OMS_SANDBOX_5XX_RATE", "0.1")
    monkeypatch.setenv("OMS_SANDBOX_TIMEOUT_RATE", "0.2")
    monkeypatch.setenv("OMS_SANDBOX_LOST_REPLY_RATE", "1")
    monkeypatch.setenv("OMS_SANDBOX_DELIVERY_SECONDS", "30")
    monkeypatch.setenv("OMS_CARRIER_WEBHOOK_SECRET", "xyz")
    monkeypatch.setenv("OMS_CARRIER_TIMEOUT_SECONDS", "1.5")  # a timeout fault answers later than the client waits
    settings = sandbox_settings_from_env()
    assert settings == {"webhook_secret": "xyz", "delivery_seconds": 30.0, "fault_5xx_rate": 0.1,
                        "fault_timeout_rate": 0.2, "fault_lost_reply_rate": 1.0, "timeout_sleep_seconds": 3.5}
    create_sandbox_app(**settings)


@pytest.mark.parametrize("name, value", [
    ("OMS_SANDBOX_5XX_RATE", "lots"), ("OMS_SANDBOX_5XX_RATE", "1.5"), ("OMS_SANDBOX_TIMEOUT_RATE", "-0.1"),
    ("OMS_SANDBOX_LOST_REPLY_RATE", "nan"), ("OMS_SANDBOX_DELIVERY_SECONDS", "-1"),
    ("OMS_SANDBOX_DELIVERY_SECONDS", "inf"), ("OMS_CARRIER_WEBHOOK_SECRET", ""),
])
def test_settings_from_env_bad_value_names_the_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        sandbox_settings_from_env()


@pytest.mark.parametrize("settings", [{"fault_5xx_rate": 2.0}, {"delivery_seconds": -1.0}, {"webhook_secret": ""}])
def test_create_app_refuses_bad_settings(settings):
    with pytest.raises(ConfigError):
        create_sandbox_app(**({"webhook_secret": SECRET} | settings))


def post_batch(client, *items: dict):
    return client.post("/waybills/batch", json={"waybills": list(items)})


def test_a_batch_books_each_item_once_and_replays_it_by_key(client):
    first = post_batch(client, waybill_body("SO-1") | {"idempotency_key": "k1"},
                       waybill_body("SO-2") | {"idempotency_key": "k2"})
    assert first.status_code == 200
    results = first.get_json()["results"]
    assert [(r["status"], r["waybill"]["reference"]) for r in results] == [(201, "SO-1"), (201, "SO-2")]
    again = post_batch(client, waybill_body("SO-2") | {"idempotency_key": "k2"},
                       waybill_body("SO-3") | {"idempotency_key": "k3"}).get_json()["results"]
    assert [r["status"] for r in again] == [200, 201] and again[0]["waybill"] == results[1]["waybill"]
    assert post_waybill(client, "k1", waybill_body("SO-1")).get_json() == results[0]["waybill"]  # one key space
    assert [w["reference"] for w in client.get("/waybills").get_json()["waybills"]] == ["SO-1", "SO-2", "SO-3"]


def test_a_batch_answers_each_items_error_and_books_the_rest(client):
    post_waybill(client, "taken", waybill_body("SO-1"))
    results = post_batch(client, waybill_body("SO-2") | {"idempotency_key": "taken"},
                         waybill_body("SO-3"),
                         waybill_body("SO-4", weight_kg="-1") | {"idempotency_key": "k4"},
                         waybill_body("SO-5") | {"idempotency_key": "k5"}).get_json()["results"]
    assert [r["status"] for r in results] == [409, 400, 422, 201]
    assert "SO-1" in results[0]["error"] and "weight_kg" in results[2]["errors"]
    assert [w["reference"] for w in client.get("/waybills").get_json()["waybills"]] == ["SO-1", "SO-5"]


@pytest.mark.parametrize("body", [None, {}, {"waybills": []}, {"waybills": "x"}])
def test_a_batch_without_a_list_of_waybills_is_422(client, body):
    assert client.post("/waybills/batch", json=body).status_code == 422


def test_a_fault_hits_the_whole_batch():
    down = create_sandbox_app(webhook_secret=SECRET, fault_5xx_rate=1.0).test_client()
    assert post_batch(down, waybill_body("SO-1") | {"idempotency_key": "k1"}).status_code == 503
    assert down.get("/waybills").get_json() == {"waybills": []}


def test_a_lost_reply_to_a_batch_books_every_item(sandbox):
    url = sandbox(fault_lost_reply_rate=1.0, timeout_sleep_seconds=10)
    items = [waybill_body(f"SO-{n}") | {"idempotency_key": f"k{n}"} for n in (1, 2)]
    with pytest.raises(requests.ConnectionError):
        requests.post(url + "/waybills/batch", json={"waybills": items}, timeout=(3, 5))
    assert [w["reference"] for w in requests.get(url + "/waybills", timeout=3).json()["waybills"]] == ["SO-1", "SO-2"]


def test_waybills_booked_together_walk_together_one_webhook_per_step(sandbox, receiver):
    hook, callback_url = receiver()
    url = sandbox(delivery_seconds=0.4)
    items = [waybill_body(f"SO-{n}", callback_url=callback_url) | {"idempotency_key": f"k{n}"} for n in (1, 2, 3)]
    results = requests.post(url + "/waybills/batch", json={"waybills": items}, timeout=3).json()["results"]
    numbers = {r["waybill"]["waybill_number"] for r in results}
    hook.wait_for(4)
    time.sleep(0.2)
    assert len(hook.deliveries) == 4  # one body per step, with every waybill's event of that step
    per_body = [json.loads(body)["events"] for _, _, body in hook.deliveries]
    assert [{e["code"] for e in events} for events in per_body] == \
        [{"picked_up"}, {"in_transit"}, {"out_for_delivery"}, {"delivered"}]
    assert all({e["waybill_number"] for e in events} == numbers for events in per_body)
    assert len(hook.verified_events()) == 12
