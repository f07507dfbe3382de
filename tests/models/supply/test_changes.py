"""Ops changing, cancelling and closing purchase orders: drafts in place, sent orders as a new revision to answer
again with the supplier mailed, nothing changed once goods are on their way, repeated calls harmless."""
from datetime import date
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.supply.asns import AsnLineInput, create_asn
from models.supply.changes import (
    cancel_purchase_order,
    change_purchase_order,
    close_purchase_order,
)
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import PurchaseLineInput
from models.supply.tables import PurchaseOrder, PurchaseOrderLine, SupplyAlert
from tests.factories import make_world
from tests.models.supply.test_confirmations import (
    BUYER,
    DAY,
    answers,
    lines,
    sent_purchase_order,
)


def mails(purchase) -> list[str]:
    return [m.args[1] for m in OutboxMessage.select().where(OutboxMessage.actor_name == "mail_purchase_order_updates")
            .order_by(OutboxMessage.id) if m.args[0] == purchase.id]


def test_a_draft_is_edited_in_place(any_db):
    world = make_world()
    purchase = sent_purchase_order(world, send=False)
    changed = change_purchase_order(purchase.number, actor=BUYER, expected_at=date(2031, 5, 1), note="dock 4",
                                    lines=[PurchaseLineInput("WIDGET", 20), PurchaseLineInput("GADGET", 2,
                                                                                            Decimal("8.00"))])
    assert (changed.status, changed.revision, changed.expected_at, changed.note) == (
        "draft", 0, date(2031, 5, 1), "dock 4")
    prices = {line.product.sku: (line.quantity, line.unit_cost) for line in changed.lines}
    assert prices == {"WIDGET": (20, Decimal("2.00")), "GADGET": (2, Decimal("8.00"))}  # WIDGET keeps its price
    assert mails(purchase) == []


def test_a_sent_and_answered_order_becomes_a_new_revision_to_answer_again(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=BUYER)
    changed = change_purchase_order(purchase.number, actor=BUYER, lines=[PurchaseLineInput("WIDGET", 12)])
    assert (changed.status, changed.revision) == ("sent", 1)
    assert lines(purchase) == {"WIDGET": (12, None, None, None, None)}  # GADGET removed, answers cleared
    assert mails(purchase) == ["sent", "changed"]
    change = StatusChange.trail("purchase_order", purchase.id).order_by(StatusChange.id.desc()).first()
    assert (change.from_status, change.to_status) == ("confirmed", "sent")
    again = change_purchase_order(purchase.number, actor=BUYER, note="please hurry")
    assert (again.status, again.revision, again.note) == ("sent", 2, "please hurry")
    assert mails(purchase) == ["sent", "changed", "changed"]


def test_changing_a_countered_order_resolves_its_alert(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 15, DAY), ConfirmationInput("GADGET", 5, DAY)],
                           supplier_id=None, actor=BUYER)
    change_purchase_order(purchase.number, actor=BUYER, lines=[PurchaseLineInput("WIDGET", 15),
                                                                PurchaseLineInput("GADGET", 5)])
    assert SupplyAlert.get(SupplyAlert.purchase_order == purchase.id).status == "resolved"
    assert PurchaseOrder.get_by_id(purchase.id).status == "sent"


def test_bad_lines_are_named_and_change_nothing(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    with pytest.raises(ValidationFailed) as bad:
        change_purchase_order(purchase.number, actor=BUYER, lines=[PurchaseLineInput("NOPE", 1),
                                                                    PurchaseLineInput("WIDGET", 0)])
    assert set(bad.value.messages) == {"lines[0].sku", "lines[1].quantity"}
    assert PurchaseOrder.get_by_id(purchase.id).revision == 0 and mails(purchase) == ["sent"]
    assert PurchaseOrderLine.select().where(PurchaseOrderLine.purchase_order == purchase.id).count() == 2


def test_a_shipped_order_can_no_longer_be_changed_or_cancelled_but_closed(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 10)], carrier="DHL",
               tracking_number="T", expected_on=None, actor=BUYER)
    with pytest.raises(InvalidTransition, match="no longer be changed"):
        change_purchase_order(purchase.number, actor=BUYER, note="x")
    with pytest.raises(InvalidTransition, match="close it instead"):
        cancel_purchase_order(purchase.number, actor=BUYER, reason="late")
    assert close_purchase_order(purchase.number, actor=BUYER, reason="the rest will never come") is True
    closed = PurchaseOrder.get_by_id(purchase.id)
    assert (closed.status, closed.status_reason) == ("closed", "the rest will never come")
    assert closed.closed_at is not None
    assert close_purchase_order(purchase.number, actor=BUYER, reason="again") is False


def test_cancelling_mails_the_supplier_once_when_it_was_sent(any_db):
    world = make_world()
    draft = sent_purchase_order(world, send=False)
    assert cancel_purchase_order(draft.number, actor=BUYER, reason="typo") is True
    assert mails(draft) == []
    purchase = sent_purchase_order(world)
    assert cancel_purchase_order(purchase.number, actor=BUYER, reason="no longer needed") is True
    assert cancel_purchase_order(purchase.number, actor=BUYER, reason="no longer needed") is False
    assert mails(purchase) == ["sent", "cancelled"]
    assert PurchaseOrder.get_by_id(purchase.id).status == "cancelled"
    with pytest.raises(InvalidTransition):
        change_purchase_order(purchase.number, actor=BUYER, note="x")


def test_a_reason_is_required_and_unknown_numbers_are_not_found(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    with pytest.raises(ValidationFailed) as no_reason:
        cancel_purchase_order(purchase.number, actor=BUYER, reason="  ")
    assert list(no_reason.value.messages) == ["reason"]
    with pytest.raises(InvalidTransition, match="cancel it instead"):
        close_purchase_order(purchase.number, actor=BUYER, reason="done")
    for call in (lambda: cancel_purchase_order("PO-NONE", actor=BUYER, reason="x"),
                 lambda: close_purchase_order("PO-NONE", actor=BUYER, reason="x"),
                 lambda: change_purchase_order("PO-NONE", actor=BUYER, note="x")):
        with pytest.raises(NotFound):
            call()
