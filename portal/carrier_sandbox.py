"""A fake carrier HTTP service for dev, demo and tests: idempotent waybills, injected faults, signed webhooks.

Run it alone with ``python -m portal.carrier_sandbox --port 8765`` (settings from OMS_SANDBOX_* variables).
"""

import argparse
import json
import logging
import math
import os
import random
import socket
import threading
import time
import uuid
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import requests
from flask import Blueprint, Flask, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.serving import BaseWSGIServer, make_server

from models.core.errors import ConfigError
from models.shipping.webhook_signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_body,
)

logger = logging.getLogger(__name__)

SERVICE_LEVELS = ("economy", "standard", "express")
SHIP_TO_FIELDS = ("name", "address", "city", "region", "postcode", "country")
WALK_CODES = ("picked_up", "in_transit", "out_for_delivery", "delivered")
EVENT_DESCRIPTIONS = {
    "picked_up": "Picked up from the shipper",
    "in_transit": "In transit between hubs",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "delivery_failed": "Delivery attempt failed",
    "returned_to_sender": "Returned to the shipper",
}
# Price = base + per kg, and transit days, per rate card and service level (what POST /quotes answers).
RATE_CARDS = {
    "parcel": {"economy": ("4.00", "0.80", 5), "standard": ("6.00", "0.80", 3), "express": ("12.00", "1.50", 1)},
    "freight": {"economy": ("30.00", "0.20", 6), "standard": ("35.00", "0.25", 4)},
}
WEBHOOK_TIMEOUT = (2, 5)
WEBHOOK_BACKOFF_SECONDS = (0.1, 0.3, 0.9)  # one retry after each pause
BATCH_LIMIT = 500  # waybills per POST /waybills/batch


class _OrjsonProvider(DefaultJSONProvider):
    """The sandbox's JSON in and out through orjson: a batch answer holds hundreds of waybills, which Flask's
    default (the standard library, keys sorted) wrote at several microseconds each. Values orjson does not know
    (Decimals) are written as they read, as Flask's default writes them."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=str).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)


def _utc_now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _validate_waybill(body: Any) -> tuple[dict, dict]:
    """Return (clean fields, errors) for a POST /waybills body."""
    if not isinstance(body, dict):
        return {}, {"_body": "expected a JSON object"}
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}

    reference = body.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        errors["reference"] = "required: a non-empty string"
    clean["reference"] = reference
    level = body.get("service_level") or "standard"
    if level not in SERVICE_LEVELS:
        errors["service_level"] = f"one of {', '.join(SERVICE_LEVELS)}"
    clean["service_level"] = level

    ship_to = body.get("ship_to")
    if not isinstance(ship_to, dict):
        errors["ship_to"] = "required: an object with " + ", ".join(SHIP_TO_FIELDS)
    else:
        missing = {
            f: "required" for f in SHIP_TO_FIELDS if not isinstance(ship_to.get(f), str) or not ship_to[f].strip()
        }
        if not isinstance(ship_to.get("phone") or "", str):
            missing["phone"] = "a string"
        if missing:
            errors["ship_to"] = missing
        clean["ship_to"] = {f: ship_to.get(f) for f in SHIP_TO_FIELDS} | {"phone": ship_to.get("phone") or ""}

    weight = body.get("weight_kg")
    try:
        if isinstance(weight, bool) or not isinstance(weight, (int, float, str)):
            raise InvalidOperation
        clean["weight_kg"] = Decimal(str(weight).strip())
        if not clean["weight_kg"].is_finite() or clean["weight_kg"] <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors["weight_kg"] = "required: a positive number of kilograms"

    parcels = body.get("parcels", 1)
    if isinstance(parcels, bool) or not isinstance(parcels, int) or not 1 <= parcels <= 999:
        errors["parcels"] = "an integer from 1 to 999"
    clean["parcels"] = parcels

    callback_url = body.get("callback_url")
    if callback_url is not None and (
        not isinstance(callback_url, str) or not callback_url.startswith(("http://", "https://"))
    ):
        errors["callback_url"] = "an http:// or https:// URL"
    clean["callback_url"] = callback_url
    return clean, errors


def post_event(callback_url: str, event: dict, secret: str) -> bool:
    """POST one signed event to callback_url, retrying a few times; True once a 2xx came back."""
    return post_events(callback_url, [event], secret)


def post_events(callback_url: str, events: list[dict], secret: str) -> bool:
    """POST signed events in one body to callback_url, retrying a few times; True once a 2xx came back."""
    body = json.dumps({"events": events}).encode()
    for pause in (*WEBHOOK_BACKOFF_SECONDS, None):
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_body(secret, timestamp, body),
        }
        try:
            response = requests.post(callback_url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
            if 200 <= response.status_code < 300:
                return True
            problem = f"answered {response.status_code}: {response.text[:200]}"
        except requests.RequestException as exc:
            problem = repr(exc)
        if pause is None:
            break
        time.sleep(pause)
    logger.warning("giving up on events %s to %s: %s", ", ".join(e["event_id"] for e in events), callback_url,
                   problem)
    return False


class SandboxState:
    """Every waybill, idempotency key and event the sandbox has seen; all access under one lock."""

    def __init__(self, *, webhook_secret: str, delivery_seconds: float, fault_rates: dict[str, float],
                 timeout_sleep_seconds: float, seed: int | None) -> None:
        self.webhook_secret = webhook_secret
        self.delivery_seconds = delivery_seconds
        self.fault_rates = fault_rates  # checked in this order against one roll: 5xx, timeout, lost_reply
        self.timeout_sleep_seconds = timeout_sleep_seconds
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.fault_dice = random.Random(seed)
        # Separate generator so waybill numbers do not shift the fault sequence.
        self.number_dice = random.Random(None if seed is None else seed + 1)
        self.waybills: dict[str, dict] = {}  # insertion order is issue order
        self.numbers_by_key: dict[str, str] = {}
        self.events: dict[str, list[dict]] = {}

    def stop(self) -> None:
        """Stop delivery walks and pending fault sleeps (for tests and shutdown)."""
        self.stopped.set()

    def roll_fault(self) -> str | None:
        """The fault to inject into this request, if any."""
        with self.lock:
            roll = self.fault_dice.random()
        threshold = 0.0
        for fault, rate in self.fault_rates.items():
            threshold += rate
            if roll < threshold:
                return fault
        return None

    def create(self, key: str, fields: dict, host_url: str) -> tuple[dict, bool]:
        """Return (waybill, created); the same key returns the waybill it first created."""
        with self.lock:
            number = self.numbers_by_key.get(key)
            if number is not None:
                return dict(self.waybills[number]), False
            while number is None or number in self.waybills:
                number = f"SBX{self.number_dice.randrange(10 ** 10):010d}"  # ten random digits
            waybill = {
                "waybill_number": number,
                "carrier": "sandbox",
                "reference": fields["reference"],
                "service_level": fields["service_level"],
                "tracking_url": f"{host_url}track/{number}",
                "status": "created",
                "created_at": _utc_now_iso(),
                "ship_to": fields["ship_to"],
                "weight_kg": str(fields["weight_kg"]),
                "parcels": fields["parcels"],
                "callback_url": fields["callback_url"],
            }
            self.waybills[number] = waybill
            self.numbers_by_key[key] = number
            self.events[number] = []
            return dict(waybill), True

    def record_event(self, number: str, code: str, description: str | None = None) -> dict | None:
        """Append an event and move the status on; None when the waybill is cancelled."""
        with self.lock:
            waybill = self.waybills[number]
            if waybill["status"] == "cancelled":
                return None
            event = {
                "event_id": str(uuid.uuid4()),
                "waybill_number": number,
                "reference": waybill["reference"],
                "code": code,
                "description": description or EVENT_DESCRIPTIONS[code],
                "location": "Sandbox depot" if code == "picked_up" else waybill["ship_to"]["city"],
                "occurred_at": _utc_now_iso(),
            }
            self.events[number].append(event)
            waybill["status"] = code
            return event

    def walk(self, number: str, callback_url: str | None) -> None:
        """Move a waybill through the usual events, spread over delivery_seconds."""
        self.walk_together([number], callback_url)

    def walk_together(self, numbers: list[str], callback_url: str | None) -> None:
        """Move waybills booked together through the usual events in step, each step's events in one webhook (as
        carriers that batch their webhooks do); a waybill cancelled meanwhile drops out."""
        step = self.delivery_seconds / len(WALK_CODES)
        for code in WALK_CODES:
            if self.stopped.wait(step):
                return
            events = [event for event in (self.record_event(number, code) for number in numbers) if event]
            if not events:
                return
            numbers = [event["waybill_number"] for event in events]
            if callback_url:
                post_events(callback_url, events, self.webhook_secret)


def _error(status: int, message: str):
    return jsonify({"error": message}), status


def _state() -> SandboxState:
    return current_app.extensions["carrier_sandbox"]


def _drop_reply() -> bool:
    """Close the client connection without answering; False when the server gives no access to the socket."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        return False
    # Werkzeug's write of the response then fails with a broken pipe and it drops the connection quietly.
    sock.shutdown(socket.SHUT_RDWR)
    return True


sandbox_api = Blueprint("carrier_sandbox", __name__)


@sandbox_api.post("/waybills")
def create_waybill():
    state = _state()
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return _error(400, "the Idempotency-Key header is required")
    fields, errors = _validate_waybill(request.get_json(silent=True))
    if errors:
        return jsonify({"errors": errors}), 422
    fault = state.roll_fault()
    if fault in ("5xx", "timeout"):
        return _refuse_for_fault(state, fault)
    waybill, created = state.create(key, fields, request.host_url)
    if waybill["reference"] != fields["reference"]:
        return _error(409, f"Idempotency-Key already used for reference {waybill['reference']!r}")
    if created:
        _start_walk(state, [waybill["waybill_number"]], waybill["callback_url"])
    if fault == "lost_reply":
        return _lose_reply(state)
    return jsonify(waybill), 201 if created else 200


@sandbox_api.post("/waybills/batch")
def create_waybills():
    """Book many waybills in one call, as carriers' batch label APIs do: ``{"waybills": [body + "idempotency_key",
    …]}`` answers ``{"results": [{"status": 201 | 200, "waybill": …} | {"status": 4xx, "error(s)": …}, …]}`` in
    request order, each item idempotent on its own key. Injected faults hit the whole call."""
    state = _state()
    body = request.get_json(silent=True)
    items = body.get("waybills") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= BATCH_LIMIT:
        return jsonify({"errors": {"waybills": f"required: a list of 1 to {BATCH_LIMIT} waybill bodies"}}), 422
    fault = state.roll_fault()
    if fault in ("5xx", "timeout"):
        return _refuse_for_fault(state, fault)
    results = [_book_item(state, item) for item in items]
    created: dict[str | None, list[str]] = {}
    for result in results:
        if result["status"] == 201:
            created.setdefault(result["waybill"]["callback_url"], []).append(result["waybill"]["waybill_number"])
    for callback_url, numbers in created.items():
        _start_walk(state, numbers, callback_url)
    if fault == "lost_reply":
        return _lose_reply(state)
    return jsonify({"results": results})


def _book_item(state: SandboxState, item: Any) -> dict:
    """One item of a batch: its waybill (201 created, 200 replayed) or its error, as POST /waybills answers."""
    key = item.get("idempotency_key") if isinstance(item, dict) else None
    if not isinstance(key, str) or not key.strip():
        return {"status": 400, "error": "idempotency_key is required"}
    fields, errors = _validate_waybill({name: value for name, value in item.items() if name != "idempotency_key"})
    if errors:
        return {"status": 422, "errors": errors}
    waybill, created = state.create(key.strip(), fields, request.host_url)
    if waybill["reference"] != fields["reference"]:
        return {"status": 409, "error": f"idempotency_key already used for reference {waybill['reference']!r}"}
    return {"status": 201 if created else 200, "waybill": waybill}


def _refuse_for_fault(state: SandboxState, fault: str):
    """A 5xx at once, or (timeout) an answer slower than the client waits; nothing is booked either way."""
    if fault == "timeout":
        state.stopped.wait(state.timeout_sleep_seconds)
        return _error(504, "sandbox fault: timed out")
    return _error(503, "sandbox fault: service unavailable")


def _lose_reply(state: SandboxState):
    """The booking is made but its answer never arrives."""
    if not _drop_reply():
        state.stopped.wait(state.timeout_sleep_seconds)
    return _error(504, "sandbox fault: reply lost")


def _start_walk(state: SandboxState, numbers: list[str], callback_url: str | None) -> None:
    if state.delivery_seconds > 0:
        threading.Thread(target=state.walk_together, args=(numbers, callback_url), name=f"sandbox-walk-{numbers[0]}",
                         daemon=True).start()


@sandbox_api.post("/quotes")
def quote():
    """Price a parcel on a rate card; quotes never fail on purpose (only bookings get injected faults)."""
    answer, status = _price(request.get_json(silent=True))
    return jsonify(answer), status


@sandbox_api.post("/quotes/batch")
def quote_batch():
    """Price many parcels in one call, as carriers' rating APIs do: ``{"quotes": [body, …]}`` answers
    ``{"results": [{"status": 200, "quote": …} | {"status": 422, "errors": …}, …]}`` in request order."""
    body = request.get_json(silent=True)
    items = body.get("quotes") if isinstance(body, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= BATCH_LIMIT:
        return jsonify({"errors": {"quotes": f"required: a list of 1 to {BATCH_LIMIT} quote bodies"}}), 422
    results = []
    for item in items:
        answer, status = _price(item)
        results.append({"status": status, "quote": answer} if status == 200 else {"status": status, **answer})
    return jsonify({"results": results})


def _price(body: Any) -> tuple[dict, int]:
    """A parcel's price on its rate card, or the errors of its body, with the HTTP status."""
    body = body if isinstance(body, dict) else {}
    card = RATE_CARDS.get(body.get("rate_card") or "parcel")
    level = body.get("service_level") or "standard"
    try:
        weight = Decimal(str(body.get("weight_kg")))
        if not weight.is_finite() or weight <= 0:
            raise InvalidOperation
    except InvalidOperation:
        return {"errors": {"weight_kg": "required: a positive number of kilograms"}}, 422
    if card is None:
        return {"errors": {"rate_card": f"one of {', '.join(RATE_CARDS)}"}}, 422
    if level not in card:
        return {"errors": {"service_level": f"one of {', '.join(card)}"}}, 422
    base, per_kg, days = card[level]
    price = (Decimal(base) + Decimal(per_kg) * weight).quantize(Decimal("0.01"))
    return {"price": str(price), "currency": "USD", "transit_days": days, "service_level": level}, 200


@sandbox_api.get("/waybills")
def list_waybills():
    state, reference = _state(), request.args.get("reference")
    with state.lock:
        found = [dict(w) for w in state.waybills.values() if reference is None or w["reference"] == reference]
    return jsonify({"waybills": found})


@sandbox_api.get("/waybills/<number>")
def get_waybill(number: str):
    state = _state()
    with state.lock:
        waybill = state.waybills.get(number)
        return jsonify(waybill) if waybill else _error(404, f"no waybill {number}")


@sandbox_api.delete("/waybills/<number>")
def cancel_waybill(number: str):
    state = _state()
    with state.lock:
        waybill = state.waybills.get(number)
        if waybill is None:
            return _error(404, f"no waybill {number}")
        if waybill["status"] not in ("created", "cancelled"):
            return _error(409, f"waybill {number} is {waybill['status']} and can no longer be cancelled")
        waybill["status"] = "cancelled"
        return jsonify(waybill)


@sandbox_api.get("/waybills/<number>/events")
@sandbox_api.get("/track/<number>")
def list_events(number: str):
    state = _state()
    with state.lock:
        if number not in state.events:
            return _error(404, f"no waybill {number}")
        return jsonify({"events": list(state.events[number])})


@sandbox_api.post("/waybills/<number>/events")
def add_event(number: str):
    """Test hook: record one event now and post it to the callback before answering."""
    state = _state()
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    code, description = body.get("code"), body.get("description")
    errors = {}
    if code not in EVENT_DESCRIPTIONS:
        errors["code"] = f"one of {', '.join(EVENT_DESCRIPTIONS)}"
    if not isinstance(description or "", str):
        errors["description"] = "a string"
    if errors:
        return jsonify({"errors": errors}), 422
    with state.lock:
        waybill = state.waybills.get(number)
    if waybill is None:
        return _error(404, f"no waybill {number}")
    event = state.record_event(number, code, description)
    if event is None:
        return _error(409, f"waybill {number} is cancelled")
    callback_url = waybill["callback_url"]
    delivered = post_event(callback_url, event, state.webhook_secret) if callback_url else None
    return jsonify({"event": event, "delivered": delivered}), 201


@sandbox_api.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


def create_sandbox_app(
    *,
    webhook_secret: str,
    delivery_seconds: float = 0.0,
    fault_5xx_rate: float = 0.0,
    fault_timeout_rate: float = 0.0,
    fault_lost_reply_rate: float = 0.0,
    timeout_sleep_seconds: float = 15.0,
    seed: int | None = None,
) -> Flask:
    """Build the sandbox carrier app; its state is in app.extensions["carrier_sandbox"]."""
    if not webhook_secret:
        raise ConfigError("webhook_secret must not be empty")
    rates = {"5xx": fault_5xx_rate, "timeout": fault_timeout_rate, "lost_reply": fault_lost_reply_rate}
    for fault, rate in rates.items():
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"fault_{fault}_rate must be between 0 and 1, got {rate!r}")
    for name, seconds in (("delivery_seconds", delivery_seconds), ("timeout_sleep_seconds", timeout_sleep_seconds)):
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ConfigError(f"{name} must be a number >= 0, got {seconds!r}")
    app = Flask(__name__)
    app.json = _OrjsonProvider(app)
    app.extensions["carrier_sandbox"] = SandboxState(
        webhook_secret=webhook_secret, delivery_seconds=delivery_seconds, fault_rates=rates,
        timeout_sleep_seconds=timeout_sleep_seconds, seed=seed,
    )
    app.register_blueprint(sandbox_api)
    return app


def _env_float(name: str, default: float, *, high: float | None) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0 and (high is None or value <= high)):
        limit = f"between 0 and {high:g}" if high is not None else "a number >= 0"
        raise ConfigError(f"{name} must be {limit}, got {raw!r}")
    return value


def sandbox_settings_from_env() -> dict:
    """Keyword arguments for create_sandbox_app from the OMS_SANDBOX_* and OMS_CARRIER_WEBHOOK_SECRET variables."""
    secret = os.environ.get("OMS_CARRIER_WEBHOOK_SECRET", "sandbox-secret")
    if not secret:
        raise ConfigError("OMS_CARRIER_WEBHOOK_SECRET is set but empty")
    return {
        "webhook_secret": secret,
        "delivery_seconds": _env_float("OMS_SANDBOX_DELIVERY_SECONDS", 0.0, high=None),
        "fault_5xx_rate": _env_float("OMS_SANDBOX_5XX_RATE", 0.0, high=1.0),
        "fault_timeout_rate": _env_float("OMS_SANDBOX_TIMEOUT_RATE", 0.0, high=1.0),
        "fault_lost_reply_rate": _env_float("OMS_SANDBOX_LOST_REPLY_RATE", 0.0, high=1.0),
        # "Slower than the client's timeout": a little longer than the read timeout the workers use.
        "timeout_sleep_seconds": _env_float("OMS_CARRIER_TIMEOUT_SECONDS", 10.0, high=None) + 2.0,
    }


def make_sandbox_server(host: str, port: int, **settings: Any) -> BaseWSGIServer:
    """A threaded server for the sandbox; the caller runs serve_forever() (in a thread) and shutdown()."""
    return make_server(host, port, create_sandbox_app(**settings), threaded=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the sandbox carrier.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    server = make_sandbox_server(args.host, args.port, **sandbox_settings_from_env())
    logger.info("sandbox carrier on http://%s:%s/", args.host, server.server_port)
    server.serve_forever()


if __name__ == "__main__":
    main()
