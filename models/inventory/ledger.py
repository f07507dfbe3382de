"""The stock ledger of a SKU: every movement of on-hand units (receipts, adjustments, transfers, imports, returns
restocked, units shipped and brought back by a cancelled waybill), newest first, each with the warehouse's on-hand
after it, counted back from today's on-hand."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import peewee

from models.inventory.tables import Stock, StockMovement
from models.inventory.views import sku_movements

# Movements that do not change on_hand: quarantined returns are kept apart from it.
OFF_HAND_KINDS = frozenset({"quarantine"})


@dataclass(frozen=True)
class LedgerLine:
    id: int
    at: datetime
    warehouse_id: int
    kind: str
    quantity: int
    on_hand_after: int | None  # None for a movement that leaves on_hand as it is


def running_on_hand(movements: Iterable[tuple[int, datetime, int, str, int]], on_hand_now: Mapping[int, int],
                    newer: Mapping[int, int]) -> list[LedgerLine]:
    """``movements`` (id, at, warehouse id, kind, quantity) newest first, each with its warehouse's on-hand
    after it: today's ``on_hand_now`` less every later change (``newer``: the sum per warehouse of the
    movements after this page)."""
    later = dict(newer)
    lines = []
    for movement_id, at, warehouse_id, kind, quantity in movements:
        if kind in OFF_HAND_KINDS:
            lines.append(LedgerLine(movement_id, at, warehouse_id, kind, quantity, None))
            continue
        after = on_hand_now.get(warehouse_id, 0) - later.get(warehouse_id, 0)
        lines.append(LedgerLine(movement_id, at, warehouse_id, kind, quantity, after))
        later[warehouse_id] = later.get(warehouse_id, 0) + quantity
    return lines


def sku_ledger(product_id: int, *, limit: int = 100,
               before: int | None = None) -> tuple[list[StockMovement], dict[int, int | None], int | None]:
    """One page of the SKU's movements newest first (with their warehouse), the on-hand after each (by
    movement id) and the id to continue before; three queries whatever the page."""
    movements, next_before = sku_movements(product_id, limit=limit, before=before)
    on_hand_now = dict(Stock.select(Stock.warehouse, Stock.on_hand).where(Stock.product == product_id).tuples())
    newer: dict[int, int] = {}
    if before:
        newer = dict(StockMovement.select(StockMovement.warehouse, peewee.fn.SUM(StockMovement.quantity))
                     .where(StockMovement.product == product_id, StockMovement.id >= before,
                            StockMovement.kind.not_in(tuple(OFF_HAND_KINDS)))
                     .group_by(StockMovement.warehouse).tuples())
    lines = running_on_hand(((m.id, m.at, m.warehouse_id, m.kind, m.quantity) for m in movements), on_hand_now,
                            {warehouse: int(total or 0) for warehouse, total in newer.items()})
    return movements, {line.id: line.on_hand_after for line in lines}, next_before


