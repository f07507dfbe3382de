"""The inventory report's figures computed in the test straight from the raw rows (reservations, the audit trail,
order lines, snapshots), in Python, to compare with the rollup and the report."""
from __future__ import annotations

from collections import defaultdict

from models.core.audit import StatusChange
from models.orders.tables import OrderLine, Reservation
from models.reports.inventory_tables import InventoryDay


def raw_days() -> dict[tuple, tuple[int, int, int, int]]:
    """(day, product id, warehouse id or None) -> (reserved, refilled, shipped, backordered)."""
    backordered_at = defaultdict(list)
    for order_id, at, change_id in (StatusChange.select(StatusChange.entity_id, StatusChange.at, StatusChange.id)
                                    .where(StatusChange.entity == "order", StatusChange.to_status == "backordered")
                                    .tuples()):
        backordered_at[order_id].append((at, change_id))
    lines = {line.id: line for line in OrderLine.select()}
    found = defaultdict(lambda: [0, 0, 0, 0])
    for reservation in Reservation.select():
        line = lines[reservation.order_line_id]
        key = (reservation.created_at.date(), line.product_id, reservation.warehouse_id)
        found[key][0] += reservation.quantity
        if any(at < reservation.created_at for at, _ in backordered_at.get(line.order_id, [])):
            found[key][1] += reservation.quantity
        if reservation.status == "fulfilled":
            found[(reservation.updated_at.date(), line.product_id, reservation.warehouse_id)][2] += \
                reservation.quantity
    for order_id, entries in backordered_at.items():
        first, _ = min(entries)
        for line in lines.values():
            if line.order_id == order_id and line.product_id is not None:
                found[(first.date(), line.product_id, None)][3] += line.quantity
    return {key: tuple(units) for key, units in found.items()}


def kept_days() -> dict[tuple, tuple[int, int, int, int]]:
    return {(row.day, row.product_id, row.warehouse_id): (row.units_reserved, row.units_refilled, row.units_shipped,
                                                         row.units_backordered) for row in InventoryDay.select()}
