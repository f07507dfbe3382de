"""Cancelling an order before it ships: the status change and the release of its stock, together."""
from __future__ import annotations

from models.allocation.backorders import stock_arrived
from models.core.audit_reasons import PO_OF_CANCELLED_ORDER, say
from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.stages import WAYBILL_RELEASES
from models.core.states import sources_of
from models.core.transitions import transition
from models.inventory.tables import Stock
from models.orders.states import ORDER_CANCELLED
from models.orders.tables import Order, OrderLine, Reservation
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_FAILED,
    SHIPMENT_LEFT_STATES,
    SHIPMENT_READY,
    WAYBILL_FAILED,
    WAYBILL_REQUESTED,
)
from models.shipping.tables import Shipment, Waybill
from models.supply.changes import CANCELLABLE, cancel_purchase_order
from models.supply.tables import PurchaseOrder


def cancel_order(order_id: int, *, actor: str, reason: str) -> bool:
    """Cancel an order that has not shipped; active reservations go back to available stock.

    Returns False when the order is already cancelled, shipped or otherwise past cancelling.
    """
    with database.atomic():
        # The drop-ship POs are locked before the order, as the supplier's ASN path locks them: no deadlock.
        dropship = lock_dropship_orders(order_id)
        order = Order.locked(order_id)
        if order is None or order.status not in sources_of("order", ORDER_CANCELLED):
            return False
        if shipment_left(order_id):
            return False  # part of it already left a warehouse
        for purchase in dropship:  # the supplier is told not to ship to the customer
            cancel_purchase_order(purchase.number, actor=actor,
                                  reason=say(PO_OF_CANCELLED_ORDER, order=order_id, reason=reason))
        release_reservations(order_id)
        cancel_open_shipments(order_id, actor=actor, reason=reason)
        return transition("order", order_id, ORDER_CANCELLED, actor=actor, reason=reason, expected=order.status)


def lock_dropship_orders(order_id: int) -> list[PurchaseOrder]:
    """The order's drop-ship purchase orders that may still be cancelled, locked; take them before the order."""
    return list(lock_for_update(PurchaseOrder.select().where(
        PurchaseOrder.sales_order == order_id, PurchaseOrder.dropship == True,  # noqa: E712
        PurchaseOrder.status.in_(CANCELLABLE)).order_by(PurchaseOrder.id)))


def shipment_left(order_id: int) -> bool:
    """Some shipment of the order left a warehouse (or its supplier)."""
    return Shipment.select().where(Shipment.order == order_id, Shipment.status.in_(SHIPMENT_LEFT_STATES)).exists()


def release_reservations(order_id: int) -> list[Reservation]:
    """Put the order's active reservations back to available stock (marked released) and nudge the orders waiting
    for those products; returns the reservations released. Call inside the transaction with the order locked."""
    held = list(lock_for_update(Reservation.select().join(OrderLine).where(
        OrderLine.order == order_id, Reservation.status == "active").order_by(Reservation.stock)))
    for reservation in held:
        (Stock.update(reserved=Stock.reserved - reservation.quantity, updated_at=utc_now())
         .where(Stock.id == reservation.stock_id).execute())
        Reservation.update(status="released", updated_at=utc_now()).where(Reservation.id == reservation.id).execute()
    if held:  # the released units may fill orders waiting for them
        stock_arrived(sorted({row.product_id for row in Stock.select(Stock.product).where(
            Stock.id.in_([reservation.stock_id for reservation in held]))}))
    return held


def cancel_open_shipments(order_id: int, *, actor: str, reason: str) -> list[int]:
    """Cancel the order's shipments that have not left, and have the carrier release any booking a failed call
    may have made; returns the shipments cancelled."""
    cancelled = [s.id for s in Shipment.select(Shipment.id).where(
        Shipment.order == order_id, Shipment.status.in_((SHIPMENT_READY, SHIPMENT_FAILED))).order_by(Shipment.id)]
    for shipment_id in cancelled:
        transition("shipment", shipment_id, SHIPMENT_CANCELLED, actor=actor, reason=reason)
    unanswered = [w.shipment_id for w in Waybill.select(Waybill.shipment).join(Shipment).where(
        Shipment.order == order_id, Waybill.status.in_((WAYBILL_REQUESTED, WAYBILL_FAILED)), Waybill.attempts > 0)]
    if unanswered:  # a call may have booked at the carrier without us hearing of it
        WAYBILL_RELEASES.nudge(unanswered)
    return cancelled
