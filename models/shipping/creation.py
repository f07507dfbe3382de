"""Shipments from reservations: one per warehouse per order (wave 1), written for a whole batch of orders in a fixed
number of statements with the waybill stage's nudge. Allocation creates them in its own transaction
(``insert_shipments``); ``create_shipments_for`` re-drives orders still allocated."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from models.core.bulk import CHUNK
from models.core.bulk_insert import insert_values
from models.core.bulk_values import among
from models.core.db import database, lock_for_update
from models.core.outbox import OutboxMessage
from models.core.outbox import written as outbox_written
from models.core.stages import CARRIER_CALL_MAX, WAYBILLS
from models.inventory.tables import Product
from models.orders.states import ORDER_ALLOCATED
from models.orders.tables import Order, OrderLine, Reservation
from models.shipping.completion import ship_order_when_complete
from models.shipping.rules import service_level_for
from models.shipping.states import SHIPMENT_READY, WAYBILL_REQUESTED
from models.shipping.tables import CancelledWaybill, Shipment, ShipmentLine, Waybill

FIRST_WAVE = 1


@dataclass(frozen=True)
class HeldUnits:
    """Units of an order line held in a warehouse (a reservation, or a pick about to become one)."""

    order_id: int
    warehouse_id: int
    order_line_id: int
    quantity: int
    unit_weight_kg: Decimal


@dataclass(frozen=True)
class ShipmentDraft:
    order_id: int
    warehouse_id: int
    service_level: str
    weight_kg: Decimal
    lines: tuple[tuple[int, int], ...]  # (order line, units)


def draft_shipments(held: Iterable[HeldUnits], priorities: Mapping[int, int]) -> list[ShipmentDraft]:
    """One draft per order and warehouse, in (order, warehouse) order; ``priorities`` gives each order's priority."""
    grouped: dict[tuple[int, int], dict[int, int]] = {}
    weights: dict[tuple[int, int], Decimal] = {}
    for units in held:
        key = (units.order_id, units.warehouse_id)
        lines = grouped.setdefault(key, {})
        lines[units.order_line_id] = lines.get(units.order_line_id, 0) + units.quantity
        weights[key] = weights.get(key, Decimal(0)) + units.unit_weight_kg * units.quantity
    return [ShipmentDraft(order_id, warehouse_id, service_level_for(priorities[order_id]),
                          weights[(order_id, warehouse_id)], tuple(sorted(lines.items())))
            for (order_id, warehouse_id), lines in sorted(grouped.items())]


def insert_shipments(drafts: list[ShipmentDraft]) -> dict[tuple[int, int], int]:
    """Insert the drafts that are not shipments yet (an order's wave 1 from a warehouse exists at most once) and
    their lines: two statements per 500 shipments. Returns (order, warehouse) -> id of the shipments it created."""
    created: dict[tuple[int, int], int] = {}
    for chunk in peewee.chunked(drafts, CHUNK):
        rows = [{"order": d.order_id, "warehouse": d.warehouse_id, "wave": FIRST_WAVE,
                 "service_level": d.service_level, "weight_kg": d.weight_kg} for d in chunk]
        made = {(order_id, warehouse_id): shipment_id for shipment_id, order_id, warehouse_id in insert_values(
            Shipment, rows, returning=("id", "order_id", "warehouse_id"), ignore_conflicts=True)}
        insert_values(ShipmentLine, [{"shipment": made[(d.order_id, d.warehouse_id)], "order_line": line_id,
                                      "quantity": quantity}
                                     for d in chunk if (d.order_id, d.warehouse_id) in made
                                     for line_id, quantity in d.lines])
        created.update(made)
    return created


def nudge_waybills(shipment_ids: list[int]) -> None:
    """The waybill stage's outbox rows, in one statement: one row per ``CARRIER_CALL_MAX`` shipments (the relay
    merges rows up to the stage's batch size, never splits one). Call in the creating transaction."""
    if not shipment_ids:
        return
    rows = [{"queue_name": WAYBILLS.queue_name, "actor_name": WAYBILLS.actor_name, "payload": json.dumps([chunk])}
            for chunk in peewee.chunked(shipment_ids, CARRIER_CALL_MAX)]
    insert_values(OutboxMessage, rows)
    outbox_written.set()  # as enqueue_after_commit does: a relay in this process wakes at once


def create_shipments_for(order_ids: Iterable[int], *, actor: str) -> list[int]:
    """Re-drive allocated orders: create the shipments their active reservations still lack and nudge every ready
    shipment still needing a waybill; an order with none left may count as shipped (e.g. a drop-ship purchase
    order ops closed after its supplier shipped part of it). Returns the shipments nudged; safe to run twice."""
    ids = sorted(set(order_ids))
    if not ids:
        return []
    with database.atomic():
        orders = list(lock_for_update(Order.select().where(among(Order.id, ids), Order.status == ORDER_ALLOCATED)
                                      .order_by(Order.id)))
        if not orders:
            return []
        held = _held_units([order.id for order in orders])
        insert_shipments(draft_shipments(held, {order.id: order.priority for order in orders}))
        pending = _awaiting_waybill({(units.order_id, units.warehouse_id) for units in held})
        nudge_waybills(list(pending))
        waiting = set(pending.values())
        for order in orders:
            if order.id not in waiting:
                ship_order_when_complete(order, actor=actor)
    return list(pending)


def _held_units(order_ids: list[int]) -> list[HeldUnits]:
    rows = (Reservation.select(OrderLine.order, Reservation.warehouse, Reservation.order_line, Reservation.quantity,
                               Product.weight_kg)
            .join(OrderLine).join(Product)
            .where(among(OrderLine.order, order_ids), Reservation.status == "active").tuples())
    return [HeldUnits(order_id, warehouse_id, line_id, quantity, weight)
            for order_id, warehouse_id, line_id, quantity, weight in rows]


def _awaiting_waybill(pairs: set[tuple[int, int]]) -> dict[int, int]:
    """The ready first-wave shipments of these (order, warehouse) pairs with no waybill issued yet, leaving out
    those whose booking ops cancelled (they wait for ops to book again): shipment -> order, in (order, warehouse)
    order."""
    if not pairs:
        return {}
    shipments = [row for row in Shipment.select(Shipment.id, Shipment.order, Shipment.warehouse,
                                                Shipment.rebook_requested_at)
                 .where(among(Shipment.order, sorted({order_id for order_id, _ in pairs})), Shipment.wave == FIRST_WAVE,
                        Shipment.status == SHIPMENT_READY).tuples()
                 if (row[1], row[2]) in pairs]
    ids = [row[0] for row in shipments]
    if not ids:
        return {}
    waybills = dict(Waybill.select(Waybill.shipment, Waybill.status).where(among(Waybill.shipment, ids)).tuples())
    cancelled = dict(CancelledWaybill.select(CancelledWaybill.shipment, peewee.fn.MAX(CancelledWaybill.cancelled_at))
                     .where(among(CancelledWaybill.shipment, ids)).group_by(CancelledWaybill.shipment).tuples())
    pending = {}
    for shipment_id, order_id, _, rebook_requested_at in sorted(shipments, key=lambda row: (row[1], row[2])):
        if shipment_id in waybills:
            waits = waybills[shipment_id] == WAYBILL_REQUESTED
        else:
            waits = not _waits_for_ops(rebook_requested_at, cancelled.get(shipment_id))
        if waits:
            pending[shipment_id] = order_id
    return pending


def _waits_for_ops(rebook_requested_at: datetime | None, cancelled_at: datetime | None) -> bool:
    """Ops cancelled the booking and have not asked for a new one since (as ``dispatch.waits_for_ops``)."""
    return cancelled_at is not None and (rebook_requested_at is None or rebook_requested_at < cancelled_at)
