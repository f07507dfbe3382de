"""What every carrier adapter offers the shipping stage, and the values it exchanges.

Contract of a ``Carrier`` (a real carrier is one module implementing it plus one line in the registry):

- ``quote(request)`` prices a parcel (``QuoteRequest``) for a service level without booking anything.
- ``create_waybill(request)`` books a shipment and returns the waybill. ``request.idempotency_key`` is sent so
  that a retry with the same key returns the same waybill instead of booking a second one; use one key per
  shipment attempt and keep it across retries. Reusing a key for another reference is rejected.
- ``create_waybills(requests)`` books many shipments in one call, each with its own idempotency key, and answers
  per request (the waybill, or that request's error). Real carriers offer batch label APIs for this (many
  shipments per request); an adapter for one without it subclasses ``Carrier`` to inherit ``create_each``.
  A failure of the whole call raises as ``create_waybill`` does; after ``CarrierAmbiguous`` (for the call or
  for one request) look each reference concerned up with ``find_waybill`` before creating again.
- ``find_waybill(reference)`` returns the live (not cancelled) waybill most recently issued for our reference,
  or None. After ``CarrierAmbiguous`` from ``create_waybill`` call it before creating again: the first request
  may have booked the shipment.
- ``cancel_waybill(waybill_number)`` cancels; cancelling an already cancelled waybill is not an error.
- ``fetch_tracking(waybill_number)`` returns the tracking events so far, oldest first.

A carrier is configured in the carriers setup (see models.shipping.rules): its adapter name, base URL, whether
it posts tracking events to ``/api/v1/carriers/<name>/events`` (``webhook``) or must be asked (``poll``, the
polling actor calls ``fetch_tracking``), its rate card and the service levels it offers.

Errors (all from models.core.errors), for every method:

- ``CarrierUnavailable``: the request certainly did not take effect (connection refused, DNS failure, connect
  timeout, 5xx). Retry later.
- ``CarrierAmbiguous`` (a ``CarrierUnavailable``): the request was sent but no usable answer came back (read
  timeout, reset, truncated or unreadable reply). It may have taken effect. Retry after ``find_waybill``.
- ``CarrierRejected``: the carrier refused this request (4xx: invalid address, unknown waybill, too late to
  cancel, key reused). Retrying the same request will not help.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from models.core.errors import CarrierAmbiguous, CarrierError, CarrierUnavailable
from models.shipping.rules import Quote


@dataclass(frozen=True)
class ShipTo:
    name: str
    address: str
    city: str
    region: str
    postcode: str
    country: str
    phone: str = ""


@dataclass(frozen=True)
class WaybillRequest:
    reference: str
    idempotency_key: str
    ship_to: ShipTo
    weight_kg: Decimal
    parcels: int = 1
    service_level: str = "standard"
    callback_url: str | None = None


@dataclass(frozen=True)
class QuoteRequest:
    ship_to: ShipTo
    weight_kg: Decimal
    service_level: str = "standard"


@dataclass(frozen=True)
class IssuedWaybill:
    waybill_number: str
    carrier: str
    tracking_url: str
    reference: str


@dataclass(frozen=True)
class TrackingUpdate:
    """One tracking event; event_id is the carrier's and is what makes applying it twice harmless."""

    event_id: str
    waybill_number: str
    code: str
    description: str
    location: str
    occurred_at: datetime  # UTC-aware


class Carrier(Protocol):
    name: str

    def quote(self, request: QuoteRequest) -> Quote: ...

    def quote_many(self, requests: list[QuoteRequest]) -> list[Quote | CarrierError]:
        """One answer per request, in order; the default asks one call each."""
        return quote_each(self, requests)

    def create_waybill(self, request: WaybillRequest) -> IssuedWaybill: ...

    def create_waybills(self, requests: list[WaybillRequest]) -> list[IssuedWaybill | CarrierError]:
        """One answer per request, in order; the default books them one call each (``create_each``)."""
        return create_each(self, requests)

    def find_waybill(self, reference: str) -> IssuedWaybill | None: ...

    def cancel_waybill(self, waybill_number: str) -> None: ...

    def fetch_tracking(self, waybill_number: str) -> list[TrackingUpdate]: ...


def quote_each(carrier: Carrier, requests: list[QuoteRequest]) -> list[Quote | CarrierError]:
    """``quote_many`` for a carrier without a batch rating API: one ``quote`` per request, each error kept."""
    answers: list[Quote | CarrierError] = []
    for request in requests:
        try:
            answers.append(carrier.quote(request))
        except CarrierError as exc:
            answers.append(exc)
    return answers


def create_each(carrier: Carrier, requests: list[WaybillRequest]) -> list[IssuedWaybill | CarrierError]:
    """``create_waybills`` for a carrier without a batch API: one ``create_waybill`` per request, each error kept
    for its request. Once the carrier is certainly unreachable (``CarrierUnavailable`` that is not ambiguous), the
    requests left are not sent and get that error: they are retried later with the same keys."""
    answers: list[IssuedWaybill | CarrierError] = []
    for request in requests:
        if answers and _unreachable(answers[-1]):
            answers.append(answers[-1])
            continue
        try:
            answers.append(carrier.create_waybill(request))
        except CarrierError as exc:
            answers.append(exc)
    return answers


def _unreachable(answer: IssuedWaybill | CarrierError) -> bool:
    return isinstance(answer, CarrierUnavailable) and not isinstance(answer, CarrierAmbiguous)
