"""Advance shipping notices on stock purchase orders: the order ships, the units are dated incoming, no line is
announced beyond what is open, a retried notice is stored once, other suppliers' orders are invisible."""
from datetime import date

import pytest

from models.core.audit import StatusChange
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.partners.tables import Partner
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import confirm_purchase_order
from models.supply.incoming import incoming_by_pair
from models.supply.receipts import receive_purchase_order
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder
from tests.factories import make_world
from tests.models.supply.test_confirmations import (
    BUYER,
    SUPPLIER,
    answers,
    sent_purchase_order,
)

ARRIVES = date(2031, 4, 2)


def announce(purchase, *lines, reference=None, supplier_id=None, carrier="DHL", tracking="JD0001",
             expected_on=ARRIVES):
    return create_asn(purchase.number, supplier_id=supplier_id, lines=[AsnLineInput(*line) for line in lines],
                      carrier=carrier, tracking_number=tracking, expected_on=expected_on, actor=SUPPLIER,
                      reference=reference)


def test_a_notice_ships_the_order_and_dates_the_incoming_units(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(8, 5), supplier_id=None, actor=SUPPLIER)
    asn = announce(purchase, ("WIDGET", 8), supplier_id=world["supplier"].id)
    stored = AdvanceShippingNotice.get_by_id(asn.id)
    assert (stored.reference, stored.carrier, stored.tracking_number, stored.status, stored.created_by) == (
        f"{purchase.number}-ASN1", "DHL", "JD0001", "in_transit", SUPPLIER)
    assert stored.shipped_at is not None and stored.expected_on == ARRIVES
    assert PurchaseOrder.get_by_id(purchase.id).status == "shipped"
    change = StatusChange.trail("purchase_order", purchase.id).order_by(StatusChange.id.desc()).first()
    assert (change.from_status, change.to_status) == ("partially_confirmed", "shipped")
    incoming = incoming_by_pair({(world["east"].id, world["widget"].id)})
    assert incoming[(world["east"].id, world["widget"].id)].next_on == ARRIVES
    # a second notice for the rest, with its own reference; the order stays shipped
    second = announce(purchase, ("GADGET", 5))
    assert second.reference == f"{purchase.number}-ASN2"


def test_a_supplier_may_ship_a_sent_order_without_confirming(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    announce(purchase, ("WIDGET", 10), ("GADGET", 5))
    assert PurchaseOrder.get_by_id(purchase.id).status == "shipped"


def test_no_line_is_announced_beyond_what_is_still_open_and_unannounced(any_db):
    world = make_world(on_hand=0)
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(8, 0), supplier_id=None, actor=SUPPLIER)
    with pytest.raises(ValidationFailed) as over:
        announce(purchase, ("WIDGET", 9), ("GADGET", 1))
    assert over.value.messages == {"lines[0].quantity": ["only 8 of WIDGET are still to announce"],
                                   "lines[1].quantity": ["only 0 of GADGET are still to announce"]}
    announce(purchase, ("WIDGET", 5), reference="A")
    with pytest.raises(ValidationFailed) as more:
        announce(purchase, ("WIDGET", 4), reference="B")
    assert more.value.messages == {"lines[0].quantity": ["only 3 of WIDGET are still to announce"]}
    receive_purchase_order(purchase.number, {"WIDGET": 5}, actor=BUYER)  # the notice is in: 3 still to come
    announce(purchase, ("WIDGET", 3), reference="B")
    assert AdvanceShippingNotice.select().count() == 2


def test_bad_notices_name_every_field_and_store_nothing(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    with pytest.raises(ValidationFailed) as bad:
        announce(purchase, ("BOLT", 1), ("WIDGET", 0), ("WIDGET", 1), carrier=" ", reference="R" * 65)
    assert set(bad.value.messages) == {"carrier", "reference", "lines[0].sku", "lines[1].quantity",
                                       "lines[2].sku"}
    with pytest.raises(ValidationFailed) as empty:
        announce(purchase)
    assert "lines" in empty.value.messages
    assert AdvanceShippingNotice.select().count() == 0
    assert PurchaseOrder.get_by_id(purchase.id).status == "sent"


def test_the_same_reference_again_is_the_stored_notice_and_a_different_one_is_refused(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    first = announce(purchase, ("WIDGET", 4), reference="SHIP-7")
    assert announce(purchase, ("WIDGET", 4), reference="SHIP-7").id == first.id
    with pytest.raises(ValidationFailed) as reused:
        announce(purchase, ("WIDGET", 2), reference="SHIP-7")
    assert reused.value.messages["reference"] == ["SHIP-7 is already used on this purchase order"]
    assert AdvanceShippingNotice.select().count() == 1


@pytest.mark.parametrize("status_now", ["draft", "countered", "received", "closed", "cancelled"])
def test_only_a_shippable_order_takes_a_notice(any_db, status_now):
    world = make_world()
    purchase = sent_purchase_order(world, send=False)
    PurchaseOrder.update(status=status_now).where(PurchaseOrder.id == purchase.id).execute()
    with pytest.raises(InvalidTransition, match=f"is {status_now}"):
        announce(purchase, ("WIDGET", 1))


def test_another_suppliers_order_is_not_found(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    with pytest.raises(NotFound):
        announce(purchase, ("WIDGET", 1), supplier_id=other.id)
    assert AdvanceShippingNotice.select().count() == 0
