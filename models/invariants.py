"""The invariants `oms check` proves on a live database; each returns human-readable violations."""
from __future__ import annotations

import peewee

from models.audit import StatusChange
from models.inventory import Product, Stock, Warehouse
from models.orders import Order, OrderLine, Reservation
from models.shipping import Shipment, Waybill


def stock_within_bounds() -> list[str]:
    rows = (Stock.select(Stock, Warehouse.code, Product.sku).join(Warehouse).switch(Stock).join(Product)
            .where((Stock.reserved < 0) | (Stock.reserved > Stock.on_hand) | (Stock.on_hand < 0)))
    return [f"stock {r.warehouse.code}/{r.product.sku}: on_hand {r.on_hand}, reserved {r.reserved}" for r in rows]


def reservations_add_up() -> list[str]:
    held = peewee.fn.COALESCE(peewee.fn.SUM(Reservation.quantity), 0)
    rows = (Stock.select(Stock.id, Stock.reserved, held.alias("held"))
            .join(Reservation, peewee.JOIN.LEFT_OUTER,
                  on=((Reservation.stock == Stock.id) & (Reservation.status == "active")))
            .group_by(Stock.id, Stock.reserved).having(Stock.reserved != held))
    return [f"stock {r.id}: reserved {r.reserved} but active reservations total {r.held}" for r in rows]


def shipped_orders_have_waybills() -> list[str]:
    shipped = Order.select(Order.id).where(Order.status.in_(("shipped", "delivered")))
    rows = (Shipment.select(Shipment.id, Shipment.order, peewee.fn.COUNT(Waybill.id).alias("issued"))
            .join(Waybill, peewee.JOIN.LEFT_OUTER,
                  on=((Waybill.shipment == Shipment.id) & (Waybill.status == "issued")))
            .where(Shipment.order.in_(shipped), Shipment.status != "cancelled")
            .group_by(Shipment.id, Shipment.order))
    problems = [f"order {r.order_id}: shipment {r.id} has {r.issued} issued waybills" for r in rows if r.issued != 1]
    bare = Order.select(Order.id).where(Order.id.in_(shipped), ~peewee.fn.EXISTS(
        Shipment.select().where(Shipment.order == Order.id)))
    problems += [f"order {o.id} is shipped without any shipment" for o in bare]
    return problems


def orders_have_audit_trail() -> list[str]:
    trail = StatusChange.select().where(StatusChange.entity == "order", StatusChange.entity_id == Order.id)
    return [f"order {o.id} has no audit trail" for o in Order.select(Order.id).where(~peewee.fn.EXISTS(trail))]


def reserved_lines_not_overcommitted() -> list[str]:
    held = (Reservation.select(Reservation.order_line, peewee.fn.SUM(Reservation.quantity).alias("held"))
            .where(Reservation.status != "released").group_by(Reservation.order_line))
    lines = {line.id: line.quantity for line in OrderLine.select(OrderLine.id, OrderLine.quantity)
             .where(OrderLine.id.in_(held.select(Reservation.order_line)))}
    return [f"order line {row.order_line_id}: {row.held} reserved for {lines.get(row.order_line_id)} ordered"
            for row in held if row.held > lines.get(row.order_line_id, 0)]


CHECKS = {
    "0 <= reserved <= on_hand": stock_within_bounds,
    "active reservations add up to stock.reserved": reservations_add_up,
    "no order line reserved beyond its quantity": reserved_lines_not_overcommitted,
    "every shipped order has one issued waybill per shipment": shipped_orders_have_waybills,
    "every order has an audit trail": orders_have_audit_trail,
}


def run_checks() -> dict[str, list[str]]:
    """Every check by name with its violations (an empty list means the invariant holds)."""
    return {name: check() for name, check in CHECKS.items()}
