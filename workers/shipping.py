"""Shipping stage: shipments per warehouse, then one waybill per shipment from the carrier the rules choose."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import dramatiq
import peewee

from models.core.bulk import BatchResult
from models.core.config import Settings
from models.core.errors import (
    CarrierAmbiguous,
    CarrierError,
    CarrierRejected,
    CarrierUnavailable,
)
from models.core.stages import CARRIER_CALL_MAX, SHIPPING, WAYBILL_RELEASES, WAYBILLS
from models.shipping.booking import BookedWaybill, prepare_waybills, record_waybills
from models.shipping.creation import create_shipments_for
from models.shipping.dispatch import (
    CarrierChoice,
    Parcel,
    WaybillJob,
    booking_to_release,
    fail_waybill,
    mark_booking_released,
    note_waybill_errors,
)
from models.shipping.rules import CarrierDecision, Quote, decide_carrier, pick_cheapest
from models.shipping.states import SHIPMENT_DISPATCHED, SHIPMENT_FAILED
from workers.batch import run_batch, run_for_each
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
    """Re-drive allocated orders (allocation creates their shipments): what they lack, and the waybill nudges."""
    actor = f"worker:{SHIPPING.actor_name}"

    def step(ids: list[int]) -> BatchResult:
        create_shipments_for(ids, actor=actor)
        return BatchResult()

    run_batch(order_ids, step, what="shipping of order")


@dramatiq.actor(queue_name=WAYBILLS.queue_name, actor_name=WAYBILLS.actor_name, **CARRIER_STAGE)
def request_waybills(shipment_ids: list[int]) -> None:
    run_batch(shipment_ids, book_waybills, what="waybill for shipment")


def request_waybill(shipment_id: int) -> None:
    """``request_waybills`` for one shipment: an error the carrier may get over is raised for the retry."""
    run_batch([shipment_id], book_waybills, what="waybill for shipment")


def book_waybills(shipment_ids: list[int]) -> BatchResult:
    """Book a batch: commit each shipment's idempotency key, ask each chosen carrier for its shipments in calls of
    CARRIER_CALL_MAX, record every issued waybill in one transaction. A refused shipment, or one out of attempts,
    waits for ops at once; one the carrier may still book keeps its error and is set aside for the retry of the
    message (finished shipments skip by their guards then)."""
    settings = current_settings()
    jobs = prepare_waybills(shipment_ids, choose=lambda parcels: choose_carriers(parcels, settings))
    result, booked, notes = BatchResult(), {}, {}
    for name, group in _by_carrier(jobs).items():
        carrier, profile = carrier_for(name, settings), carrier_setup(settings).profile(name)
        # A polled carrier is asked for its events; only webhook carriers are given our callback.
        callback = f"{settings.portal_url}/api/v1/carriers/{name}/events" if profile.tracking == "webhook" else None
        poll_every = timedelta(seconds=settings.tracking_poll_seconds) if profile.tracking == "poll" else None
        answers = [answer for chunk in peewee.chunked(group, CARRIER_CALL_MAX)
                   for answer in book_all(carrier, [_waybill_request(job, callback) for job in chunk])]
        for job, answer in zip(group, answers):
            if isinstance(answer, IssuedWaybill):
                booked[job.shipment_id] = BookedWaybill(answer.waybill_number, answer.tracking_url, poll_every)
            elif isinstance(answer, CarrierRejected):
                fail_waybill(job.shipment_id, f"{carrier.name} refused the shipment: {answer}", actor=ACTOR)
                result.outcomes[job.shipment_id] = SHIPMENT_FAILED
            elif isinstance(answer, CarrierUnavailable) and job.attempt >= settings.waybill_max_attempts:
                fail_waybill(job.shipment_id, f"gave up after {job.attempt} attempts; last error: {answer}",
                             actor=ACTOR)
                result.outcomes[job.shipment_id] = SHIPMENT_FAILED
            else:
                if isinstance(answer, CarrierUnavailable):
                    notes[job.shipment_id] = f"attempt {job.attempt}: {answer}"
                result.failed[job.shipment_id] = answer
    result.outcomes.update(dict.fromkeys(record_waybills(booked, actor=ACTOR), SHIPMENT_DISPATCHED))
    note_waybill_errors(notes)
    return result


def book_all(carrier: Carrier, requests: list[WaybillRequest]) -> list[IssuedWaybill | CarrierError]:
    """``carrier.create_waybills`` with the guarantee ``book_once`` gives one request: whatever may have been booked
    without an answer (the whole call, or one item, ambiguous) is looked up by reference before it is asked again.
    Once a lookup finds the carrier unreachable, the requests left keep that error without being looked up."""
    try:
        answers = list(carrier.create_waybills(requests))
        if len(answers) != len(requests):
            raise CarrierAmbiguous(f"{carrier.name} answered {len(answers)} of {len(requests)} waybill requests")
    except CarrierAmbiguous as exc:
        answers = [exc] * len(requests)
    except CarrierError as exc:
        return [exc] * len(requests)
    unreachable: CarrierError | None = None
    for index, (request, answer) in enumerate(zip(requests, answers)):
        if not isinstance(answer, CarrierAmbiguous):
            continue
        if unreachable is not None:
            answers[index] = unreachable
            continue
        try:
            answers[index] = carrier.find_waybill(request.reference) or answer
        except CarrierError as exc:
            answers[index] = exc
            unreachable = exc if isinstance(exc, CarrierUnavailable) else None
    return answers


def _by_carrier(jobs: list[WaybillJob]) -> dict[str, list[WaybillJob]]:
    groups: dict[str, list[WaybillJob]] = {}
    for job in jobs:
        groups.setdefault(job.carrier, []).append(job)
    return groups


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
    return choose_carriers([parcel], settings)[0]


def choose_carriers(parcels: list[Parcel], settings: Settings) -> list[CarrierChoice]:
    """``choose_carrier`` for a batch of parcels, asking each carrier left to price once for all of them."""
    setup = carrier_setup(settings)
    decisions = [decide_carrier(setup, parcel.facts) for parcel in parcels]
    quotes = _quotes(parcels, decisions, settings)
    choices = []
    for position, (parcel, decision) in enumerate(zip(parcels, decisions)):
        if decision.carrier is None:
            # With no quote at all, book with the first candidate rather than wait: the booking itself is retried,
            # counted, and ends in the shipping-problems queue if the carrier stays down.
            offered = quotes.get(position, [])
            decision = (pick_cheapest(offered, reason=decision.reason) if offered else CarrierDecision(
                carrier=decision.quote_among[0], reason=f"{decision.reason}: no carrier quoted, first candidate"))
        profile, quote = setup.profile(decision.carrier), decision.quote
        choices.append(CarrierChoice(
            carrier=profile.name, service_level=parcel.facts.service_level, reason=decision.reason,
            tracking_mode=profile.tracking, quoted_price=quote.price if quote else None,
            quoted_currency=quote.currency if quote else ""))
    return choices


def _quotes(parcels: list[Parcel], decisions: list[CarrierDecision], settings: Settings) -> dict[int, list[Quote]]:
    """The quotes of each parcel the rules leave to price (by position), one ``quote_many`` call per carrier;
    carriers or items that fail are logged and left out."""
    asked: dict[str, list[int]] = {}
    for position, decision in enumerate(decisions):
        if decision.carrier is None:
            for name in decision.quote_among:
                asked.setdefault(name, []).append(position)
    quotes: dict[int, list[Quote]] = {}
    problems = []
    for name, positions in asked.items():
        requests = [QuoteRequest(ship_to=ShipTo(**parcels[p].ship_to), weight_kg=parcels[p].facts.weight_kg,
                                 service_level=parcels[p].facts.service_level) for p in positions]
        try:
            answers = carrier_for(name, settings).quote_many(requests)
        except CarrierError as exc:
            problems.append(f"{name}: {exc}")
            continue
        for position, answer in zip(positions, answers):
            if isinstance(answer, CarrierError):
                problems.append(f"{name}: {answer}")
            else:
                quotes.setdefault(position, []).append(answer)
    if problems:
        logger.warning("carriers did not quote: %s", "; ".join(problems[:20]))
    return quotes


def _waybill_request(job: WaybillJob, callback_url: str | None) -> WaybillRequest:
    return WaybillRequest(
        reference=job.reference, idempotency_key=job.idempotency_key, ship_to=ShipTo(**job.ship_to),
        weight_kg=job.weight_kg, service_level=job.service_level, callback_url=callback_url,
    )
