"""Loading one order with everything its page and its API resource show, in a fixed number of queries."""
from __future__ import annotations

import peewee

from models.core.audit import StatusChange
from models.inventory.tables import Warehouse
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.returns.tables import ReturnRequest
from models.review.reviews import reviews_of
from models.shipping.tables import Shipment, TrackingEvent, Waybill


def load_order_view(order_id: int) -> Order | None:
    """The order with ``loaded_lines`` (with reservations), ``loaded_shipments`` (each with ``waybill``
    or None, and its tracking events), ``loaded_audit``, ``loaded_reviews`` (oldest first) and
    ``loaded_returns`` (its own returns and the one it replaces, if any) attached: seven queries whatever the size."""
    order = (Order.select(Order, Partner).join(Partner, on=(Order.customer == Partner.id))
             .where(Order.id == order_id).first())
    if order is None:
        return None
    lines = OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)
    reservations = Reservation.select(Reservation, Warehouse).join(Warehouse).order_by(Reservation.id)
    order.loaded_lines = list(peewee.prefetch(lines, reservations))
    shipments = (Shipment.select(Shipment, Warehouse, Waybill).join(Warehouse).switch(Shipment)
                 .join(Waybill, peewee.JOIN.LEFT_OUTER, attr="waybill")
                 .where(Shipment.order == order_id).order_by(Shipment.wave, Shipment.id))
    events = TrackingEvent.select().order_by(TrackingEvent.occurred_at, TrackingEvent.id)
    order.loaded_shipments = list(peewee.prefetch(shipments, events))
    order.loaded_audit = list(StatusChange.trail("order", order_id))
    order.loaded_reviews = reviews_of(order_id)
    order.loaded_returns = list(ReturnRequest.select().where(
        (ReturnRequest.order == order_id) | (ReturnRequest.replacement_order == order_id)).order_by(ReturnRequest.id))
    return order
