from decimal import Decimal

import pytest

from models.core.outbox import OutboxMessage
from models.core.stages import RETURN_MAILS
from models.returns.flow import Inspected, inspect_return, receive_return, settle_return
from models.returns.labels import mark_in_transit, prepare_label, record_label
from models.returns.mails import mail_return_update, return_mail_text
from models.returns.requesting import (
    approve_return,
    reject_return,
)
from models.returns.tables import ReturnLine, ReturnRequest
from tests.conftest import settings_for
from tests.factories import (
    ACTOR,
    BUYER,
    allow_repeat_orders,
    ask,
    delivered_order,
    make_world,
)
from tests.models.shipping.test_events import smtp_listener


def mail_nudges() -> list[list]:
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == RETURN_MAILS.actor_name)
            .order_by(OutboxMessage.id)]


@pytest.fixture
def smtp(tmp_path):
    with smtp_listener() as (port, handler):
        settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}",
                                OMS_PORTAL_URL="https://shop.example", OMS_MAIL_FROM="returns@shop.example")
        yield settings, handler


def test_every_step_of_a_refunded_return_mails_the_customer_through_a_real_smtp_server(any_db, smtp):
    settings, handler = smtp
    make_world()
    order = delivered_order("PO 7/A&B")
    request = ask(order, "no_longer_needed", quantity=2)
    assert approve_return(request.id, actor="agent@relay.test")
    assert prepare_label(request.id, carrier="sandbox") is not None
    assert record_label(request.id, waybill_number="RSBX-1", tracking_url="https://carrier.example/track/RSBX-1",
                        actor=ACTOR)
    assert not mark_in_transit("other_carrier", "RSBX-1", actor=ACTOR)  # events count from the label's carrier only
    assert mark_in_transit("sandbox", "RSBX-1", actor=ACTOR)
    assert receive_return(request.id, actor="agent@relay.test")
    line = ReturnLine.get(ReturnLine.return_request == request.id)
    assert inspect_return(request.id, [Inspected(line.id, "resellable")], actor="agent@relay.test")
    assert settle_return(request.id, actor=ACTOR)

    steps = ["requested", "approved", "label_issued", "in_transit", "received", "inspected", "closed"]
    assert mail_nudges() == [[request.id, step] for step in steps]
    for step in steps:
        assert mail_return_update(request.id, step, settings) is True

    subjects = [mail["Subject"] for _, mail in handler.mails]
    assert subjects == [
        "We received your return request for order PO 7/A&B",
        "Your return for order PO 7/A&B is approved",
        "Your return label for order PO 7/A&B",
        "Your return for order PO 7/A&B is on its way to us",
        "Your returned items for order PO 7/A&B have arrived",
        "Your returned items for order PO 7/A&B have been checked",
        "Your return for order PO 7/A&B is complete",
    ]
    bodies = [mail.get_content() for _, mail in handler.mails]
    for (recipients, mail), body in zip(handler.mails, bodies):
        assert recipients == [BUYER] and mail["From"] == "returns@shop.example"
        assert "https://shop.example/track?order=PO%207%2FA%26B&postcode=SW1A%201AA" in body
        assert f"Return number: R{request.id}" in body and "WIDGET × 2" in body
    assert "will review it" in bodies[0]
    assert "return label will be e-mailed" in bodies[1]
    assert "RSBX-1" in bodies[2] and "https://carrier.example/track/RSBX-1" in bodies[2]
    refund = request.refunds.get()
    assert Decimal(str(refund.amount)) == Decimal("20.00")
    assert "20.00 USD is refunded" in bodies[6] and refund.reference in bodies[6]


def test_a_rejection_mail_carries_the_note(any_db, smtp):
    settings, handler = smtp
    make_world()
    request = ask(delivered_order(), "other")
    assert reject_return(request.id, actor="agent@relay.test", note="Worn and washed; we cannot take it back.")
    assert mail_nudges()[-1] == [request.id, "rejected"]
    assert mail_return_update(request.id, "rejected", settings)
    [(_, mail)] = handler.mails
    assert mail["Subject"] == "Your return for order PO-1 was not accepted"
    assert "Reason: Worn and washed; we cannot take it back." in mail.get_content()


def test_a_closed_exchange_names_the_replacement_order(any_db, tmp_path):
    make_world()
    allow_repeat_orders()
    request = ask(delivered_order(), "damaged", resolution="exchange")
    replacement = delivered_order("PO-1-R")
    ReturnRequest.update(replacement_order=replacement.id, status="closed").where(
        ReturnRequest.id == request.id).execute()
    subject, body = return_mail_text(ReturnRequest.get_by_id(request.id), "closed", settings_for(tmp_path))
    assert subject == "Your return for order PO-1 is complete"
    assert "your replacement is order PO-1-R" in body


def test_no_mail_without_an_address_or_for_an_unknown_step(any_db, smtp):
    settings, handler = smtp
    make_world()
    request = ask(delivered_order(email=""), "other")
    assert mail_return_update(request.id, "requested", settings) is False
    assert mail_return_update(request.id, "teleported", settings) is False
    assert mail_return_update(999_999, "requested", settings) is False
    assert handler.mails == []


def test_without_a_postcode_the_link_uses_the_email(any_db, tmp_path):
    make_world()
    request = ask(delivered_order(postcode=""), "other")
    settings = settings_for(tmp_path, OMS_PORTAL_URL="https://shop.example")
    _, body = return_mail_text(ReturnRequest.get_by_id(request.id), "requested", settings)
    assert "https://shop.example/track?order=PO-1&email=ada%40example.com" in body


def test_the_actor_mails_through_the_model(monkeypatch):
    import workers.return_mails as actor_module

    calls = []
    monkeypatch.setattr(actor_module, "mail_return_update", lambda *args: calls.append(args) or True)
    actor_module.mail_return_updates.fn(7, "approved")
    assert calls[0][:2] == (7, "approved")
    assert actor_module.mail_return_updates.queue_name == RETURN_MAILS.queue_name
    assert actor_module.mail_return_updates.actor_name == RETURN_MAILS.actor_name

