"""Shipping stage: shipments per warehouse, then one waybill per shipment from the carrier the rules choose."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import dramatiq

from models.core.config import Settings
from models.core.errors import (
    CarrierAmbiguous,
    CarrierError,
    CarrierRejected,
    CarrierUnavailable,
)
from models.core.stages import SHIPPING, WAYBILL_RELEASES, WAYBILLS
from models.orders.flow import create_shipments as create_order_shipments
from models.shipping.dispatch import (
    CarrierChoice,
    Parcel,
    WaybillJob,
    booking_to_release,
    fail_waybill,
    mark_booking_released,
    note_waybill_error,
    prepare_waybill,
    record_waybill,
)
from models.shipping.rules import CarrierDecision, Quote, decide_carrier, pick_cheapest
from workers.batch import run_for_each
from workers.broker import current_settings
from workers.carriers import carrier_for, carrier_setup
from workers.carriers.base import (
    Carrier,
    IssuedWaybill,
    QuoteRequest,
    ShipTo,
    WaybillRequest,
)
from workers.options import CARRIER_STAGE, DATABASE_STAGE

logger = logging.getLogger(__name__)
ACTOR = f"worker:{WAYBILLS.actor_name}"


@dramatiq.actor(queue_name=SHIPPING.queue_name, actor_name=SHIPPING.actor_name, **DATABASE_STAGE)
def create_shipments(order_ids: list[int]) -> None:
    actor = f"worker:{SHIPPING.actor_name}"
    run_for_each(order_ids, lambda order_id: create_order_shipments(order_id, actor=actor), what="shipping of order")


@dramatiq.actor(queue_name=WAYBILLS.queue_name, actor_name=WAYBILLS.actor_name, **CARRIER_STAGE)
def request_waybills(shipment_ids: list[int]) -> None:
    run_for_each(shipment_ids, request_waybill, what="waybill for shipment")


def request_waybill(shipment_id: int) -> None:
    """Ask the chosen carrier once per shipment; on an ambiguous failure look the shipment up before asking
    again; after the configured number of attempts the shipment waits for ops with the last error."""
    settings = current_settings()
    job = prepare_waybill(shipment_id, choose=lambda parcel: choose_carrier(parcel, settings))
    if job is None:
        return
    carrier, profile = carrier_for(job.carrier, settings), carrier_setup(settings).profile(job.carrier)
    # A polled carrier is asked for its events; only webhook carriers are given our callback.
    callback = f"{settings.portal_url}/api/v1/carriers/{job.carrier}/events" if profile.tracking == "webhook" else None
    issued = book_once(carrier, _waybill_request(job, callback), what="the shipment", attempt=job.attempt,
                       max_attempts=settings.waybill_max_attempts,
                       give_up=lambda why: fail_waybill(shipment_id, why, actor=ACTOR),
                       note=lambda error: note_waybill_error(shipment_id, error))
    if issued is None:
        return
    poll_every = timedelta(seconds=settings.tracking_poll_seconds) if profile.tracking == "poll" else None
    record_waybill(shipment_id, waybill_number=issued.waybill_number, tracking_url=issued.tracking_url,
                   actor=ACTOR, poll_every=poll_every)


@dramatiq.actor(queue_name=WAYBILL_RELEASES.queue_name, actor_name=WAYBILL_RELEASES.actor_name, **CARRIER_STAGE)
def release_failed_bookings(shipment_ids: list[int]) -> None:
    run_for_each(shipment_ids, release_failed_booking, what="release of the booking of shipment")


def release_failed_booking(shipment_id: int) -> None:
    """Find a booking an unanswered call may have made for a cancelled shipment, and cancel it."""
    job = booking_to_release(shipment_id)
    if job is None:
        return
    carrier = carrier_for(job.carrier, current_settings())
    booked = carrier.find_waybill(job.reference)
    if booked is not None:
        carrier.cancel_waybill(booked.waybill_number)
    mark_booking_released(shipment_id, booked.waybill_number if booked else None)


def book_once(carrier: Carrier, request: WaybillRequest, *, what: str, attempt: int, max_attempts: int,
              give_up: Callable[[str], object], note: Callable[[str], object]) -> IssuedWaybill | None:
    """Book at the carrier with the request's idempotency key; after an unanswered call look the reference up
    before the call is retried. None when the carrier refused or the attempts ran out (``give_up`` is told
    why); a call that may succeed later is ``note``d and its CarrierUnavailable raised for the retry."""
    try:
        try:
            return carrier.create_waybill(request)
        except CarrierAmbiguous as exc:
            found = carrier.find_waybill(request.reference)
            if found is None:
                raise exc from None
            return found
    except CarrierRejected as exc:
        give_up(f"{carrier.name} refused {what}: {exc}")
        return None
    except CarrierUnavailable as exc:
        if attempt >= max_attempts:
            give_up(f"gave up after {attempt} attempts; last error: {exc}")
            return None
        note(f"attempt {attempt}: {exc}")
        raise


def choose_carrier(parcel: Parcel, settings: Settings) -> CarrierChoice:
    """The carrier the rules name, or the cheapest of the quotes of the carriers they leave to price."""
    setup = carrier_setup(settings)
    decision = decide_carrier(setup, parcel.facts)
    if decision.carrier is None:
        quotes = _quotes(decision.quote_among, parcel, settings)
        # With no quote at all, book with the first candidate rather than wait: the booking itself is retried,
        # counted, and ends in the shipping-problems queue if the carrier stays down.
        decision = (pick_cheapest(quotes, reason=decision.reason) if quotes else CarrierDecision(
            carrier=decision.quote_among[0], reason=f"{decision.reason}: no carrier quoted, first candidate"))
    profile, quote = setup.profile(decision.carrier), decision.quote
    return CarrierChoice(carrier=profile.name, service_level=parcel.facts.service_level, reason=decision.reason,
                         tracking_mode=profile.tracking, quoted_price=quote.price if quote else None,
                         quoted_currency=quote.currency if quote else "")


def _quotes(names: tuple[str, ...], parcel: Parcel, settings: Settings) -> list[Quote]:
    """Quotes from every carrier that answers (those that fail are logged and left out)."""
    request = QuoteRequest(ship_to=ShipTo(**parcel.ship_to), weight_kg=parcel.facts.weight_kg,
                           service_level=parcel.facts.service_level)
    quotes, problems = [], []
    for name in names:
        try:
            quotes.append(carrier_for(name, settings).quote(request))
        except CarrierError as exc:
            problems.append(f"{name}: {exc}")
    if problems:
        logger.warning("carriers did not quote: %s", "; ".join(problems))
    return quotes


def _waybill_request(job: WaybillJob, callback_url: str | None) -> WaybillRequest:
    return WaybillRequest(
        reference=job.reference, idempotency_key=job.idempotency_key, ship_to=ShipTo(**job.ship_to),
        weight_kg=job.weight_kg, service_level=job.service_level, callback_url=callback_url,
    )
