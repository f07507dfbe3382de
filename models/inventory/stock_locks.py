"""The one order stock rows are locked in, shared by every writer of many rows at once."""
from __future__ import annotations

from collections.abc import Iterable

from models.core.bulk_values import among
from models.core.db import is_sqlite
from models.inventory.tables import Stock


def lock_stock_rows(stock_ids: Iterable[int]) -> None:
    """Lock these stock rows in id order (PostgreSQL, one statement); SQLite holds the write lock already.

    A multi-row ``UPDATE … FROM (VALUES …)`` locks rows in whatever order its plan visits them, so two batches
    sharing rows could deadlock; locking first, in id order, makes every writer queue in the same order."""
    ids = sorted(set(stock_ids))
    if ids and not is_sqlite():
        list(Stock.select(Stock.id).where(among(Stock.id, ids)).order_by(Stock.id).for_update().tuples())
