"""The supplier's answer per line: full, partial and zero confirmations, counter-proposals ops accept or reject,
every line required, other suppliers' orders invisible, the status moved through the audited transition."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.partners.tables import Partner
from models.supply.confirmations import (
    ConfirmationInput,
    accept_counter,
    confirm_purchase_order,
    reject_counter,
)
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder, PurchaseOrderLine, SupplyAlert
from tests.factories import make_world

BUYER = "buyer@relay.test"
SUPPLIER = "sup1@relay.test"
DAY = date(2031, 3, 14)


def sent_purchase_order(world, *, widgets: int = 10, gadgets: int = 5, send: bool = True) -> PurchaseOrder:
    """A stock purchase order of WIDGET and GADGET for EAST, sent to SUP1 unless ``send`` is False."""
    purchase = create_purchase_order(supplier_code=world["supplier"].code, warehouse_code="EAST", actor=BUYER,
                                     lines=[PurchaseLineInput("WIDGET", widgets, Decimal("2.00")),
                                            PurchaseLineInput("GADGET", gadgets, Decimal("7.50"))])
    if send:
        assert send_purchase_order(purchase.number, actor=BUYER, answer_within=timedelta(days=3))
    return PurchaseOrder.get_by_id(purchase.id)


def answers(widgets: int, gadgets: int, *, when: date = DAY, counter: tuple[str, ...] = ()) -> list:
    return [ConfirmationInput("WIDGET", widgets, when if widgets else None, "WIDGET" in counter),
            ConfirmationInput("GADGET", gadgets, when if gadgets else None, "GADGET" in counter)]


def lines(purchase: PurchaseOrder) -> dict[str, tuple]:
    return {line.product.sku: (line.quantity, line.confirmed_quantity, line.promised_date, line.proposed_quantity,
                               line.proposed_date) for line in PurchaseOrderLine.select()
            .where(PurchaseOrderLine.purchase_order == purchase.id)}


def status(purchase: PurchaseOrder) -> str:
    return PurchaseOrder.get_by_id(purchase.id).status


def test_a_full_confirmation_confirms_the_order_and_records_the_answer(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    assert confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=world["supplier"].id,
                                  actor=SUPPLIER) == "confirmed"
    stored = PurchaseOrder.get_by_id(purchase.id)
    assert stored.status == "confirmed" and stored.answered_at is not None
    assert lines(purchase) == {"WIDGET": (10, 10, DAY, None, None), "GADGET": (5, 5, DAY, None, None)}
    assert all(line.confirmed_at for line in stored.lines)
    change = StatusChange.trail("purchase_order", purchase.id).order_by(StatusChange.id.desc()).first()
    assert (change.from_status, change.to_status, change.actor) == ("sent", "confirmed", SUPPLIER)
    assert "WIDGET confirms 10/10 by 2031-03-14" in change.reason


def test_less_than_ordered_or_nothing_is_a_partial_confirmation(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    assert confirm_purchase_order(purchase.number, answers(6, 0), supplier_id=None, actor=BUYER) == \
        "partially_confirmed"
    assert lines(purchase) == {"WIDGET": (10, 6, DAY, None, None), "GADGET": (5, 0, None, None, None)}
    # the supplier may still raise its answer to the full order
    assert confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=BUYER) == "confirmed"


def test_the_first_answer_time_stays(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(6, 5), supplier_id=None, actor=BUYER)
    first = PurchaseOrder.get_by_id(purchase.id).answered_at
    confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=BUYER)
    assert PurchaseOrder.get_by_id(purchase.id).answered_at == first


def test_more_than_ordered_or_a_flagged_line_is_a_counter_proposal_with_an_alert(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    later = DAY + timedelta(days=10)
    result = confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 12, DAY),
                                                      ConfirmationInput("GADGET", 5, later, counter=True)],
                                    supplier_id=world["supplier"].id, actor=SUPPLIER)
    assert result == "countered"
    assert lines(purchase) == {"WIDGET": (10, None, None, 12, DAY), "GADGET": (5, None, None, 5, later)}
    alert = SupplyAlert.get(SupplyAlert.purchase_order == purchase.id)
    assert (alert.kind, alert.status) == ("counter_proposal", "open")
    assert "WIDGET, GADGET" in alert.message


def test_ops_accept_a_counter_proposal_and_the_supplier_is_told(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 12, DAY, counter=True),
                                             ConfirmationInput("GADGET", 4, DAY)], supplier_id=None, actor=SUPPLIER)
    OutboxMessage.delete().execute()
    assert accept_counter(purchase.number, actor=BUYER) == "partially_confirmed"  # GADGET stays 4 of 5
    assert lines(purchase) == {"WIDGET": (12, 12, DAY, None, None), "GADGET": (5, 4, DAY, None, None)}
    assert SupplyAlert.get(SupplyAlert.purchase_order == purchase.id).status == "resolved"
    assert [m.args for m in OutboxMessage.select()] == [[purchase.id, "counter_accepted"]]
    with pytest.raises(InvalidTransition, match="no counter-proposal"):
        accept_counter(purchase.number, actor=BUYER)


def test_ops_reject_a_counter_proposal_with_a_reason_and_the_order_is_sent_again(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(10, 9), supplier_id=None, actor=SUPPLIER)
    OutboxMessage.delete().execute()
    with pytest.raises(ValidationFailed) as no_reason:
        reject_counter(purchase.number, actor=BUYER, reason=" ")
    assert "reason" in no_reason.value.messages
    assert reject_counter(purchase.number, actor=BUYER, reason="we only need 5") == "sent"
    stored = PurchaseOrder.get_by_id(purchase.id)
    assert stored.status == "sent" and "we only need 5" in stored.status_reason
    assert lines(purchase)["GADGET"][3:] == (None, None)
    assert [m.args for m in OutboxMessage.select()] == [[purchase.id, "counter_rejected"]]
    assert SupplyAlert.get(SupplyAlert.purchase_order == purchase.id).status == "resolved"
    # answering again reopens nothing until it counters again
    assert confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=SUPPLIER) == "confirmed"


def test_every_line_must_be_answered_and_bad_answers_are_named(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    with pytest.raises(ValidationFailed) as missing:
        confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 10, DAY)], supplier_id=None,
                               actor=SUPPLIER)
    assert list(missing.value.messages) == ["lines.GADGET"]
    with pytest.raises(ValidationFailed) as bad:
        confirm_purchase_order(purchase.number, [
            ConfirmationInput("WIDGET", 10, None), ConfirmationInput("GADGET", -1, DAY),
            ConfirmationInput("BOLT", 1, DAY), ConfirmationInput("WIDGET", 0, None, counter=True)],
            supplier_id=None, actor=SUPPLIER)
    assert set(bad.value.messages) == {"lines[0].promised_date", "lines[1].quantity", "lines[2].sku",
                                       "lines[3].sku", "lines[3].quantity"}
    assert lines(purchase)["WIDGET"][1] is None and status(purchase) == "sent"


def test_another_suppliers_order_is_not_found(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    with pytest.raises(NotFound) as hidden:
        confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=other.id, actor="sup2@relay.test")
    with pytest.raises(NotFound) as missing:
        confirm_purchase_order("PO-999999", answers(10, 5), supplier_id=other.id, actor="sup2@relay.test")
    assert str(hidden.value) == f"purchase order {purchase.number} not found"
    assert str(missing.value) == "purchase order PO-999999 not found"
    assert status(purchase) == "sent"


@pytest.mark.parametrize("status_now", ["draft", "shipped", "received", "cancelled"])
def test_only_a_sent_or_answered_order_can_be_confirmed(any_db, status_now):
    world = make_world()
    purchase = sent_purchase_order(world, send=False)
    PurchaseOrder.update(status=status_now).where(PurchaseOrder.id == purchase.id).execute()
    with pytest.raises(InvalidTransition, match=f"is {status_now}"):
        confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=SUPPLIER)


def test_a_confirmed_order_is_not_cut_back_by_a_new_answer(any_db):
    """confirmed → partially_confirmed is no move of the state machine: ops change the order instead."""
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=SUPPLIER)
    with pytest.raises(InvalidTransition):
        confirm_purchase_order(purchase.number, answers(3, 5), supplier_id=None, actor=SUPPLIER)
    assert lines(purchase)["WIDGET"][1] == 10 and status(purchase) == "confirmed"
