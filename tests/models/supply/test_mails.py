"""The supplier's purchase-order mails: through a real SMTP server, one per event, with the lines, dates, where to
deliver (the warehouse, or the drop-ship customer) and the portal link; none without an address."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.stages import SUPPLIER_MAILS
from models.intake.entry import place_order
from models.partners.tables import Partner
from models.supply.changes import cancel_purchase_order, change_purchase_order
from models.supply.confirmations import (
    ConfirmationInput,
    accept_counter,
    confirm_purchase_order,
    reject_counter,
)
from models.supply.mails import mail_purchase_order_update, purchase_order_mail_text
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder
from schemas.orders import order_schema
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.models.shipping.test_events import smtp_listener
from tests.models.supply.test_confirmations import BUYER, DAY, sent_purchase_order

SUPPLIER_MAIL = "orders@supplier-one.example"


@pytest.fixture
def smtp(tmp_path):
    with smtp_listener() as (port, handler):
        settings = settings_for(tmp_path, OMS_SMTP_URL=f"smtp://127.0.0.1:{port}",
                                OMS_PORTAL_URL="https://oms.example", OMS_MAIL_FROM="buying@oms.example")
        yield settings, handler


def world_with_mail():
    world = make_world()
    Partner.update(email=SUPPLIER_MAIL).where(Partner.id == world["supplier"].id).execute()
    return world


def test_sent_changed_and_cancelled_mail_the_supplier(any_db, smtp):
    settings, handler = smtp
    world = world_with_mail()
    purchase = sent_purchase_order(world)
    change_purchase_order(purchase.number, actor=BUYER, expected_at=date(2031, 6, 1),
                          lines=[PurchaseLineInput("WIDGET", 12), PurchaseLineInput("GADGET", 5)])
    cancel_purchase_order(purchase.number, actor=BUYER, reason="Demand moved to the west coast.")
    for event in ("sent", "changed", "cancelled"):
        assert mail_purchase_order_update(purchase.id, event, settings) is True
    assert [mail["Subject"] for _, mail in handler.mails] == [
        f"New purchase order {purchase.number} from Relay OMS",
        f"Purchase order {purchase.number} was changed (revision 1)",
        f"Purchase order {purchase.number} is cancelled"]
    bodies = [mail.get_content() for _, mail in handler.mails]
    for (recipients, mail), body in zip(handler.mails, bodies):
        assert recipients == [SUPPLIER_MAIL] and mail["From"] == "buying@oms.example"
        assert f"https://oms.example/supplier/purchase-orders/{purchase.number}" in body
        assert "WIDGET Widget: 12 × 2.00 USD" in body and "GADGET Gadget: 5 × 7.50 USD" in body
        assert "East DC" in body and "1 East Road" in body and "(Warehouse EAST)" in body
    assert "Please confirm each line" in bodies[0]
    assert "revision 1" in bodies[1] and "Requested delivery date: 2031-06-01" in bodies[1]
    assert "Reason: Demand moved to the west coast." in bodies[2]


def test_a_decided_counter_proposal_is_mailed_with_the_confirmed_lines_or_the_reason(any_db, tmp_path):
    world = world_with_mail()
    settings = settings_for(tmp_path)
    purchase = sent_purchase_order(world)
    counter = [ConfirmationInput("WIDGET", 12, DAY, counter=True), ConfirmationInput("GADGET", 5, DAY)]
    confirm_purchase_order(purchase.number, counter, supplier_id=None, actor="sup")
    accept_counter(purchase.number, actor=BUYER)
    subject, body = purchase_order_mail_text(PurchaseOrder.get_by_id(purchase.id), "counter_accepted", settings)
    assert subject == f"Your proposal for purchase order {purchase.number} is accepted"
    assert "WIDGET Widget: 12 × 2.00 USD; confirmed 12 by 2031-03-14" in body
    other = sent_purchase_order(world)
    confirm_purchase_order(other.number, counter, supplier_id=None, actor="sup")
    reject_counter(other.number, actor=BUYER, reason="Twelve is too many.")
    subject, body = purchase_order_mail_text(PurchaseOrder.get_by_id(other.id), "counter_rejected", settings)
    assert subject == f"Your proposal for purchase order {other.number} is not accepted"
    assert "Reason: Twelve is too many." in body


def test_a_drop_ship_order_is_delivered_to_the_customers_ship_to(any_db, tmp_path):
    world_with_mail()
    order, _ = place_order(order_schema.load(order_body("SO-DS-1")), actor="test")
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code=None, actor=BUYER, origin="drop_ship",
                                     sales_order_id=order.id, lines=[PurchaseLineInput("WIDGET", 2, Decimal("2"))])
    send_purchase_order(purchase.number, actor=BUYER, answer_within=timedelta(hours=24))
    _, body = purchase_order_mail_text(PurchaseOrder.get_by_id(purchase.id), "sent", settings_for(tmp_path))
    assert "Ada Buyer" in body and "12 Main St" in body and "12345 Springfield" in body
    assert "(Order SO-DS-1)" in body and "East DC" not in body


def test_no_mail_without_an_address_an_order_or_a_known_event(any_db, smtp):
    settings, handler = smtp
    world = make_world()  # SUP1 has no e-mail address
    purchase = sent_purchase_order(world)
    assert mail_purchase_order_update(purchase.id, "sent", settings) is False
    Partner.update(email=SUPPLIER_MAIL).execute()
    assert mail_purchase_order_update(purchase.id, "teleported", settings) is False
    assert mail_purchase_order_update(999_999, "sent", settings) is False
    assert handler.mails == []


def test_the_actor_mails_through_the_model(monkeypatch):
    import workers.supplier_mails as actor_module

    calls = []
    monkeypatch.setattr(actor_module, "mail_purchase_order_update", lambda *args: calls.append(args) or True)
    actor_module.mail_purchase_order_updates.fn(7, "changed")
    assert calls[0][:2] == (7, "changed")
    assert actor_module.mail_purchase_order_updates.actor_name == SUPPLIER_MAILS.actor_name
