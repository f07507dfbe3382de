"""A shipment event's mail through the outbox, the relay and the notify actor on the in-process broker,
out to a real SMTP server."""

from models.core.outbox import OutboxMessage, mark_sent
from models.shipping.tables import ShipmentEvent
from tests.conftest import settings_for
from tests.factories import make_world
from tests.models.shipping.test_events import (
    BUYER,
    record,
    shipment_of_new_order,
    smtp_listener,
)
from tests.pipeline_support import drain
from workers import notifications


def test_a_recorded_event_ends_as_a_mail_at_the_smtp_server(worker, tmp_path, monkeypatch):
    make_world()
    shipment = shipment_of_new_order("PO-9")
    mark_sent([m.id for m in OutboxMessage.unsent()])  # only the mail under test goes through the pipeline
    record(shipment.id, "shipped")
    record(shipment.id, "exception", detail="parcel damaged")  # recorded for the feed, never mailed
    with smtp_listener() as (port, handler):
        settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}")
        monkeypatch.setattr(notifications, "current_settings", lambda: settings)
        drain(worker)
    [(recipients, mail)] = handler.mails
    assert recipients == [BUYER] and mail["Subject"] == "Your order PO-9 has shipped"
    assert "/track?order=PO-9&postcode=12345" in mail.get_content()
    shipped = ShipmentEvent.get(ShipmentEvent.shipment == shipment.id, ShipmentEvent.kind == "shipped")
    assert shipped.mailed_at is not None
