"""Adapter for the sandbox carrier (portal/carrier_sandbox.py); the model for real carrier adapters."""

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

from models.core.errors import (
    CarrierAmbiguous,
    CarrierError,
    CarrierRejected,
    CarrierUnavailable,
)
from models.shipping.rules import Quote
from workers.carriers.base import (
    IssuedWaybill,
    QuoteRequest,
    ShipTo,
    TrackingUpdate,
    WaybillRequest,
)

_SNIPPET_CHARS = 300


class SandboxCarrier:
    def __init__(
        self,
        base_url: str,
        *,
        name: str = "sandbox",
        rate_card: str = "",
        connect_timeout: float = 3.05,
        read_timeout: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.rate_card = rate_card or "parcel"
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = session or requests.Session()

    def quote(self, request: QuoteRequest) -> Quote:
        return self._quote(self._call("POST", "/quotes", body=self._quote_body(request)))

    def quote_many(self, requests: list[QuoteRequest]) -> list[Quote | CarrierError]:
        """Every parcel priced in one ``POST /quotes/batch``; a whole-call failure raises, an item's refusal or
        unreadable answer is its error."""
        what = "POST /quotes/batch"
        data = self._call("POST", "/quotes/batch", body={"quotes": [self._quote_body(r) for r in requests]})
        results = self._field(data, "results", what)
        if len(results) != len(requests):
            raise CarrierAmbiguous(f"sandbox carrier answered {len(results)} results to {what} of {len(requests)}")
        answers: list[Quote | CarrierError] = []
        for result in results:
            if isinstance(result, dict) and result.get("status") == 200:
                try:
                    answers.append(self._quote(result.get("quote")))
                except CarrierAmbiguous as exc:
                    answers.append(exc)
            else:
                answers.append(CarrierRejected(f"sandbox carrier refused a quote: {str(result)[:200]}"))
        return answers

    def _quote_body(self, request: QuoteRequest) -> dict:
        return {"service_level": request.service_level, "ship_to": _ship_to(request.ship_to),
                "weight_kg": str(request.weight_kg), "rate_card": self.rate_card}

    def _quote(self, data: Any) -> Quote:
        try:
            return Quote(carrier=self.name, price=Decimal(str(data["price"])), currency=data["currency"],
                         transit_days=int(data["transit_days"]))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise CarrierAmbiguous(f"sandbox carrier sent an unreadable quote: {str(data)[:200]}") from exc

    def create_waybill(self, request: WaybillRequest) -> IssuedWaybill:
        headers = {"Idempotency-Key": request.idempotency_key}
        data = self._call("POST", "/waybills", body=_waybill_body(request), headers=headers)
        return self._issued(data, "POST /waybills")

    def create_waybills(self, requests: list[WaybillRequest]) -> list[IssuedWaybill | CarrierError]:
        """All the requests in one ``POST /waybills/batch`` (the sandbox's batch label API), each item with its
        own idempotency key; a whole-call failure raises, an item's refusal or unreadable answer is its error."""
        what = "POST /waybills/batch"
        items = [_waybill_body(request) | {"idempotency_key": request.idempotency_key} for request in requests]
        results = self._field(self._call("POST", "/waybills/batch", body={"waybills": items}), "results", what)
        if len(results) != len(requests):
            raise CarrierAmbiguous(f"sandbox carrier answered {len(results)} results to {what} of {len(requests)}")
        return [self._item_answer(result, request.reference, what) for result, request in zip(results, requests)]

    def _item_answer(self, result: Any, reference: str, what: str) -> IssuedWaybill | CarrierError:
        status = result.get("status") if isinstance(result, dict) else None
        item = f"{what} for {reference}"
        if status in (200, 201):
            try:
                return self._issued(result.get("waybill"), item)
            except CarrierAmbiguous as exc:
                return exc
        detail = {k: v for k, v in result.items() if k != "status"} if isinstance(result, dict) else result
        snippet = json.dumps(detail, default=str)[:_SNIPPET_CHARS]
        if isinstance(status, int) and 400 <= status < 500:
            return CarrierRejected(f"sandbox carrier refused {item} ({status}): {snippet}")
        if isinstance(status, int) and status >= 500:
            return CarrierUnavailable(f"sandbox carrier answered {status} to {item}: {snippet}")
        return CarrierAmbiguous(f"sandbox carrier sent an unreadable result to {item}: {snippet}")

    def find_waybill(self, reference: str) -> IssuedWaybill | None:
        data = self._call("GET", "/waybills", params={"reference": reference})
        live = [w for w in self._field(data, "waybills", "GET /waybills") if w.get("status") != "cancelled"]
        # The list is in issue order: the last live one is the current booking.
        return self._issued(live[-1], "GET /waybills") if live else None

    def cancel_waybill(self, waybill_number: str) -> None:
        self._call("DELETE", f"/waybills/{waybill_number}")

    def fetch_tracking(self, waybill_number: str) -> list[TrackingUpdate]:
        what = f"GET /waybills/{waybill_number}/events"
        data = self._call("GET", f"/waybills/{waybill_number}/events")
        try:
            return [
                TrackingUpdate(
                    event_id=e["event_id"],
                    waybill_number=e["waybill_number"],
                    code=e["code"],
                    description=e.get("description", ""),
                    location=e.get("location", ""),
                    occurred_at=datetime.fromisoformat(e["occurred_at"]).astimezone(timezone.utc),
                )
                for e in self._field(data, "events", what)
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise CarrierAmbiguous(f"sandbox carrier sent unreadable events for {what}: {exc!r}") from exc

    def _call(self, method: str, path: str, *, body: Any = None, **kwargs: Any) -> Any:
        """Send one request (``body``: its JSON, written by orjson) and return its JSON, translating every failure
        into a carrier error."""
        what = f"{method} {path}"
        if body is not None:
            kwargs["data"] = orjson.dumps(body)
            kwargs["headers"] = {**kwargs.get("headers", {}), "Content-Type": "application/json"}
        try:
            response = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        # ConnectTimeout is also a ConnectionError and a Timeout: it must be caught before both.
        except requests.ConnectTimeout as exc:
            raise CarrierUnavailable(f"sandbox carrier did not accept a connection for {what}: {exc}") from exc
        except requests.ReadTimeout as exc:
            raise CarrierAmbiguous(f"sandbox carrier did not answer {what} in time: {exc}") from exc
        except requests.ConnectionError as exc:
            if _never_sent(exc):
                raise CarrierUnavailable(f"sandbox carrier unreachable for {what}: {exc}") from exc
            raise CarrierAmbiguous(f"connection lost during {what}: {exc}") from exc
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            raise CarrierAmbiguous(f"sandbox carrier sent a broken reply to {what}: {exc}") from exc

        if response.status_code >= 500:
            raise CarrierUnavailable(f"sandbox carrier answered {response.status_code} to {what}: {_snippet(response)}")
        if response.status_code >= 400:
            raise CarrierRejected(f"sandbox carrier refused {what} ({response.status_code}): {_snippet(response)}")
        try:
            return orjson.loads(response.content)
        except ValueError as exc:
            # A 2xx we cannot read may still have booked the waybill.
            raise CarrierAmbiguous(
                f"sandbox carrier answered {response.status_code} to {what} with no JSON: {_snippet(response)}"
            ) from exc

    @staticmethod
    def _field(data: Any, key: str, what: str) -> list:
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise CarrierAmbiguous(f"sandbox carrier reply to {what} has no {key!r} list: {str(data)[:200]}")
        return data[key]

    @staticmethod
    def _issued(data: Any, what: str) -> IssuedWaybill:
        try:
            return IssuedWaybill(
                waybill_number=data["waybill_number"],
                carrier=data.get("carrier", "sandbox"),  # the sandbox's own name; callers keep theirs
                tracking_url=data["tracking_url"],
                reference=data["reference"],
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise CarrierAmbiguous(f"sandbox carrier reply to {what} lacks {exc}: {str(data)[:200]}") from exc


def _waybill_body(request: WaybillRequest) -> dict:
    return {"reference": request.reference, "service_level": request.service_level,
            "ship_to": _ship_to(request.ship_to), "weight_kg": str(request.weight_kg), "parcels": request.parcels,
            "callback_url": request.callback_url}


def _ship_to(ship_to: ShipTo) -> dict:
    return {"name": ship_to.name, "address": ship_to.address, "city": ship_to.city, "region": ship_to.region,
            "postcode": ship_to.postcode, "country": ship_to.country, "phone": ship_to.phone}


def _snippet(response: requests.Response) -> str:
    """The start of an answer's text, for an error message (decoded only when one is written)."""
    return response.text[:_SNIPPET_CHARS]


def _never_sent(exc: requests.ConnectionError) -> bool:
    """True when the connection itself failed (refused, DNS), so the carrier never saw the request."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    # NameResolutionError is a NewConnectionError too.
    return isinstance(reason, NewConnectionError)
