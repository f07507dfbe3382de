"""The state machines of orders, shipments and returns, as data. Pure: no framework imports."""
from __future__ import annotations

from types import MappingProxyType

ORDER_TRANSITIONS = MappingProxyType({
    "received": ("reviewing", "cancelled"),
    "reviewing": ("approved", "on_hold", "rejected", "cancelled"),
    "on_hold": ("approved", "rejected", "reviewing", "cancelled"),
    "approved": ("allocated", "partially_allocated", "backordered", "cancelled"),
    "partially_allocated": ("allocated", "backordered", "shipped", "cancelled"),
    "backordered": ("allocated", "partially_allocated", "cancelled"),
    "allocated": ("shipped", "cancelled"),
    "shipped": ("delivered", "allocated"),  # back to allocated when ops cancel a waybill before pickup
    "delivered": (),
    "rejected": (),
    "cancelled": (),
})

# States a pipeline stage moves on by itself; an order sitting in one too long is re-driven.
ORDER_WORKING_STATES = ("received", "reviewing", "approved", "allocated")
# States that wait for a person (holds) or for stock (backorders): never re-driven by age.
ORDER_WAITING_STATES = ("on_hold", "backordered", "partially_allocated", "shipped")
ORDER_FINAL_STATES = tuple(s for s, nxt in ORDER_TRANSITIONS.items() if not nxt)

SHIPMENT_TRANSITIONS = MappingProxyType({
    "ready": ("dispatched", "failed", "cancelled"),
    "failed": ("ready", "cancelled"),
    "dispatched": ("in_transit", "delivered", "exception", "returned", "ready"),  # ready: cancelled before pickup
    "in_transit": ("delivered", "exception", "returned"),
    "exception": ("in_transit", "delivered", "returned"),
    "delivered": (),
    "returned": (),
    "cancelled": (),
})

RETURN_TRANSITIONS = MappingProxyType({
    "requested": ("approved", "rejected"),
    "approved": ("label_issued", "received"),
    "label_issued": ("in_transit", "received"),
    "in_transit": ("received",),
    "received": ("inspected",),
    "inspected": ("refunded", "exchanged"),
    "refunded": ("closed",),
    "exchanged": ("closed",),
    "rejected": (),
    "closed": (),
})

MACHINES = MappingProxyType({
    "order": ORDER_TRANSITIONS,
    "shipment": SHIPMENT_TRANSITIONS,
    "return": RETURN_TRANSITIONS,
})


def can_transition(machine: str, current: str, target: str) -> bool:
    return target in MACHINES[machine].get(current, ())


def sources_of(machine: str, target: str) -> tuple[str, ...]:
    """Every state from which ``target`` may be reached."""
    return tuple(s for s, nxt in MACHINES[machine].items() if target in nxt)
