"""What the pipeline calls to keep the report rollups, in the transaction of the status change, with a fixed
number of statements per batch: orders shipped, an order moved back from shipped (its waybill cancelled before
pickup: taken away again, so the figures stay exact), orders delivered. ``rebuild_rollups`` recomputes them."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from models.core.db import database, is_sqlite
from models.reports.cycle_rules import DELIVERY_STEPS, SHIP_STEPS
from models.reports.rollup_sql import (
    ROLLUP_TABLES,
    Selection,
    add_cycle_times,
    add_sales,
    clear,
    drop_empty_rows,
)
from models.reports.shipped_now import add_shipped_now


def record_orders_shipped(order_ids: Iterable[int]) -> None:
    """Count orders just moved to shipped: sales on the day they shipped and their cycle times to shipping."""
    ids = sorted(set(order_ids))
    if ids and not is_sqlite():
        add_shipped_now(ids)  # one statement for every table
    elif ids:
        add_sales(Selection(ids=ids, just_shipped=True))
        add_cycle_times(Selection(ids=ids, just_shipped=True), SHIP_STEPS)


def record_orders_unshipped(order_ids: Iterable[int]) -> None:
    """Take away orders just moved back from shipped (call after the move, before they ship again)."""
    ids = sorted(set(order_ids))
    if ids:
        selection = Selection(ids=ids, counted_only=False)
        add_sales(selection, sign=-1)
        add_cycle_times(selection, SHIP_STEPS, sign=-1)
        drop_empty_rows()


def record_orders_delivered(order_ids: Iterable[int]) -> None:
    """Count the shipped → delivered time of orders just delivered."""
    ids = sorted(set(order_ids))
    if ids:
        add_cycle_times(Selection(ids=ids), DELIVERY_STEPS)


def rebuild_rollups(*, since: date | None = None, until: date | None = None) -> None:
    """Recompute every report rollup from the orders and their audit trail: all of it, or the days of
    ``since``..``until`` (a day is the day an order shipped, or was delivered for the delivery step)."""
    selection = Selection(since=since, until=until)
    with database.atomic():
        for table in ROLLUP_TABLES:
            clear(table, since, until)
        add_sales(selection)
        add_cycle_times(selection, SHIP_STEPS)
        add_cycle_times(selection, DELIVERY_STEPS)
