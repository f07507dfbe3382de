"""Booking waybills for a batch of shipments in a fixed number of statements, whatever the batch size.

``prepare_waybills`` commits each shipment's ``requested`` row (its carrier and idempotency key) and counts an
attempt before the carrier is called; ``record_waybills`` stores what the carrier issued, dispatches the stock,
writes the shipped events and ships (and invoices) the orders with nothing left to send, in one transaction.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import peewee

from models.core.audit_reasons import WAYBILL, say
from models.core.base import utc_now
from models.core.bulk import Move, quote, transition_many, update_from_values
from models.core.bulk_insert import insert_values
from models.core.bulk_values import among
from models.core.db import database, is_sqlite, lock_for_update
from models.core.errors import InvariantViolated
from models.core.model_rows import model_rows
from models.inventory.stock_locks import lock_stock_rows
from models.inventory.tables import Stock, StockMovement
from models.orders.tables import Order, Reservation
from models.shipping.completion import ship_orders_when_complete
from models.shipping.events import ShipmentNews, record_shipment_events
from models.shipping.rules import ParcelFacts
from models.shipping.states import (
    SHIPMENT_DISPATCHED,
    SHIPMENT_READY,
    WAYBILL_ISSUED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import CancelledWaybill, Shipment, ShipmentLine, Waybill


@dataclass(frozen=True)
class CarrierChoice:
    """The carrier (and why) that books a shipment; kept on the waybill row for every retry."""

    carrier: str
    service_level: str
    reason: str
    tracking_mode: str = "webhook"
    quoted_price: Decimal | None = None
    quoted_currency: str = ""


@dataclass(frozen=True)
class Parcel:
    """What choosing a carrier needs to know about a shipment."""

    facts: ParcelFacts
    ship_to: dict


@dataclass(frozen=True)
class WaybillJob:
    """Everything the carrier needs for one shipment, read from the database."""

    shipment_id: int
    carrier: str
    service_level: str
    reference: str
    idempotency_key: str
    weight_kg: Decimal
    ship_to: dict
    attempt: int


@dataclass(frozen=True)
class BookedWaybill:
    """What the carrier issued for one shipment; ``poll_every`` for a carrier that must be asked for events."""

    waybill_number: str
    tracking_url: str
    poll_every: timedelta | None = None


# What a booking reads of the order: the parcel's address and our reference (not the order's other columns).
PARCEL_ORDER_FIELDS = (Order.id, Order.external_ref, Order.ship_to_name, Order.ship_to_phone, Order.ship_to_address,
                       Order.ship_to_city, Order.ship_to_region, Order.ship_to_postcode, Order.ship_to_country)


# What recording a batch's waybills reads of its orders: the shipped news (reference, mail address), the guarded
# move to shipped (status) and the invoices (customer, currency, total); the other columns are not decoded.
RECORDED_ORDER_FIELDS = (Order.id, Order.status, Order.external_ref, Order.ship_to_email, Order.customer,
                         Order.currency, Order.total)


# What a job needs of its waybill row, in this order.
JOB_COLUMNS = (Waybill.shipment, Waybill.carrier, Waybill.service_level, Waybill.idempotency_key, Waybill.attempts)


def parcel_of(shipment: Shipment, order: Order) -> Parcel:
    ship_to = {"name": order.ship_to_name, "phone": order.ship_to_phone, "address": order.ship_to_address,
               "city": order.ship_to_city, "region": order.ship_to_region, "postcode": order.ship_to_postcode,
               "country": order.ship_to_country}
    facts = ParcelFacts(region=order.ship_to_region, country=order.ship_to_country, weight_kg=shipment.weight_kg,
                        service_level=shipment.service_level)
    return Parcel(facts=facts, ship_to=ship_to)


def booking_reference(order_ref: str, shipment_id: int, idempotency_key: str) -> str:
    """Our reference for one booking at the carrier, by which an unanswered call is looked up afterwards."""
    return f"{order_ref}/S{shipment_id}-{idempotency_key[:8]}"


def left_to_ops(rebook_requested_at: datetime | None, last_cancelled: datetime | None) -> bool:
    """True when ops cancelled the booking (last at ``last_cancelled``) and have not asked for a new one since."""
    return last_cancelled is not None and (rebook_requested_at is None or rebook_requested_at < last_cancelled)


def one_by_one(choose: Callable[[Parcel], CarrierChoice]) -> Callable[[list[Parcel]], list[CarrierChoice]]:
    """A batch chooser from a chooser of one parcel."""
    return lambda parcels: [choose(parcel) for parcel in parcels]


def prepare_waybills(shipment_ids: Iterable[int], *,
                     choose: Callable[[list[Parcel]], list[CarrierChoice]]) -> list[WaybillJob]:
    """Commit a ``requested`` waybill row for each ready shipment lacking one (the carriers ``choose`` picks for
    the parcels, in order), then count an attempt on every ``requested`` row of the batch; the jobs to send, in
    shipment order.

    Shipments not ready, already issued, parked as failed or whose booking ops cancelled get no job. ``choose``
    may call carriers for quotes (once for the batch), so it runs outside any transaction, and only for shipments
    without a row.
    """
    ids = sorted(set(shipment_ids))
    if not ids:
        return []
    shipments = {shipment.id: shipment for shipment in model_rows(
        Shipment.select(Shipment, *PARCEL_ORDER_FIELDS).join(Order)
        .where(among(Shipment.id, ids), Shipment.status == SHIPMENT_READY))}
    if not shipments:
        return []
    ready = sorted(shipments)
    with_row = {shipment_id for (shipment_id,) in
                Waybill.select(Waybill.shipment).where(among(Waybill.shipment, ready)).tuples()}
    without_row = [shipment_id for shipment_id in ready if shipment_id not in with_row]
    last_cancelled = _last_cancellations(without_row)
    wanted = [shipment_id for shipment_id in without_row  # a late message must not book what ops cancelled
              if not left_to_ops(shipments[shipment_id].rebook_requested_at, last_cancelled.get(shipment_id))]
    parcels = [parcel_of(shipments[shipment_id], shipments[shipment_id].order) for shipment_id in wanted]
    choices = dict(zip(wanted, choose(parcels))) if wanted else {}
    if not with_row and not choices:
        return []
    with database.atomic():
        now = utc_now()
        opened = _open_waybills(choices, now)  # their first attempt counted as they are written
        opened_ids = [row[0] for row in opened]
        still_ready = Shipment.select(Shipment.id).where(among(Shipment.id, ready), Shipment.status == SHIPMENT_READY)
        counted = list(Waybill.update(attempts=Waybill.attempts + 1, last_attempt_at=now)
                       .where(Waybill.shipment.in_(still_ready), Waybill.status == WAYBILL_REQUESTED,
                              ~among(Waybill.shipment, opened_ids))
                       .returning(*JOB_COLUMNS).tuples().execute())  # read before COMMIT (SQLite)
        if opened:  # a shipment that left "ready" since it was read keeps its row but gets no job
            ready_now = {shipment_id for (shipment_id,) in still_ready.where(among(Shipment.id, opened_ids)).tuples()}
            counted += [row for row in opened if row[0] in ready_now]
    jobs = []
    for shipment_id, carrier, service_level, key, attempts in counted:
        shipment = shipments[shipment_id]
        jobs.append(WaybillJob(shipment_id=shipment_id, carrier=carrier, service_level=service_level,
                               reference=booking_reference(shipment.order.external_ref, shipment_id, key),
                               idempotency_key=key, weight_kg=shipment.weight_kg,
                               ship_to=parcel_of(shipment, shipment.order).ship_to, attempt=attempts))
    return sorted(jobs, key=lambda job: job.shipment_id)


def _last_cancellations(shipment_ids: list[int]) -> dict[int, datetime]:
    """When ops last cancelled a booking of each of these shipments (those never cancelled are left out)."""
    if not shipment_ids:
        return {}
    last = peewee.fn.MAX(CancelledWaybill.cancelled_at)
    return dict(CancelledWaybill.select(CancelledWaybill.shipment, last)
                .where(among(CancelledWaybill.shipment, shipment_ids)).group_by(CancelledWaybill.shipment).tuples())


def _open_waybills(choices: Mapping[int, CarrierChoice], now: datetime) -> list[tuple]:
    """The ``requested`` rows with fresh idempotency keys and their first attempt counted (one write each, not an
    insert and an update); a concurrent run that got there first wins. Returns the rows opened (JOB_COLUMNS)."""
    rows = [{"shipment": shipment_id, "carrier": choice.carrier, "service_level": choice.service_level,
             "idempotency_key": uuid.uuid4().hex, "choice_reason": choice.reason[:500],
             "tracking_mode": choice.tracking_mode, "quoted_price": choice.quoted_price,
             "quoted_currency": choice.quoted_currency, "attempts": 1, "last_attempt_at": now}
            for shipment_id, choice in sorted(choices.items())]
    opened = insert_values(Waybill, rows, returning=[field.column_name for field in JOB_COLUMNS],
                           ignore_conflicts=True)
    update_from_values(Shipment, ("id", "carrier"), [(row[0], choices[row[0]].carrier) for row in opened],
                       set_from_values=("carrier",))
    return opened


def record_waybills(booked: Mapping[int, BookedWaybill], *, actor: str) -> set[int]:
    """Store the issued waybills, dispatch the shipments' stock, write their shipped events and ship the orders
    with every part gone, in one transaction; returns the shipments dispatched now (one dispatched by a duplicate
    run, or cancelled meanwhile, is left alone)."""
    ids = sorted(booked)
    if not ids:
        return set()
    bookings = (CancelledWaybill.select(peewee.fn.COUNT(CancelledWaybill.id))
                .where(CancelledWaybill.shipment == Shipment.id))
    with database.atomic():
        carrier_name = peewee.fn.COALESCE(Waybill.carrier, Shipment.carrier)
        rows = list(Shipment.select(Shipment.id, Shipment.order, carrier_name, bookings.alias("bookings"))
                    .join(Waybill, peewee.JOIN.LEFT_OUTER, on=(Waybill.shipment == Shipment.id))
                    .where(among(Shipment.id, ids)).tuples())
        if not rows:
            return set()
        orders = {order.id: order for order in model_rows(lock_for_update(  # every step locks the order first
            Order.select(*RECORDED_ORDER_FIELDS).where(among(Order.id, sorted({row[1] for row in rows})))
            .order_by(Order.id)))}
        moves = [Move(row[0], SHIPMENT_READY, say(WAYBILL, waybill=booked[row[0]].waybill_number)) for row in rows]
        moved = transition_many("shipment", moves, SHIPMENT_DISPATCHED, actor=actor)
        if not moved:
            return set()
        news = []
        for shipment_id, order_id, carrier, cancelled_before in rows:
            if shipment_id in moved:
                order, issued = orders[order_id], booked[shipment_id]
                news.append(ShipmentNews(order_id=order_id, order_ref=order.external_ref, shipment_id=shipment_id,
                                         carrier=carrier, waybill_number=issued.waybill_number,
                                         tracking_url=issued.tracking_url, booking=cancelled_before,
                                         mailed_to=order.ship_to_email or ""))
        _issue(booked, moved)
        taken, now = _fulfil_reservations(sorted(moved), actor=actor)
        record_shipment_events("shipped", news)
        # not while another part, or a drop-ship part waiting for its supplier, is still to go; it ends with the
        # rows other batches share (customer balances, report rollups)
        ship_orders_when_complete([orders[item.order_id] for item in news], actor=actor)
        # last, the rows every allocation and booking shares: the stock stays locked only from here to COMMIT
        if taken:
            take_from_stock(taken, now)
    return moved


def _issue(booked: Mapping[int, BookedWaybill], moved: set[int]) -> None:
    """The waybills of the dispatched shipments, issued with the carrier's numbers, in one statement."""
    now = utc_now()
    rows = [(shipment_id, booked[shipment_id].waybill_number, booked[shipment_id].tracking_url,
             now + booked[shipment_id].poll_every if booked[shipment_id].poll_every else None,
             "poll" if booked[shipment_id].poll_every else "webhook") for shipment_id in sorted(moved)]
    update_from_values(Waybill, ("shipment_id", "waybill_number", "tracking_url", "next_poll_at", "tracking_mode"),
                       rows, {"status": WAYBILL_ISSUED, "issued_at": now, "last_error": ""},
                       set_from_values=("waybill_number", "tracking_url", "next_poll_at", "tracking_mode"),
                       match=(("shipment_id", "shipment_id"),),
                       casts=None if is_sqlite() else {"next_poll_at": "TIMESTAMP"})  # SQLite would cast it to a number


def _fulfil_reservations(shipment_ids: list[int], *, actor: str) -> tuple[dict[int, int], datetime]:
    """The goods left the warehouses: the shipments' active reservations are fulfilled (one update) and each
    shipment's units leave the stock ledger as one movement per stock row (one insert). Returns the units taken
    per stock row, for ``take_from_stock`` to drop on_hand and reserved by (the caller does it last), and when."""
    # What the shipments carry first, then the update by id: as one statement (``id IN (subquery)``) PostgreSQL's
    # planner, its statistics taken before the batch's reservations existed, scanned every active reservation
    # for each batch. The same read gives the stock movements of the reservations the update fulfils.
    carried = _carried(shipment_ids)
    now = utc_now()
    held = sorted({row[0] for row in carried})
    fulfilled = (Reservation.update(status="fulfilled", updated_at=now)
                 .where(among(Reservation.id, held), Reservation.status == "active")
                 .returning(Reservation.id, Reservation.stock, Reservation.quantity).tuples().execute()) if held else []
    taken: dict[int, int] = {}
    for _, stock_id, quantity in fulfilled:
        taken[stock_id] = taken.get(stock_id, 0) + quantity
    done = {reservation_id for reservation_id, _, _ in fulfilled}
    _write_movements([row for row in carried if row[0] in done], kind="shipment", sign=-1, actor=actor, at=now)
    return taken, now


def record_shipment_movements(shipment_ids: list[int], reservation_ids: list[int], *, kind: str, sign: int,
                              actor: str, at: datetime) -> None:
    """One StockMovement per shipment and stock row for the units of ``reservation_ids`` it carried:
    ``sign`` -1 when they left (shipped), +1 when they came back (a waybill cancelled before pickup)."""
    _write_movements(_carried(shipment_ids, reservation_ids), kind=kind, sign=sign, actor=actor, at=at)


def _carried(shipment_ids: list[int], reservation_ids: list[int] | None = None) -> list[tuple]:
    """(reservation id, shipment id, warehouse id, product id, units) for each reservation the shipments carry
    (of ``reservation_ids`` only, when given): each counted once, with the first of the shipments carrying its line
    (waves share a line)."""
    wanted = [among(ShipmentLine.shipment, shipment_ids)]
    if reservation_ids is not None:
        wanted.append(among(Reservation.id, reservation_ids))
    return list(ShipmentLine.select(Reservation.id, peewee.fn.MIN(Shipment.id), Stock.warehouse, Stock.product,
                                    Reservation.quantity)
                .join(Shipment)
                .join(Reservation, on=((Reservation.order_line == ShipmentLine.order_line)
                                       & (Reservation.warehouse == Shipment.warehouse)))
                .join(Stock, on=(Reservation.stock == Stock.id))
                .where(*wanted)
                .group_by(Reservation.id, Stock.warehouse, Stock.product, Reservation.quantity).tuples())


def _write_movements(carried: list[tuple], *, kind: str, sign: int, actor: str, at: datetime) -> None:
    """One StockMovement per shipment and stock row of the ``carried`` rows (as ``_carried`` gives them)."""
    units: dict[tuple[int, int, int], int] = {}
    for _, shipment_id, warehouse_id, product_id, quantity in carried:
        key = (shipment_id, warehouse_id, product_id)
        units[key] = units.get(key, 0) + quantity
    movements = [{"warehouse": warehouse_id, "product": product_id, "kind": kind, "quantity": sign * quantity,
                  "reason_code": kind, "reference": f"shipment {shipment_id}", "actor": actor, "at": at}
                 for (shipment_id, warehouse_id, product_id), quantity in sorted(units.items())]
    insert_values(StockMovement, movements)


def take_from_stock(taken: Mapping[int, int], now: datetime) -> None:
    """on_hand and reserved drop by ``taken[stock_id]`` on each stock row, rows locked in id order."""
    stock_ids = sorted(taken)
    lock_stock_rows(stock_ids)
    table = quote(Stock._meta.table_name)
    moved = update_from_values(Stock, ("id", "change"), [(stock_id, -taken[stock_id]) for stock_id in stock_ids],
                               {"updated_at": now}, increments={"on_hand": "change", "reserved": "change"},
                               extra_where=f'{table}."reserved" + v."change" >= 0',
                               casts={"id": "INTEGER", "change": "INTEGER"})
    if moved != set(stock_ids):
        short = sorted(set(stock_ids) - moved)
        raise InvariantViolated(f"stock {short} holds less than the reservations shipped from it")
