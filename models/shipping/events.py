"""Outbound shipment events: written once per shipment and kind in the transaction that caused them, then
mailed to the customer (through the outbox) and offered to the order's channel in the events feed."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import peewee

from models.core.base import utc_now
from models.core.bulk_insert import insert_values
from models.core.config import Settings
from models.core.db import database
from models.core.mailer import send_mail
from models.core.stages import SHIPMENT_MAILS
from models.orders.states import ORDER_DELIVERED
from models.orders.tables import Order
from models.partners.access import visible_orders
from models.partners.tables import User
from models.returns.feedback import feedback_url
from models.shipping.tables import CancelledWaybill, Shipment, ShipmentEvent, Waybill

logger = logging.getLogger(__name__)

EVENT_KINDS = ("shipped", "out_for_delivery", "delivered", "exception")
MAILED_KINDS = ("shipped", "out_for_delivery", "delivered")
FEED_SETTLE = timedelta(seconds=5)
SUBJECT_ENDINGS = {"shipped": "has shipped", "out_for_delivery": "is out for delivery",
                   "delivered": "has been delivered"}

def record_shipment_event(shipment_id: int, kind: str, *, detail: str = "") -> bool:
    """Write the ``kind`` event of a shipment once (False if it exists) and nudge its customer mail.

    Call inside the transaction that moved the shipment, so the event and its mail commit with the change.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown shipment event kind {kind!r}")
    shipment = (Shipment.select(Shipment, Order).join(Order).where(Shipment.id == shipment_id).get())
    waybill = Waybill.get_or_none(Waybill.shipment == shipment_id)
    booking = CancelledWaybill.select().where(CancelledWaybill.shipment == shipment_id).count()
    payload = {
        "order_id": shipment.order_id, "order_ref": shipment.order.external_ref, "shipment_id": shipment_id,
        "kind": kind, "carrier": waybill.carrier if waybill else shipment.carrier,
        "waybill_number": waybill.waybill_number if waybill else None,
        "tracking_url": waybill.tracking_url if waybill else "", "detail": detail,
    }

    try:
        with database.atomic():
            event = ShipmentEvent.create(order=shipment.order_id, shipment=shipment_id, kind=kind,
                                         booking=booking, payload_json=json.dumps(payload))
    except peewee.IntegrityError:
        return False
    if kind in MAILED_KINDS and shipment.order.ship_to_email:
        SHIPMENT_MAILS.nudge([event.id])
    return True


@dataclass(frozen=True)
class ShipmentNews:
    """What an event says about one shipment, known to the caller that moved it (no re-read)."""

    order_id: int
    order_ref: str
    shipment_id: int
    carrier: str
    waybill_number: str | None
    tracking_url: str
    booking: int  # bookings of the shipment cancelled before this one
    mailed_to: str  # the order's ship-to address; empty: no mail
    detail: str = ""


def record_shipment_events(kind: str, news: Iterable[ShipmentNews]) -> list[int]:
    """``record_shipment_event`` for many shipments: one multi-row insert (events written already are skipped)
    and one outbox row nudging the mails of the new ones. Returns the ids of the new events."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown shipment event kind {kind!r}")
    news = list(news)
    rows = [{"order": item.order_id, "shipment": item.shipment_id, "kind": kind, "booking": item.booking,
             "payload_json": json.dumps({
                 "order_id": item.order_id, "order_ref": item.order_ref, "shipment_id": item.shipment_id,
                 "kind": kind, "carrier": item.carrier, "waybill_number": item.waybill_number,
                 "tracking_url": item.tracking_url, "detail": item.detail})} for item in news]
    created: dict[int, int] = {}  # shipment -> new event
    created.update((shipment_id, event_id) for event_id, shipment_id in insert_values(
        ShipmentEvent, rows, returning=("id", "shipment_id"), ignore_conflicts=True))
    mailed = [created[item.shipment_id] for item in news if item.shipment_id in created and item.mailed_to]
    if mailed and kind in MAILED_KINDS:
        SHIPMENT_MAILS.nudge(sorted(mailed))
    return sorted(created.values())


def mail_shipment_event(event_id: int, settings: Settings) -> bool:
    """Mail one event to the order's ship-to address; True if a mail went out. Call outside any transaction.

    Delivery is at least once: the mail is sent before mailed_at is set, so a crash (or a redelivered
    message racing this one) between the two sends it again; a lost mail would be worse. An SMTP failure is
    stored in mail_error and re-raised so the actor retries.
    """
    event = (ShipmentEvent.select(ShipmentEvent, Order).join(Order)
             .where(ShipmentEvent.id == event_id).first())
    if event is None or event.mailed_at is not None or event.kind not in MAILED_KINDS:
        return False
    order = event.order
    if not order.ship_to_email:
        return False
    subject, body = shipment_mail_text(event, order, settings)
    unmailed = (ShipmentEvent.id == event_id) & ShipmentEvent.mailed_at.is_null()
    try:
        send_mail(settings, order.ship_to_email, subject, body)
    except OSError as exc:  # smtplib's errors are OSErrors too
        ShipmentEvent.update(mail_error=f"{type(exc).__name__}: {exc}"[:2000]).where(unmailed).execute()
        raise
    if not ShipmentEvent.update(mailed_at=utc_now(), mail_error="").where(unmailed).execute():
        logger.info("shipment event %s was mailed twice (a concurrent delivery marked it first)", event_id)
    return True


def shipment_mail_text(event: ShipmentEvent, order: Order, settings: Settings) -> tuple[str, str]:
    """The subject and plain-text body of the customer mail for a mailed event kind."""
    payload = json.loads(event.payload_json)
    ref = order.external_ref
    carrier = payload.get("carrier") or "our carrier"
    track_link = f"{settings.portal_url}/track?" + urlencode({"order": ref, "postcode": order.ship_to_postcode},
                                                             quote_via=quote)
    opening = {
        "shipped": f"Your order {ref} has shipped with {carrier}.",
        "out_for_delivery": f"Your order {ref} is out for delivery with {carrier} and should reach you today.",
        "delivered": f"Your order {ref} has been delivered by {carrier}.",
    }[event.kind]
    lines = [f"Hello {order.ship_to_name},", "", opening, "", f"Carrier: {carrier}"]
    if payload.get("waybill_number"):
        lines.append(f"Waybill number: {payload['waybill_number']}")
    if payload.get("tracking_url"):
        lines.append(f"Carrier tracking: {payload['tracking_url']}")
    lines.append(f"Follow your order on our tracking page: {track_link}")
    if event.kind == "delivered":
        lines += ["", ("If anything is missing or damaged, or you would like to return or exchange an item, "
                       "ask for it on the tracking page above, or write to " f"{settings.mail_from}.")]
        if order.status == ORDER_DELIVERED:  # the last parcel: the whole order can be rated
            lines += ["", f"How did we do? Rate your order from 1 to 5: {feedback_url(order.id, settings)}"]
    lines += ["", "Thank you for your order."]
    one_line_ref = " ".join(ref.split())  # a header may not hold a line break
    return f"Your order {one_line_ref} {SUBJECT_ENDINGS[event.kind]}", "\n".join(lines) + "\n"


def shipment_events_after(user: User, *, after: int, limit: int) -> list[dict]:
    """The events ``user`` may see with an id above ``after``, oldest first: one keyset page of the feed.

    Ids are taken at insert but seen at commit, so a younger id can be visible before an older one; events
    newer than FEED_SETTLE are held back until every transaction that could still commit an older id is done
    (the transactions writing events last milliseconds), so paging on ``id > after`` never skips one.
    """
    settled = utc_now() - FEED_SETTLE
    query = (ShipmentEvent.select().where(ShipmentEvent.id > after, ShipmentEvent.created_at <= settled)
             .order_by(ShipmentEvent.id).limit(limit))
    if not user.is_ops:
        query = query.where(ShipmentEvent.order.in_(visible_orders(user, Order.id)))
    events = []
    for event in query:
        payload = json.loads(event.payload_json)
        events.append({
            "id": event.id, "kind": event.kind, "order_id": event.order_id, "order_ref": payload.get("order_ref"),
            "shipment_id": event.shipment_id, "carrier": payload.get("carrier"),
            "waybill_number": payload.get("waybill_number"), "tracking_url": payload.get("tracking_url", ""),
            "detail": payload.get("detail", ""),
            "created_at": event.created_at.isoformat(timespec="milliseconds") + "Z",
        })
    return events
