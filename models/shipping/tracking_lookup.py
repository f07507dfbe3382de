"""The public tracking lookup: an order number plus the ship-to postcode or email finds the order's shipments.

The page is public and a postcode is guessable, so what this returns is limited on purpose: no address,
name, phone or email leaves this module.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

import peewee

from models.inventory.tables import Product
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_CANCELLED,
    ORDER_DELIVERED,
    ORDER_ON_HOLD,
    ORDER_PARTIALLY_ALLOCATED,
    ORDER_RECEIVED,
    ORDER_REJECTED,
    ORDER_REVIEWING,
    ORDER_SHIPPED,
)
from models.orders.tables import CHANNELS, Order, OrderLine
from models.returns.exchanges import EXCHANGE_CHANNEL
from models.returns.requesting import OPEN_RETURN
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_CLOSED,
    RETURN_EXCHANGED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
    RETURN_REFUNDED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
)
from models.returns.tables import ReturnLabel, ReturnLine, ReturnRequest
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_DELIVERED,
    SHIPMENT_DISPATCHED,
    SHIPMENT_EXCEPTION,
    SHIPMENT_FAILED,
    SHIPMENT_IN_TRANSIT,
    SHIPMENT_READY,
    SHIPMENT_RETURNED,
    WAYBILL_ISSUED,
)
from models.shipping.tables import Shipment, ShipmentLine, TrackingEvent, Waybill

ORDER_STATUS_WORDS = {
    ORDER_RECEIVED: "Received",
    ORDER_REVIEWING: "Being processed",
    ORDER_ON_HOLD: "Being processed",
    ORDER_APPROVED: "Being processed",
    ORDER_ALLOCATED: "Being prepared for shipping",
    ORDER_PARTIALLY_ALLOCATED: "Partly being prepared for shipping",
    ORDER_BACKORDERED: "Waiting for stock",
    ORDER_SHIPPED: "Shipped",
    ORDER_DELIVERED: "Delivered",
    ORDER_REJECTED: "Not accepted",
    ORDER_CANCELLED: "Cancelled",
}
SHIPMENT_STATUS_WORDS = {
    SHIPMENT_READY: "Preparing",
    SHIPMENT_FAILED: "Preparing",  # a carrier booking that will be retried: nothing the customer can act on
    SHIPMENT_DISPATCHED: "Handed to the carrier",
    SHIPMENT_IN_TRANSIT: "On its way",
    SHIPMENT_EXCEPTION: "Delayed: the carrier reported a problem",
    SHIPMENT_DELIVERED: "Delivered",
    SHIPMENT_RETURNED: "Returned to sender",
    SHIPMENT_CANCELLED: "Cancelled",
}
RETURN_STATUS_WORDS = {
    RETURN_REQUESTED: "Waiting for our review",
    RETURN_APPROVED: "Approved: your return label is on its way",
    RETURN_LABEL_ISSUED: "Label ready: please send the parcel",
    RETURN_IN_TRANSIT: "On its way back to us",
    RETURN_RECEIVED: "Received at our warehouse",
    RETURN_INSPECTED: "Checked: being completed",
    RETURN_REFUNDED: "Refunded",
    RETURN_EXCHANGED: "Exchanged",
    RETURN_CLOSED: "Completed",
    RETURN_REJECTED: "Not accepted",
}
# The return rules' reasons for a review, as a customer reads them (see models.returns.rules).
RETURN_REASON_WORDS = {
    "window": "it is later than our usual return window",
    "refund_amount": "the value of the return is above what we approve automatically",
    "reason": "returns for this reason are checked by our team",
    "return_rate": "we check accounts with several recent returns",
    "final_sale": "some items were sold as final sale",
    "already_returned": "some of these items were returned before",
}
EVENT_WORDS = {
    "picked_up": "Picked up",
    "in_transit": "In transit",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "failed_attempt": "Delivery attempt failed",
    "exception": "Problem reported",
    "lost": "Reported lost",
    "returned_to_sender": "Returned to sender",
}


# --- pure rules: normalising what a customer typed and matching it to an order's ship-to ----------------

def normalise_order_ref(value: str) -> str:
    """The order number as typed, without surrounding whitespace."""
    return (value or "").strip()


def normalise_postcode(value: str) -> str:
    """Upper case with every space removed: " sw1a 1aa " and "SW1A1AA" are the same postcode."""
    return "".join((value or "").split()).upper()


def normalise_email(value: str) -> str:
    """Stripped and casefolded."""
    return (value or "").strip().casefold()


def _same(given: str, stored: str) -> bool:
    # compare_digest takes str only when ASCII; bytes always work. An empty value never matches:
    # orders without a postcode or email store "".
    return hmac.compare_digest(given.encode(), stored.encode()) and given != ""


def ship_to_matches(*, postcode: str, email: str, order_postcode: str, order_email: str) -> bool:
    """True when a given (already normalised) postcode or email equals the order's; both are always compared."""
    postcode_ok = _same(postcode, normalise_postcode(order_postcode))
    email_ok = _same(email, normalise_email(order_email))
    return postcode_ok or email_ok


# --- what the page shows ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TrackedLine:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class TrackedEvent:
    occurred_at: datetime  # naive UTC
    code: str
    description: str
    location: str

    @property
    def code_words(self) -> str:
        return EVENT_WORDS.get(self.code, self.code.replace("_", " ").capitalize())


@dataclass(frozen=True)
class TrackedShipment:
    shipment_id: int
    status: str
    carrier: str
    service_level: str
    waybill_number: str | None  # None until the carrier issued the waybill: the page says "Preparing"
    tracking_url: str
    events: tuple[TrackedEvent, ...]  # oldest first
    lines: tuple[TrackedLine, ...]

    @property
    def status_words(self) -> str:
        return SHIPMENT_STATUS_WORDS.get(self.status, self.status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class TrackedReturn:
    return_id: int
    status: str
    resolution: str  # refund or exchange
    created_at: datetime  # naive UTC
    label_tracking_url: str  # "" until the return label is issued

    @property
    def status_words(self) -> str:
        return RETURN_STATUS_WORDS.get(self.status, self.status.replace("_", " ").capitalize())


@dataclass(frozen=True)
class ReturnableLine:
    sku: str
    name: str
    delivered: int
    returnable: int  # delivered units not in an open (not rejected) return


@dataclass(frozen=True)
class TrackedOrder:
    order_id: int
    order_ref: str
    status: str
    placed_at: datetime  # naive UTC
    city: str
    lines: tuple[TrackedLine, ...]
    shipments: tuple[TrackedShipment, ...]
    returns: tuple[TrackedReturn, ...] = ()  # newest first; only delivered orders have any
    returnable: tuple[ReturnableLine, ...] = ()  # delivered orders only, in line order

    @property
    def status_words(self) -> str:
        return ORDER_STATUS_WORDS.get(self.status, self.status.replace("_", " ").capitalize())

    @property
    def may_return(self) -> bool:
        """A delivered order with units left to return."""
        return self.status == ORDER_DELIVERED and any(line.returnable > 0 for line in self.returnable)


def return_reason_words(reasons: list[dict]) -> list[str]:
    """Why a return waits for review, in the customer's words (no figures about their account)."""
    return [RETURN_REASON_WORDS.get(reason.get("code", ""), "our team checks it") for reason in reasons]


def find_tracked_orders(order_ref: str, *, postcode: str = "", email: str = "") -> list[TrackedOrder]:
    """Every order with this number whose ship-to postcode or email matches, oldest first; [] otherwise.

    A missing order and a wrong postcode or email give the same []. Five queries whatever the size, and
    three more when a delivered order is among them (its returns and what is left to return).
    """
    ref, postcode, email = normalise_order_ref(order_ref), normalise_postcode(postcode), normalise_email(email)
    if not ref or not (postcode or email):
        return []
    matched = [order for order in _orders_by_ref(ref)
               if ship_to_matches(postcode=postcode, email=email, order_postcode=order.ship_to_postcode,
                                  order_email=order.ship_to_email)]
    if not matched:
        return []
    order_ids = [order.id for order in matched]
    lines = _lines_of(order_ids)
    shipments = _shipments_of(order_ids, lines)
    delivered_ids = [order.id for order in matched if order.status == ORDER_DELIVERED]
    returns, returnable = _returns_of(delivered_ids, lines) if delivered_ids else ({}, {})
    return [TrackedOrder(order_id=order.id, order_ref=order.external_ref, status=order.status,
                         placed_at=order.created_at, city=order.ship_to_city,
                         lines=tuple(line for order_id, line in lines.values() if order_id == order.id),
                         shipments=tuple(shipments.get(order.id, ())),
                         returns=tuple(returns.get(order.id, ())), returnable=tuple(returnable.get(order.id, ())))
            for order in matched]


def _orders_by_ref(ref: str) -> list[Order]:
    # The only index on external_ref leads with (channel, external_ref): naming every channel lets both SQLite
    # and PostgreSQL use it. Exact, upper and lower case cover how people retype an order number. Two
    # submitters may share a number: the ship-to check below tells their orders apart.
    variants = {ref, ref.upper(), ref.lower()}
    query = (Order.select(Order.id, Order.external_ref, Order.status, Order.created_at, Order.ship_to_city,
                          Order.ship_to_postcode, Order.ship_to_email)
             .where(Order.channel.in_((*CHANNELS, EXCHANGE_CHANNEL)), Order.external_ref.in_(sorted(variants)))
             .order_by(Order.created_at, Order.id))
    return [order for order in query if order.external_ref.casefold() == ref.casefold()]


def _lines_of(order_ids: list[int]) -> dict[int, tuple[int, TrackedLine]]:
    """Order line id -> (order id, line), in line order."""
    query = (OrderLine.select(OrderLine.id, OrderLine.order, OrderLine.sku, OrderLine.quantity, Product.name)
             .join(Product, peewee.JOIN.LEFT_OUTER, on=(OrderLine.product == Product.id))
             .where(OrderLine.order.in_(order_ids)).order_by(OrderLine.order, OrderLine.line_no).objects())
    return {row.id: (row.order_id, TrackedLine(sku=row.sku, name=row.name or "", quantity=row.quantity))
            for row in query}


def _shipments_of(order_ids: list[int], lines: dict[int, tuple[int, TrackedLine]]) -> dict[int, list]:
    """Order id -> its TrackedShipments, by wave and id."""
    rows = list(Shipment.select(Shipment, Waybill)
                .join(Waybill, peewee.JOIN.LEFT_OUTER, attr="waybill")
                .where(Shipment.order.in_(order_ids)).order_by(Shipment.wave, Shipment.id))
    shipment_ids = [row.id for row in rows]
    events: dict[int, list[TrackedEvent]] = {}
    shipped: dict[int, list[TrackedLine]] = {}
    if shipment_ids:
        for event in (TrackingEvent.select().where(TrackingEvent.shipment.in_(shipment_ids))
                      .order_by(TrackingEvent.occurred_at, TrackingEvent.id)):
            events.setdefault(event.shipment_id, []).append(TrackedEvent(
                occurred_at=event.occurred_at, code=event.code, description=event.description,
                location=event.location))
        for part in ShipmentLine.select().where(ShipmentLine.shipment.in_(shipment_ids)).order_by(ShipmentLine.id):
            _, line = lines[part.order_line_id]  # a shipment line always belongs to its order's lines
            shipped.setdefault(part.shipment_id, []).append(
                TrackedLine(sku=line.sku, name=line.name, quantity=part.quantity))
    result: dict[int, list[TrackedShipment]] = {}
    for row in rows:
        waybill = row.waybill if getattr(row, "waybill", None) and row.waybill.id else None
        issued = waybill is not None and waybill.status == WAYBILL_ISSUED and bool(waybill.waybill_number)
        result.setdefault(row.order_id, []).append(TrackedShipment(
            shipment_id=row.id, status=row.status,
            carrier=waybill.carrier if issued else row.carrier,
            service_level=waybill.service_level if issued else row.service_level,
            waybill_number=waybill.waybill_number if issued else None,
            tracking_url=waybill.tracking_url if issued else "",
            events=tuple(events.get(row.id, ())), lines=tuple(shipped.get(row.id, ()))))
    return result


def _returns_of(order_ids: list[int], lines: dict[int, tuple[int, TrackedLine]]) -> tuple[dict, dict]:
    """Order id -> its TrackedReturns (newest first), and order id -> its ReturnableLines (line order)."""
    returns: dict[int, list[TrackedReturn]] = {}
    for row in (ReturnRequest.select(ReturnRequest.id, ReturnRequest.order, ReturnRequest.status,
                                     ReturnRequest.resolution, ReturnRequest.created_at,
                                     ReturnLabel.status.alias("label_status"), ReturnLabel.tracking_url)
                .join(ReturnLabel, peewee.JOIN.LEFT_OUTER, on=(ReturnLabel.return_request == ReturnRequest.id))
                .where(ReturnRequest.order.in_(order_ids)).order_by(ReturnRequest.id.desc()).dicts()):
        issued = row["label_status"] == "issued"
        returns.setdefault(row["order"], []).append(TrackedReturn(
            return_id=row["id"], status=row["status"], resolution=row["resolution"], created_at=row["created_at"],
            label_tracking_url=(row["tracking_url"] or "") if issued else ""))
    delivered = dict(ShipmentLine.select(ShipmentLine.order_line, peewee.fn.SUM(ShipmentLine.quantity))
                     .join(Shipment).where(Shipment.order.in_(order_ids), Shipment.status == SHIPMENT_DELIVERED)
                     .group_by(ShipmentLine.order_line).tuples())
    returned = dict(ReturnLine.select(ReturnLine.order_line, peewee.fn.SUM(ReturnLine.quantity))
                    .join(ReturnRequest).where(ReturnRequest.order.in_(order_ids), OPEN_RETURN)
                    .group_by(ReturnLine.order_line).tuples())
    returnable: dict[int, list[ReturnableLine]] = {}
    for line_id, (order_id, line) in lines.items():
        if order_id in order_ids and delivered.get(line_id):
            units = int(delivered[line_id])
            returnable.setdefault(order_id, []).append(ReturnableLine(
                sku=line.sku, name=line.name, delivered=units,
                returnable=max(units - int(returned.get(line_id) or 0), 0)))
    return returns, returnable
