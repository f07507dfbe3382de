"""The return state machine as data: every status by name and the moves allowed from each. Pure."""
from __future__ import annotations

from types import MappingProxyType

from models.core.states import register_machine

RETURN_REQUESTED = "requested"
RETURN_APPROVED = "approved"
RETURN_REJECTED = "rejected"
RETURN_LABEL_ISSUED = "label_issued"
RETURN_IN_TRANSIT = "in_transit"
RETURN_RECEIVED = "received"
RETURN_INSPECTED = "inspected"
RETURN_REFUNDED = "refunded"
RETURN_EXCHANGED = "exchanged"
RETURN_CLOSED = "closed"

RETURN_TRANSITIONS = MappingProxyType({
    RETURN_REQUESTED: (RETURN_APPROVED, RETURN_REJECTED),
    RETURN_APPROVED: (RETURN_LABEL_ISSUED, RETURN_RECEIVED),
    RETURN_LABEL_ISSUED: (RETURN_IN_TRANSIT, RETURN_RECEIVED),
    RETURN_IN_TRANSIT: (RETURN_RECEIVED,),
    RETURN_RECEIVED: (RETURN_INSPECTED,),
    RETURN_INSPECTED: (RETURN_REFUNDED, RETURN_EXCHANGED),
    RETURN_REFUNDED: (RETURN_CLOSED,),
    RETURN_EXCHANGED: (RETURN_CLOSED,),
    RETURN_REJECTED: (),
    RETURN_CLOSED: (),
})

register_machine("return", RETURN_TRANSITIONS)
