"""The figures ops graph next to the technical metrics: orders by status, open holds, dead letters, the outbox
backlog and open alerts. One cheap, index-bound query each, read when Prometheus scrapes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import peewee

from models.core.base import utc_now
from models.core.outbox import OutboxMessage
from models.inventory.tables import StockAlert
from models.operations.dead_letters import open_count
from models.orders.order_list import whole_book_counts
from models.orders.states import ORDER_ON_HOLD
from models.shipping.tables import ShipmentAlert
from models.supply.tables import SupplyAlert

ALERT_TABLES = {"stock": StockAlert, "supply": SupplyAlert, "shipment": ShipmentAlert}


@dataclass(frozen=True)
class BusinessFigures:
    orders_by_status: dict[str, int]
    open_holds: int
    open_dead_letters: int
    outbox_unsent: int
    outbox_oldest_age_seconds: float  # 0 with nothing waiting
    open_alerts: dict[str, int] = field(default_factory=dict)  # by kind: stock, supply, shipment


def business_figures(now: datetime | None = None) -> BusinessFigures:
    """Read every figure now (estimates for the largest order statuses on PostgreSQL, as the order list)."""
    now = now or utc_now()
    by_status = {status: count.value for status, count in whole_book_counts().items()}
    unsent, oldest = (OutboxMessage.select(peewee.fn.COUNT(OutboxMessage.id), peewee.fn.MIN(OutboxMessage.created_at))
                      .where(OutboxMessage.sent_at.is_null()).tuples().get())
    return BusinessFigures(
        orders_by_status=by_status,
        open_holds=by_status.get(ORDER_ON_HOLD, 0),
        open_dead_letters=open_count(),
        outbox_unsent=unsent,
        outbox_oldest_age_seconds=max(0.0, (now - _as_datetime(oldest)).total_seconds()) if oldest else 0.0,
        open_alerts={kind: table.select().where(table.status == "open").count()
                     for kind, table in ALERT_TABLES.items()},
    )


def _as_datetime(value) -> datetime:
    # SQLite hands an aggregate's datetime back as text; peewee converts only plain column reads.
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
