"""The purchase-order state machine as data: every status by name and the moves allowed from each. Pure."""
from __future__ import annotations

from types import MappingProxyType

from models.core.states import register_machine

PO_DRAFT = "draft"
PO_SENT = "sent"
PO_CONFIRMED = "confirmed"
PO_PARTIALLY_CONFIRMED = "partially_confirmed"
PO_COUNTERED = "countered"
PO_SHIPPED = "shipped"
PO_PARTIALLY_RECEIVED = "partially_received"
PO_RECEIVED = "received"
PO_CLOSED = "closed"
PO_CANCELLED = "cancelled"

PO_TRANSITIONS = MappingProxyType({
    PO_DRAFT: (PO_SENT, PO_CANCELLED),
    # a supplier may answer, or deliver straight away (an ASN or a receipt without confirming first)
    PO_SENT: (PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_COUNTERED, PO_SHIPPED, PO_PARTIALLY_RECEIVED, PO_RECEIVED,
              PO_CANCELLED),
    # ops accept a counter-proposal (confirmed / partially confirmed) or reject it (back to sent)
    PO_COUNTERED: (PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_SENT, PO_CANCELLED),
    # sent again when ops change a confirmed order; countered when the supplier revises its answer
    PO_CONFIRMED: (PO_SHIPPED, PO_PARTIALLY_RECEIVED, PO_RECEIVED, PO_SENT, PO_COUNTERED, PO_CANCELLED),
    PO_PARTIALLY_CONFIRMED: (PO_CONFIRMED, PO_SHIPPED, PO_PARTIALLY_RECEIVED, PO_RECEIVED, PO_SENT, PO_COUNTERED,
                             PO_CANCELLED),
    # a drop-ship order closes once its customer has it; ops may close a shipment that will never arrive
    PO_SHIPPED: (PO_PARTIALLY_RECEIVED, PO_RECEIVED, PO_CLOSED),
    PO_PARTIALLY_RECEIVED: (PO_SHIPPED, PO_RECEIVED, PO_CLOSED),
    PO_RECEIVED: (PO_CLOSED,),
    PO_CLOSED: (),
    PO_CANCELLED: (),
})

PO_STATUSES = tuple(PO_TRANSITIONS)
# Waiting for the supplier's answer.
PO_AWAITING_SUPPLIER = (PO_SENT,)
# Goods still to come: counted as incoming stock.
PO_OPEN_STATES = (PO_SENT, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_COUNTERED, PO_SHIPPED, PO_PARTIALLY_RECEIVED)
# A warehouse may count goods in.
PO_RECEIVABLE_STATES = (PO_SENT, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_SHIPPED, PO_PARTIALLY_RECEIVED)
# The supplier may announce a delivery.
PO_SHIPPABLE_STATES = (PO_SENT, PO_CONFIRMED, PO_PARTIALLY_CONFIRMED, PO_SHIPPED, PO_PARTIALLY_RECEIVED)
PO_FINAL_STATES = tuple(s for s, nxt in PO_TRANSITIONS.items() if not nxt)

register_machine("purchase_order", PO_TRANSITIONS)
