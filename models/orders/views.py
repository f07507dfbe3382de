"""Loading one order with everything its page and its API resource show, in a fixed number of queries."""
from __future__ import annotations

import peewee

from models.core.audit import StatusChange
from models.inventory.tables import Warehouse
from models.orders.allocation_plans import plan_of
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.returns.tables import ReturnRequest
from models.review.reviews import reviews_of
from models.shipping.tables import Shipment, TrackingEvent, Waybill
from models.supply.dropship import dropship_parts


def load_order_view(order_id: int) -> Order | None:
    """The order with ``loaded_lines`` (with reservations), ``loaded_shipments`` (each with ``waybill``
    or None, its tracking events, and its ``warehouse`` or, drop-shipped, its ``supplier``), ``loaded_audit``,
    ``loaded_reviews`` (oldest first), ``loaded_allocation`` (the last plan or None), ``loaded_returns`` (its own
    returns and the one it replaces, if any),
    ``loaded_dropship`` (its drop-ship purchase orders) and ``awaiting_supplier`` (a drop-ship supplier still has
    units of it to ship) attached: nine queries whatever the size."""
    order = (Order.select(Order, Partner).join(Partner, on=(Order.customer == Partner.id))
             .where(Order.id == order_id).first())
    if order is None:
        return None
    lines = OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no)
    reservations = Reservation.select(Reservation, Warehouse).join(Warehouse).order_by(Reservation.id)
    order.loaded_lines = list(peewee.prefetch(lines, reservations))
    shipper = Partner.alias("shipper")  # the supplier of a drop-ship shipment
    shipments = (Shipment.select(Shipment, Warehouse, shipper, Waybill).join(Warehouse, peewee.JOIN.LEFT_OUTER)
                 .switch(Shipment).join(shipper, peewee.JOIN.LEFT_OUTER, on=(Shipment.supplier == shipper.id),
                                        attr="supplier")
                 .switch(Shipment).join(Waybill, peewee.JOIN.LEFT_OUTER, attr="waybill")
                 .where(Shipment.order == order_id).order_by(Shipment.wave, Shipment.id))
    events = TrackingEvent.select().order_by(TrackingEvent.occurred_at, TrackingEvent.id)
    order.loaded_shipments = list(peewee.prefetch(shipments, events))
    order.loaded_audit = list(StatusChange.trail("order", order_id))
    order.loaded_reviews = reviews_of(order_id)
    order.loaded_allocation = plan_of(order_id)
    order.loaded_returns = list(ReturnRequest.select().where(
        (ReturnRequest.order == order_id) | (ReturnRequest.replacement_order == order_id)).order_by(ReturnRequest.id))
    order.loaded_dropship = dropship_parts([order_id]).get(order_id, [])
    order.awaiting_supplier = any(part.awaiting_supplier for part in order.loaded_dropship)
    return order
