import email
import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy

import pytest
from aiosmtpd.controller import Controller

from models.core.base import utc_now
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.stages import SHIPMENT_MAILS
from models.intake.entry import place_order
from models.inventory.tables import Warehouse
from models.orders.tables import Order
from models.returns.feedback import order_for_token
from models.shipping.events import (
    mail_shipment_event,
    record_shipment_event,
    shipment_mail_text,
)
from models.shipping.tables import Shipment, ShipmentEvent, Waybill
from schemas.orders import order_schema
from tests.conftest import free_port, settings_for
from tests.factories import make_world, order_body

BUYER = "ada@example.com"


class CollectingHandler:
    """An aiosmtpd handler keeping every received mail as (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.mails.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_listener() -> Iterator[tuple[int, CollectingHandler]]:
    """A real SMTP server on a free local port; yields (port, handler with the received mails)."""
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def shipment_of_new_order(ref: str = "PO-1", *, customer_code: str = "CUST1", ship_to_email: str = BUYER,
                          postcode: str = "12345") -> Shipment:
    """A placed order with one shipment from EAST and its issued sandbox waybill, made directly."""
    body = order_body(ref, customer_code=customer_code)
    body["ship_to"].update(postcode=postcode, **({"email": ship_to_email} if ship_to_email else {}))
    order, created = place_order(order_schema.load(body), actor="test")
    assert created
    shipment = Shipment.create(order=order, warehouse=Warehouse.get(Warehouse.code == "EAST"), carrier="sandbox")
    number = f"SBX-{shipment.id:06d}"
    Waybill.create(shipment=shipment, carrier="sandbox", idempotency_key=f"test-{shipment.id}", status="issued",
                   waybill_number=number, tracking_url=f"https://carrier.example/track/{number}", issued_at=utc_now())
    return shipment


def record(shipment_id: int, kind: str, **kwargs) -> bool:
    with database.atomic():  # as the pipeline does: inside the transaction that moved the shipment
        return record_shipment_event(shipment_id, kind, **kwargs)


def mail_nudges() -> list[list[int]]:
    return [m.args[0] for m in OutboxMessage.select().where(OutboxMessage.queue_name == SHIPMENT_MAILS.queue_name,
                                                            OutboxMessage.actor_name == SHIPMENT_MAILS.actor_name)
            .order_by(OutboxMessage.id)]


def event_of(shipment: Shipment, kind: str) -> ShipmentEvent:
    return ShipmentEvent.get(ShipmentEvent.shipment == shipment.id, ShipmentEvent.kind == kind)


def test_an_event_is_recorded_once_per_shipment_and_kind(any_db):
    make_world()
    shipment = shipment_of_new_order()
    assert record(shipment.id, "shipped") is True
    assert record(shipment.id, "shipped") is False
    assert ShipmentEvent.select().where(ShipmentEvent.shipment == shipment.id).count() == 1
    assert len(mail_nudges()) == 1


def test_mailed_kinds_nudge_the_mail_stage_and_exceptions_do_not(any_db):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, "shipped")
    record(shipment.id, "exception", detail="address not found")
    record(shipment.id, "delivered")
    assert mail_nudges() == [[event_of(shipment, "shipped").id], [event_of(shipment, "delivered").id]]
    assert ShipmentEvent.select().count() == 3


def test_no_nudge_without_a_customer_address(any_db, tmp_path):
    make_world()
    shipment = shipment_of_new_order(ship_to_email="")
    assert record(shipment.id, "shipped") is True
    assert mail_nudges() == []
    assert mail_shipment_event(event_of(shipment, "shipped").id, settings_for(tmp_path)) is False


def test_unknown_kind_is_refused(any_db):
    make_world()
    with pytest.raises(ValueError, match="unknown shipment event kind"):
        record_shipment_event(shipment_of_new_order().id, "lost")


def test_shipped_mail_reaches_a_real_smtp_server_once(any_db, tmp_path):
    make_world()
    shipment = shipment_of_new_order("PO 7/A&B", postcode="SW1A 1AA")
    record(shipment.id, "shipped")
    event = event_of(shipment, "shipped")
    with smtp_listener() as (port, handler):
        settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}",
                                OMS_PORTAL_URL="https://shop.example", OMS_MAIL_FROM="orders@shop.example")
        assert mail_shipment_event(event.id, settings) is True
        assert mail_shipment_event(event.id, settings) is False  # already mailed: nothing more goes out
    [(recipients, mail)] = handler.mails
    assert recipients == [BUYER] and mail["To"] == BUYER and mail["From"] == "orders@shop.example"
    assert mail["Subject"] == "Your order PO 7/A&B has shipped"
    body = mail.get_content()
    waybill = Waybill.get(Waybill.shipment == shipment.id)
    assert f"Waybill number: {waybill.waybill_number}" in body
    assert waybill.tracking_url in body and "Carrier: sandbox" in body
    assert "https://shop.example/track?order=PO%207%2FA%26B&postcode=SW1A%201AA" in body
    stored = ShipmentEvent.get_by_id(event.id)
    assert stored.mailed_at is not None and stored.mail_error == ""


@pytest.mark.parametrize("kind, subject_end, says", [
    ("out_for_delivery", "is out for delivery", "is out for delivery with sandbox"),
    ("delivered", "has been delivered", "return or exchange an item, ask for it on the tracking page"),
])
def test_each_mailed_kind_has_its_own_text(any_db, tmp_path, kind, subject_end, says):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, kind)
    event = event_of(shipment, kind)
    subject, body = shipment_mail_text(event, event.order, settings_for(tmp_path))
    assert subject == f"Your order PO-1 {subject_end}"
    assert says in body and "/track?order=PO-1&postcode=12345" in body
    assert ("tracking page above" in body) is (kind == "delivered")
    assert "/feedback/" not in body  # the order is not delivered yet: only its last parcel asks for a rating


def test_the_last_delivered_parcel_asks_for_a_rating(any_db, tmp_path):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, "delivered")
    event = event_of(shipment, "delivered")
    Order.update(status="delivered").where(Order.id == event.order_id).execute()
    settings = settings_for(tmp_path)
    _, body = shipment_mail_text(event, Order.get_by_id(event.order_id), settings)
    link = next(word for word in body.split() if "/feedback/" in word)
    assert order_for_token(link.rsplit("/", 1)[1], settings.secret_key) == event.order_id


def test_exception_events_are_never_mailed(any_db, tmp_path):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, "exception", detail="parcel damaged")
    with smtp_listener() as (port, handler):
        settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}")
        assert mail_shipment_event(event_of(shipment, "exception").id, settings) is False
        assert mail_shipment_event(999_999, settings) is False
    assert handler.mails == []


def test_smtp_down_keeps_the_error_and_raises_for_a_retry(any_db, tmp_path):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, "delivered")
    event = event_of(shipment, "delivered")
    nobody_listens = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    with pytest.raises(OSError):
        mail_shipment_event(event.id, nobody_listens)
    stored = ShipmentEvent.get_by_id(event.id)
    assert stored.mailed_at is None and stored.mail_error.startswith("ConnectionRefusedError")

    with smtp_listener() as (port, handler):  # the relay is back: the retry sends and clears the error
        assert mail_shipment_event(event.id, settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}"))
    assert len(handler.mails) == 1
    stored = ShipmentEvent.get_by_id(event.id)
    assert stored.mailed_at is not None and stored.mail_error == ""


def test_a_refused_recipient_is_recorded_too(any_db, tmp_path, monkeypatch):
    make_world()
    shipment = shipment_of_new_order()
    record(shipment.id, "shipped")

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({BUYER: (550, b"no such user")})

    monkeypatch.setattr("models.shipping.events.send_mail", refuse)
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        mail_shipment_event(event_of(shipment, "shipped").id, settings_for(tmp_path))
    assert "no such user" in event_of(shipment, "shipped").mail_error
