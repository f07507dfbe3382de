"""Shipped history for forecast tests: delivered orders written straight to the tables, dated by week."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from models.planning.demo_history import ShippedOrder, write_shipped_orders
from models.shipping.tables import Shipment

W0 = date(2026, 1, 5)  # a Monday


def at(week: int, day: int = 0, hour: int = 10, minute: int = 0) -> datetime:
    """A moment ``week`` weeks and ``day`` days after Monday W0."""
    return datetime.combine(W0 + timedelta(weeks=week, days=day), datetime.min.time()).replace(hour=hour,
                                                                                                minute=minute)


def ship(world: dict, when: datetime, units: int, *, warehouse: str | None = "east", sku: str = "widget",
         ref: str = "H") -> int:
    """One delivered order of ``units`` of a make_world() SKU from a warehouse (None: drop-shipped by the
    supplier), dispatched ``when``; the shipment's id. ``ref`` must differ between calls."""
    dropship = warehouse is None
    order = ShippedOrder(customer_id=world["customer"].id, dispatched_at=when, lines=((world[sku].id, units),),
                         warehouse_id=None if dropship else world[warehouse].id,
                         supplier_id=world["supplier"].id if dropship else None)
    write_shipped_orders([order], reference_prefix=ref)
    return Shipment.select(Shipment.id).order_by(Shipment.id.desc()).scalar()
