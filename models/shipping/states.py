"""The shipment state machine as data: every status by name and the moves allowed from each; and the statuses
of a shipment's waybill by name. Pure."""
from __future__ import annotations

from types import MappingProxyType

from models.core.states import register_machine

SHIPMENT_READY = "ready"
SHIPMENT_FAILED = "failed"
SHIPMENT_DISPATCHED = "dispatched"
SHIPMENT_IN_TRANSIT = "in_transit"
SHIPMENT_EXCEPTION = "exception"
SHIPMENT_DELIVERED = "delivered"
SHIPMENT_RETURNED = "returned"
SHIPMENT_CANCELLED = "cancelled"

SHIPMENT_TRANSITIONS = MappingProxyType({
    SHIPMENT_READY: (SHIPMENT_DISPATCHED, SHIPMENT_FAILED, SHIPMENT_CANCELLED),
    SHIPMENT_FAILED: (SHIPMENT_READY, SHIPMENT_CANCELLED),
    # ready: the waybill was cancelled before pickup
    SHIPMENT_DISPATCHED: (SHIPMENT_IN_TRANSIT, SHIPMENT_DELIVERED, SHIPMENT_EXCEPTION, SHIPMENT_RETURNED,
                          SHIPMENT_READY),
    SHIPMENT_IN_TRANSIT: (SHIPMENT_DELIVERED, SHIPMENT_EXCEPTION, SHIPMENT_RETURNED),
    SHIPMENT_EXCEPTION: (SHIPMENT_IN_TRANSIT, SHIPMENT_DELIVERED, SHIPMENT_RETURNED),
    SHIPMENT_DELIVERED: (),
    SHIPMENT_RETURNED: (),
    SHIPMENT_CANCELLED: (),
})

register_machine("shipment", SHIPMENT_TRANSITIONS)

# Shipments whose units have left the warehouse (or the supplier): a "returned" parcel left too, and came back.
SHIPMENT_LEFT_STATES = (SHIPMENT_DISPATCHED, SHIPMENT_IN_TRANSIT, SHIPMENT_EXCEPTION, SHIPMENT_DELIVERED,
                        SHIPMENT_RETURNED)

# A shipment's waybill (models.shipping.tables.Waybill.status): not a registered machine, its moves are made by
# the booking code in models.shipping.dispatch and models.shipping.waybill_changes.
WAYBILL_REQUESTED = "requested"  # committed before the carrier is called; attempts are counted on it
WAYBILL_ISSUED = "issued"
WAYBILL_FAILED = "failed"
WAYBILL_CANCELLED = "cancelled"  # a failed booking of a cancelled shipment, released at the carrier
