"""Stuck work: orders, shipments, returns and purchase orders left in a working status past the sweeper's
threshold, counted per status and listed oldest first, and the re-drive of some of them through the sweeper.

Each kind costs two queries (a count per status, then its oldest items), all on the (status, status_changed_at)
indexes; purchase orders count as stuck once the supplier's answer or the delivery is overdue."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import peewee

from models.core.base import utc_now
from models.orders.states import ORDER_WORKING_STATES
from models.orders.tables import Order
from models.returns.tables import ReturnRequest
from models.shipping.states import (
    SHIPMENT_FAILED,
    SHIPMENT_READY,
    WAYBILL_FAILED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import Shipment, Waybill
from models.supply.states import (
    PO_CONFIRMED,
    PO_PARTIALLY_CONFIRMED,
    PO_SENT,
    PO_SHIPPED,
)
from models.supply.tables import PurchaseOrder
from models.sweeper import (
    RETURN_WORKING_STATES,
    STAGE_FOR_ORDER_STATUS,
    redrive_orders,
    redrive_returns,
)

ITEMS_PER_KIND = 200
KINDS = ("order", "shipment", "return", "purchase_order")
REDRIVABLE = ("order", "return")  # the sweeper moves these on; shipments and purchase orders wait for people
SHIPMENT_WORKING_STATES = (SHIPMENT_READY, SHIPMENT_FAILED)
# Delivery owed: past expected_at in one of these, a purchase order is overdue.
PO_DELIVERY_STATES = (PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_SHIPPED)


@dataclass(frozen=True)
class StuckItem:
    kind: str
    id: int
    ref: str  # what people call it: the order reference, the PO number, a shipment's order reference
    status: str
    since: datetime
    redriven_at: datetime | None = None
    note: str = ""

    def age(self, now: datetime) -> timedelta:
        return now - self.since


@dataclass(frozen=True)
class StuckGroup:
    kind: str
    status: str
    count: int
    oldest: datetime


@dataclass(frozen=True)
class StuckWork:
    groups: list[StuckGroup]
    items: list[StuckItem]  # oldest first, at most ITEMS_PER_KIND of each kind
    cutoff: datetime
    now: datetime

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def oldest_first(items: Iterable[StuckItem]) -> list[StuckItem]:
    """All kinds merged, the oldest first (ties by kind and id, so the page is stable)."""
    return sorted(items, key=lambda item: (item.since, KINDS.index(item.kind), item.id))


def stuck_work(older_than: timedelta, *, now: datetime | None = None,
               items_per_kind: int = ITEMS_PER_KIND) -> StuckWork:
    """Everything stuck longer than ``older_than``: counts and oldest per status, and the oldest items."""
    now = now or utc_now()
    cutoff = now - older_than
    groups: list[StuckGroup] = []
    items: list[StuckItem] = []
    for kind, query, model in (("order", _orders(cutoff), Order), ("shipment", _shipments(cutoff), Shipment),
                               ("return", _returns(cutoff), ReturnRequest),
                               ("purchase_order", _purchase_orders(now), PurchaseOrder)):
        groups += [StuckGroup(kind, status, count, oldest) for status, count, oldest in
                   query.select(model.status, peewee.fn.COUNT(model.id), peewee.fn.MIN(model.status_changed_at))
                   .group_by(model.status).order_by(model.status).tuples()]
        items += _items(kind, query.order_by(model.status_changed_at, model.id).limit(items_per_kind))
    return StuckWork(groups=sorted(groups, key=lambda g: g.oldest), items=oldest_first(items), cutoff=cutoff, now=now)


def stuck_count(older_than: timedelta, *, now: datetime | None = None) -> int:
    """How many items ``stuck_work`` would count (one count per kind)."""
    now = now or utc_now()
    cutoff = now - older_than
    return sum(query.count() for query in (_orders(cutoff), _shipments(cutoff), _returns(cutoff),
                                           _purchase_orders(now)))


def redrive(items: Iterable[tuple[str, int]], *, by: str) -> dict[str, int]:
    """Re-drive ``(kind, id)`` pairs through the sweeper (orders per their current working status, returns);
    other kinds are ignored. Returns how many of each kind were re-driven."""
    wanted: dict[str, set[int]] = {kind: set() for kind in REDRIVABLE}
    for kind, item_id in items:
        if kind in wanted:
            wanted[kind].add(item_id)
    done = {"order": 0, "return": 0}
    if wanted["order"]:
        by_status: dict[str, list[int]] = {}
        for order_id, status in (Order.select(Order.id, Order.status)
                                 .where(Order.id.in_(sorted(wanted["order"])),
                                        Order.status.in_(tuple(STAGE_FOR_ORDER_STATUS))).tuples()):
            by_status.setdefault(status, []).append(order_id)
        for status, ids in by_status.items():
            done["order"] += len(redrive_orders(status, ids, by=by))
    if wanted["return"]:
        done["return"] = len(redrive_returns(wanted["return"], by=by))
    return done


def _orders(cutoff: datetime) -> peewee.ModelSelect:
    return Order.select().where(Order.status.in_(ORDER_WORKING_STATES), Order.status_changed_at < cutoff)


def _shipments(cutoff: datetime) -> peewee.ModelSelect:
    """Shipments waiting for a waybill (none yet, requested or failed) since before ``cutoff``."""
    return (Shipment.select()
            .join(Waybill, peewee.JOIN.LEFT_OUTER, on=(Waybill.shipment == Shipment.id))
            .where(Shipment.status.in_(SHIPMENT_WORKING_STATES), Shipment.status_changed_at < cutoff,
                   Waybill.id.is_null() | Waybill.status.in_((WAYBILL_REQUESTED, WAYBILL_FAILED))))


def _returns(cutoff: datetime) -> peewee.ModelSelect:
    return ReturnRequest.select().where(ReturnRequest.status.in_(RETURN_WORKING_STATES),
                                        ReturnRequest.status_changed_at < cutoff)


def _purchase_orders(now: datetime) -> peewee.ModelSelect:
    """Sent and unanswered past their confirm-by time, or confirmed and not delivered by their expected day."""
    unanswered = (PurchaseOrder.status == PO_SENT) & (PurchaseOrder.confirm_by < now)
    undelivered = PurchaseOrder.status.in_(PO_DELIVERY_STATES) & (PurchaseOrder.expected_at < now.date())
    return PurchaseOrder.select().where(PurchaseOrder.status.in_((PO_SENT, *PO_DELIVERY_STATES)),
                                        unanswered | undelivered)


def _items(kind: str, query: peewee.ModelSelect) -> list[StuckItem]:
    if kind == "order":
        return [StuckItem(kind, o.id, o.external_ref, o.status, o.status_changed_at, o.redriven_at)
                for o in query.select(Order.id, Order.external_ref, Order.status, Order.status_changed_at,
                                      Order.redriven_at)]
    if kind == "shipment":
        rows = (query.select(Shipment.id, Shipment.status, Shipment.status_changed_at, Order.external_ref,
                             Waybill.status.alias("waybill_status"), Waybill.last_error)
                .switch(Shipment).join(Order, on=(Shipment.order == Order.id)).objects())
        return [StuckItem(kind, s.id, s.external_ref, s.status, s.status_changed_at,
                          note=f"waybill {s.waybill_status}: {s.last_error}".rstrip(": ")
                          if s.waybill_status else "no waybill yet") for s in rows]
    if kind == "return":
        return [StuckItem(kind, r.id, f"R-{r.id}", r.status, r.status_changed_at)
                for r in query.select(ReturnRequest.id, ReturnRequest.status, ReturnRequest.status_changed_at)]
    return [StuckItem(kind, p.id, p.number, p.status, p.status_changed_at,
                      note="answer due " + f"{p.confirm_by:%Y-%m-%d %H:%M}" if p.status == PO_SENT and p.confirm_by
                      else f"expected {p.expected_at}")
            for p in query.select(PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.status,
                                  PurchaseOrder.status_changed_at, PurchaseOrder.confirm_by,
                                  PurchaseOrder.expected_at)]
