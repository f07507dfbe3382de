"""The order state machine as data: every status by name, the moves allowed from each, and which are working,
waiting or final. Pure: no framework imports."""
from __future__ import annotations

from types import MappingProxyType

from models.core.states import register_machine

ORDER_RECEIVED = "received"
ORDER_REVIEWING = "reviewing"
ORDER_ON_HOLD = "on_hold"
ORDER_APPROVED = "approved"
ORDER_REJECTED = "rejected"
ORDER_PARTIALLY_ALLOCATED = "partially_allocated"
ORDER_BACKORDERED = "backordered"
ORDER_ALLOCATED = "allocated"
ORDER_SHIPPED = "shipped"
ORDER_DELIVERED = "delivered"
ORDER_CANCELLED = "cancelled"

ORDER_TRANSITIONS = MappingProxyType({
    ORDER_RECEIVED: (ORDER_REVIEWING, ORDER_CANCELLED),
    ORDER_REVIEWING: (ORDER_APPROVED, ORDER_ON_HOLD, ORDER_REJECTED, ORDER_CANCELLED),
    ORDER_ON_HOLD: (ORDER_APPROVED, ORDER_REJECTED, ORDER_REVIEWING, ORDER_CANCELLED),
    # back to reviewing from any status before shipping: the order was changed (models.orders.changes)
    ORDER_APPROVED: (ORDER_ALLOCATED, ORDER_PARTIALLY_ALLOCATED, ORDER_BACKORDERED, ORDER_CANCELLED, ORDER_REVIEWING),
    ORDER_PARTIALLY_ALLOCATED: (ORDER_ALLOCATED, ORDER_BACKORDERED, ORDER_SHIPPED, ORDER_CANCELLED, ORDER_REVIEWING),
    ORDER_BACKORDERED: (ORDER_ALLOCATED, ORDER_PARTIALLY_ALLOCATED, ORDER_CANCELLED, ORDER_REVIEWING),
    ORDER_ALLOCATED: (ORDER_SHIPPED, ORDER_CANCELLED, ORDER_REVIEWING),
    # back to allocated when ops cancel a waybill before pickup
    ORDER_SHIPPED: (ORDER_DELIVERED, ORDER_ALLOCATED),
    ORDER_DELIVERED: (),
    ORDER_REJECTED: (),
    ORDER_CANCELLED: (),
})

# States a pipeline stage moves on by itself; an order sitting in one too long is re-driven.
ORDER_WORKING_STATES = (ORDER_RECEIVED, ORDER_REVIEWING, ORDER_APPROVED, ORDER_ALLOCATED)
# States that wait for a person (holds) or for stock (backorders): never re-driven by age.
ORDER_WAITING_STATES = (ORDER_ON_HOLD, ORDER_BACKORDERED, ORDER_PARTIALLY_ALLOCATED, ORDER_SHIPPED)
ORDER_FINAL_STATES = tuple(s for s, nxt in ORDER_TRANSITIONS.items() if not nxt)

register_machine("order", ORDER_TRANSITIONS)
