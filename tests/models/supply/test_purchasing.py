"""Creating and sending purchase orders: numbered, audited, validated per line, the supplier mailed once."""
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.inventory.tables import Product
from models.partners.tables import Partner
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder, PurchaseOrderLine
from tests.factories import make_world

ACTOR = "buyer@relay.test"


def test_a_purchase_order_is_numbered_from_its_id_and_starts_its_audit_trail(any_db):
    world = make_world()
    purchase = create_purchase_order(supplier_code=world["supplier"].code, warehouse_code="EAST", actor=ACTOR,
                                     lines=[PurchaseLineInput("WIDGET", 12, Decimal("3.50")),
                                            PurchaseLineInput("GADGET", 4)])
    assert purchase.number == f"PO-{purchase.id:06d}"
    stored = PurchaseOrder.get_by_id(purchase.id)
    assert (stored.status, stored.kind, stored.origin, stored.created_by) == ("draft", "stock", "manual", ACTOR)
    lines = {line.product.sku: (line.quantity, line.unit_cost) for line in stored.lines}
    assert lines == {"WIDGET": (12, Decimal("3.50")), "GADGET": (4, Decimal("0.00"))}
    assert [(c.from_status, c.to_status) for c in StatusChange.select().where(
        StatusChange.entity == "purchase_order", StatusChange.entity_id == purchase.id)] == [(None, "draft")]


def test_a_price_left_out_is_the_last_price_paid_to_that_supplier(any_db):
    world = make_world()
    code = world["supplier"].code
    create_purchase_order(supplier_code=code, warehouse_code="EAST", actor=ACTOR,
                          lines=[PurchaseLineInput("WIDGET", 1, Decimal("2.25"))])
    second = create_purchase_order(supplier_code=code, warehouse_code="EAST", actor=ACTOR,
                                   lines=[PurchaseLineInput("WIDGET", 1)])
    assert PurchaseOrderLine.get(PurchaseOrderLine.purchase_order == second.id).unit_cost == Decimal("2.25")


def test_every_bad_line_is_named_and_nothing_is_written(any_db):
    world = make_world()
    other = Partner.create(code="OTHER-SUP", name="Other", kind="supplier")
    Product.update(supplier=other.id).where(Product.sku == "GADGET").execute()
    with pytest.raises(ValidationFailed) as raised:
        create_purchase_order(supplier_code=world["supplier"].code, warehouse_code="EAST", actor=ACTOR, lines=[
            PurchaseLineInput("NOPE", 1), PurchaseLineInput("GADGET", 1), PurchaseLineInput("WIDGET", 0)])
    assert set(raised.value.messages) == {"lines[0].sku", "lines[1].sku", "lines[2].quantity"}
    assert "not supplied by" in raised.value.messages["lines[1].sku"][0]
    assert PurchaseOrder.select().count() == 0


def test_sending_mails_the_supplier_once_and_sets_the_answer_deadline(any_db):
    world = make_world()
    purchase = create_purchase_order(supplier_code=world["supplier"].code, warehouse_code="EAST", actor=ACTOR,
                                     lines=[PurchaseLineInput("WIDGET", 5)])
    assert send_purchase_order(purchase.number, actor=ACTOR, answer_within=timedelta(days=3)) is True
    assert send_purchase_order(purchase.number, actor=ACTOR, answer_within=timedelta(days=3)) is False
    sent = PurchaseOrder.get_by_id(purchase.id)
    assert sent.status == "sent" and sent.confirm_by - sent.sent_at == timedelta(days=3)
    mails = [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == "mail_purchase_order_updates")]
    assert mails == [[purchase.id, "sent"]]
