"""Reading purchase orders: the API resource, filtered keyset lists, a supplier kept to its own, its home page."""
from datetime import date

import pytest

from models.core.errors import NotFound
from models.inventory.tables import Product
from models.partners.tables import Partner
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import PurchaseLineInput, create_purchase_order
from models.supply.receipts import receive_purchase_order
from models.supply.tables import PurchaseOrder
from models.supply.views import (
    list_purchase_orders,
    purchase_order_resource,
    purchase_order_resources,
    supplier_work,
    visible_purchase_order,
)
from tests.factories import make_world
from tests.models.supply.test_confirmations import (
    BUYER,
    DAY,
    answers,
    sent_purchase_order,
)


def other_supplier() -> Partner:
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price="1.00", supplier=other)
    return other


def test_the_resource_holds_lines_asns_and_receipts_with_discrepancies(any_db):
    world = make_world(on_hand=0)
    purchase = sent_purchase_order(world)
    confirm_purchase_order(purchase.number, answers(10, 5), supplier_id=None, actor=BUYER)
    asn = create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 10)], carrier="DHL",
                     tracking_number="JD0001", expected_on=date(2031, 3, 20), actor=BUYER, reference="ASN-1")
    receive_purchase_order(purchase.number, {"WIDGET": 8}, damaged={"WIDGET": 1}, actor=BUYER)
    resource = purchase_order_resource(PurchaseOrder.get_by_id(purchase.id))
    assert {key: resource[key] for key in ("number", "kind", "supplier", "warehouse", "order_id", "status",
                                           "currency", "revision")} == {
        "number": purchase.number, "kind": "stock", "supplier": "SUP1", "warehouse": "EAST", "order_id": None,
        "status": "partially_received", "currency": "USD", "revision": 0}
    assert resource["sent_at"].endswith("Z") and resource["confirm_by"] and resource["expected_at"] is None
    widget = resource["lines"][0]
    assert {key: widget[key] for key in ("sku", "quantity", "unit_price", "confirmed_quantity", "promised_date",
                                         "proposed_quantity", "received_quantity", "damaged_quantity")} == {
        "sku": "WIDGET", "quantity": 10, "unit_price": "2.00", "confirmed_quantity": 10,
        "promised_date": DAY.isoformat(), "proposed_quantity": None, "received_quantity": 8, "damaged_quantity": 1}
    assert resource["asns"] == [{
        "id": asn.id, "reference": "ASN-1", "carrier": "DHL", "tracking_number": "JD0001",
        "shipped_at": resource["asns"][0]["shipped_at"], "expected_on": "2031-03-20", "status": "received",
        "received_at": resource["asns"][0]["received_at"], "shipment_id": None,
        "lines": [{"sku": "WIDGET", "quantity": 10}]}]
    [receipt] = resource["receipts"]
    assert receipt["asn_id"] == asn.id and receipt["discrepancies"] == [
        {"sku": "WIDGET", "announced_quantity": 10, "received_quantity": 8, "damaged_quantity": 1,
         "discrepancy": "short,damaged"}]


def test_a_supplier_sees_only_its_own_and_a_foreign_number_is_like_a_missing_one(any_db):
    world = make_world()
    purchase = sent_purchase_order(world)
    other = other_supplier()
    assert visible_purchase_order(purchase.number, supplier_id=world["supplier"].id).id == purchase.id
    assert visible_purchase_order(purchase.number, supplier_id=None).id == purchase.id
    with pytest.raises(NotFound) as foreign:
        visible_purchase_order(purchase.number, supplier_id=other.id)
    with pytest.raises(NotFound) as missing:
        visible_purchase_order("PO-424242", supplier_id=other.id)
    assert str(foreign.value).replace(purchase.number, "X") == str(missing.value).replace("PO-424242", "X")


def test_lists_filter_page_by_id_and_keep_a_supplier_to_its_own(any_db):
    world = make_world()
    other = other_supplier()
    mine = [sent_purchase_order(world, send=False) for _ in range(3)]
    theirs = create_purchase_order(supplier_code="SUP2", warehouse_code="WEST", actor=BUYER,
                                   lines=[PurchaseLineInput("BOLT", 1)])
    first, after = list_purchase_orders(supplier_id=None, limit=2)
    assert [p.id for p in first] == [theirs.id, mine[2].id] and after == mine[2].id
    rest, end = list_purchase_orders(supplier_id=None, limit=2, after=after)
    assert [p.id for p in rest] == [mine[1].id, mine[0].id] and end is None
    own, _ = list_purchase_orders(supplier_id=other.id)
    assert [p.id for p in own] == [theirs.id]
    forced, _ = list_purchase_orders(supplier_id=other.id, supplier_code="SUP1")
    assert forced == []
    by_code, _ = list_purchase_orders(supplier_id=None, supplier_code="SUP1", status="draft", kind="stock")
    assert [p.id for p in by_code] == [p.id for p in reversed(mine)]
    assert list_purchase_orders(supplier_id=None, kind="drop_ship")[0] == []
    assert list_purchase_orders(supplier_id=None, order_id=12345)[0] == []
    assert list_purchase_orders(supplier_id=None, status="sent")[0] == []


def test_the_supplier_home_lists_what_waits_for_it(any_db):
    world = make_world()
    waiting = sent_purchase_order(world)
    answered = sent_purchase_order(world)
    confirm_purchase_order(answered.number, answers(10, 5), supplier_id=None, actor=BUYER)
    shipped = sent_purchase_order(world)
    confirm_purchase_order(shipped.number, answers(10, 5), supplier_id=None, actor=BUYER)
    create_asn(shipped.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 10)], carrier="DHL",
               tracking_number="T1", expected_on=None, actor=BUYER)
    countered = sent_purchase_order(world)
    confirm_purchase_order(countered.number, [ConfirmationInput("WIDGET", 10, DAY, counter=True),
                                              ConfirmationInput("GADGET", 5, DAY)], supplier_id=None, actor=BUYER)
    sent_purchase_order(world, send=False)  # a draft is not the supplier's business yet
    work = supplier_work(world["supplier"].id)
    assert {key: [p.id for p in rows] for key, rows in work.items()} == {
        "to_confirm": [waiting.id], "asns_due": [answered.id], "dropship_to_ship": [],
        "counters_waiting": [countered.id]}
    assert all(value == [] for value in supplier_work(other_supplier().id).values())


def test_a_list_of_resources_is_each_orders_resource(any_db):
    world = make_world(on_hand=0)
    shipped = sent_purchase_order(world)
    create_asn(shipped.number, supplier_id=None, lines=[AsnLineInput("GADGET", 5)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor=BUYER)
    receive_purchase_order(shipped.number, {"GADGET": 5}, actor=BUYER)
    draft = sent_purchase_order(world, send=False)
    other = other_supplier()
    theirs = create_purchase_order(supplier_code=other.code, warehouse_code="WEST", actor=BUYER,
                                   lines=[PurchaseLineInput("BOLT", 2)])
    rows = [PurchaseOrder.get_by_id(p.id) for p in (theirs, shipped, draft)]
    assert purchase_order_resources(rows) == [purchase_order_resource(row) for row in rows]
    assert purchase_order_resources([]) == []
