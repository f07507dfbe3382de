"""Keeping the inventory report's rollups: the daily units per SKU and warehouse, and the daily on-hand snapshot.

Why a periodic refresh rather than writes inside the pipeline's transactions: the movements the report counts are
already rows with their time, written set-based by the stages (a reservation's ``created_at`` when allocation
reserves, its ``updated_at`` when booking marks it fulfilled, an order's status change into ``backordered``), and
each is read back by an index (migrations 0019 and 0020). The sweep (workers.relay) nudges a planning worker every
REFRESH_EVERY (``schedule_inventory_refresh``: never the relay's own thread, which must keep publishing), and the
worker calls ``keep_inventory_figures``; each refresh recomputes, from those rows, every whole day from the previous refresh's
start less REFRESH_GRACE up to now, replacing those days' rollup rows in one transaction. Recomputing whole days
from the raw rows, instead of adding increments past a watermark, makes the refresh idempotent and equal to
``rebuild_inventory_rollup`` for those days: nothing is counted twice when a refresh is repeated, and a row
committed late (within the grace) is still found. What it cannot see is a change to a day already closed: a
waybill cancelled after the day its goods were marked shipped, or a backordered order split later; ``oms reports
rebuild-inventory`` recomputes every day.

The snapshot: once per UTC day the sweep copies every stock row's on_hand (start of day); the days a stopped
scheduler missed are filled with the last snapshot (``inventory_rules.carry_forward``). Each snapshot row also
keeps the running sum of its stock row's daily on hand and its count of days, so the mean over a range is read
from the last snapshot day of the range and the last one before it: two rows per stock row, whatever the range."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.bulk_insert import insert_rows
from models.core.db import database, lock_for_update
from models.core.outbox import OutboxMessage
from models.core.stages import REPORT_ROLLUPS
from models.inventory.tables import Stock
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import OrderLine, Reservation
from models.reports.inventory_rules import carry_forward, refresh_from
from models.reports.inventory_tables import (
    InventoryDay,
    InventoryRollupMark,
    StockSnapshot,
)
from models.reports.values import as_date

MARK = ROLLUP_NAME = "inventory"
REFRESH_EVERY = timedelta(minutes=5)
MAX_CARRIED_DAYS = 366  # a scheduler stopped longer than a year leaves the gap open rather than invent a year

Key = tuple[date, int, int | None]  # day, product id, warehouse id (None: backordered units)


def schedule_inventory_refresh(every: timedelta = REFRESH_EVERY, now: datetime | None = None) -> bool:
    """Nudge a refresh when neither a refresh started nor a nudge was written within ``every`` (a nudge no worker
    has taken up yet counts, or every sweep would nudge again); True when nudged. Two refreshes at once only take
    turns on the mark, so a rare extra nudge costs one recomputation of the recent days."""
    now = now or utc_now()
    since = now - every
    refreshed = InventoryRollupMark.select().where(InventoryRollupMark.name == MARK,
                                                   InventoryRollupMark.started_at > since)
    nudged = OutboxMessage.select().where(OutboxMessage.actor_name == REPORT_ROLLUPS.actor_name,
                                          OutboxMessage.created_at > since)
    if refreshed.exists() or nudged.exists():
        return False
    with database.atomic():
        REPORT_ROLLUPS.nudge(ROLLUP_NAME)
    return True


def keep_inventory_figures(now: datetime | None = None) -> int:
    """The sweep's part: today's snapshot when it is missing, then the rollup refresh; the rollup rows written."""
    now = now or utc_now()
    take_snapshot(now.date())
    return refresh_inventory_rollup(now)


def refresh_inventory_rollup(now: datetime | None = None) -> int:
    """Recompute the days since the previous refresh (all days the first time); the rollup rows written."""
    now = now or utc_now()
    with database.atomic():
        previous = _locked_mark()
        written = _recompute(refresh_from(previous, now))
        _set_mark(now)
    return written


def rebuild_inventory_rollup(now: datetime | None = None) -> int:
    """Recompute every day of the rollup from the raw rows; the rollup rows written."""
    now = now or utc_now()
    with database.atomic():
        _locked_mark()
        written = _recompute(None)
        _set_mark(now)
    return written


def take_snapshot(today: date) -> int:
    """Today's on-hand of every stock row, once (a second call the same day writes nothing), after carrying the
    last snapshot over the days since it; each row adds its on hand to the stock row's running total. Returns the
    rows written."""
    with database.atomic():
        if StockSnapshot.select().where(StockSnapshot.day == today).exists():
            return 0
        last = StockSnapshot.select(peewee.fn.MAX(StockSnapshot.day)).scalar()
        previous = as_date(last) if last is not None else None
        written = 0
        missed = carry_forward(previous, today)
        if len(missed) <= MAX_CARRIED_DAYS:
            for day in missed:
                written += _copy_snapshot(StockSnapshot.select(
                    peewee.Value(day), StockSnapshot.stock, StockSnapshot.product, StockSnapshot.warehouse,
                    StockSnapshot.on_hand, StockSnapshot.on_hand_total + StockSnapshot.on_hand,
                    StockSnapshot.days + 1).where(StockSnapshot.day == previous))
                previous = day
        before = StockSnapshot.alias("before")
        written += _copy_snapshot(
            Stock.select(peewee.Value(today), Stock.id, Stock.product, Stock.warehouse, Stock.on_hand,
                         peewee.fn.COALESCE(before.on_hand_total, 0) + Stock.on_hand,
                         peewee.fn.COALESCE(before.days, 0) + 1)
            .join(before, peewee.JOIN.LEFT_OUTER, on=((before.stock == Stock.id) & (before.day == previous))))
    return written


def daily_movements(since: date | None) -> dict[Key, list[int]]:
    """[reserved, refilled, shipped, backordered] units per (day, product, warehouse) from the raw rows, from
    ``since`` (every day when None) on: three grouped queries."""
    start = datetime.combine(since, datetime.min.time()) if since else None
    totals: dict[Key, list[int]] = {}

    def add(key: Key, index: int, units: int) -> None:
        totals.setdefault(key, [0, 0, 0, 0])[index] += int(units or 0)

    for day, product, warehouse, reserved, refilled in _reserved(start).tuples():
        add((as_date(day), product, warehouse), 0, reserved)
        add((as_date(day), product, warehouse), 1, refilled)
    for day, product, warehouse, shipped in _shipped(start).tuples():
        add((as_date(day), product, warehouse), 2, shipped)
    for day, product, backordered in _backordered(start).tuples():
        add((as_date(day), product, None), 3, backordered)
    return totals


def _recompute(since: date | None) -> int:
    totals = daily_movements(since)
    delete = InventoryDay.delete()
    (delete.where(InventoryDay.day >= since) if since else delete).execute()
    rows = [{"day": day, "product": product, "warehouse": warehouse, "units_reserved": units[0],
             "units_refilled": units[1], "units_shipped": units[2], "units_backordered": units[3]}
            for (day, product, warehouse), units in sorted(totals.items(), key=_sort_key)]
    insert_rows(InventoryDay, rows)
    return len(rows)


def _reserved(start: datetime | None) -> peewee.ModelSelect:
    """Units reserved per day, SKU and warehouse; ``refilled`` those for an order that had gone to backorder."""
    day = peewee.fn.DATE(Reservation.created_at)
    earlier = StatusChange.select(peewee.SQL("1")).where(
        StatusChange.entity == "order", StatusChange.entity_id == OrderLine.order,
        StatusChange.to_status == ORDER_BACKORDERED, StatusChange.at < Reservation.created_at)
    refilled = peewee.fn.SUM(peewee.Case(None, [(peewee.fn.EXISTS(earlier), Reservation.quantity)], 0))
    query = (Reservation.select(day, OrderLine.product, Reservation.warehouse, peewee.fn.SUM(Reservation.quantity),
                                refilled)
             .join(OrderLine).where(OrderLine.product.is_null(False)))
    if start:
        query = query.where(Reservation.created_at >= start)
    return query.group_by(day, OrderLine.product, Reservation.warehouse)


def _shipped(start: datetime | None) -> peewee.ModelSelect:
    """Units shipped per day, SKU and warehouse: reservations fulfilled, by the time they were."""
    day = peewee.fn.DATE(Reservation.updated_at)
    query = (Reservation.select(day, OrderLine.product, Reservation.warehouse, peewee.fn.SUM(Reservation.quantity))
             .join(OrderLine).where(Reservation.status == "fulfilled"))
    if start:
        query = query.where(Reservation.updated_at >= start)
    return query.group_by(day, OrderLine.product, Reservation.warehouse)


def _backordered(start: datetime | None) -> peewee.ModelSelect:
    """Units that went to backorder per day and SKU: the lines of each order when it first entered
    ``backordered`` (a backorder split from an order enters it when it is created)."""
    before = StatusChange.alias("before")
    day = peewee.fn.DATE(StatusChange.at)
    earlier = before.select(peewee.SQL("1")).where(
        before.entity == "order", before.entity_id == StatusChange.entity_id, before.to_status == ORDER_BACKORDERED,
        (before.at < StatusChange.at) | ((before.at == StatusChange.at) & (before.id < StatusChange.id)))
    query = (StatusChange.select(day, OrderLine.product, peewee.fn.SUM(OrderLine.quantity))
             .join(OrderLine, on=(OrderLine.order == StatusChange.entity_id))
             .where(StatusChange.entity == "order", StatusChange.to_status == ORDER_BACKORDERED,
                    OrderLine.product.is_null(False), ~peewee.fn.EXISTS(earlier)))
    if start:
        query = query.where(StatusChange.at >= start)
    return query.group_by(day, OrderLine.product)


def _copy_snapshot(source: peewee.ModelSelect) -> int:
    fields = [StockSnapshot.day, StockSnapshot.stock, StockSnapshot.product, StockSnapshot.warehouse,
              StockSnapshot.on_hand, StockSnapshot.on_hand_total, StockSnapshot.days]
    return StockSnapshot.insert_from(source, fields).on_conflict_ignore().as_rowcount().execute()


def _locked_mark() -> datetime | None:
    """The previous refresh's start (None before the first), its row locked until the transaction ends: a refresh
    and a rebuild running at once take turns, so the second deletes what the first wrote before writing again."""
    created = (InventoryRollupMark.insert(name=MARK, started_at=utc_now()).on_conflict_ignore().as_rowcount()
               .execute())
    mark = lock_for_update(InventoryRollupMark.select().where(InventoryRollupMark.name == MARK)).get()
    return None if created else mark.started_at


def _set_mark(now: datetime) -> None:
    InventoryRollupMark.update(started_at=now).where(InventoryRollupMark.name == MARK).execute()


def _sort_key(item) -> tuple:
    (day, product, warehouse), _ = item
    return day, product, warehouse or 0

