"""Drop-ship end to end: allocation orders from the supplier, the order waits for it, its ASN becomes the shipment,
a mixed order ships only when every part left, the supplier's delivered event closes the purchase order."""
from datetime import date, timedelta

import pytest

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.orders.cancellation import cancel_order
from models.orders.flow import allocate, create_shipments
from models.orders.partner_view import AWAITING_SUPPLIER_WORDS, load_partner_order_view
from models.orders.tables import Order, OrderLine, Reservation
from models.orders.views import load_order_view
from models.receivables.ledger import Invoice
from models.returns.requesting import RequestedLine, request_return
from models.shipping.dispatch import prepare_waybill, record_waybill
from models.shipping.tables import Shipment, ShipmentEvent, Waybill
from models.shipping.tracking import CarrierEvent, record_tracking_events
from models.shipping.waybill_changes import cancellable_waybill
from models.supply.alerts import open_supply_alerts, sweep_supply_alerts
from models.supply.dropship import (
    SupplierEvent,
    awaiting_supplier,
    record_supplier_events,
)
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.receipts import receive_purchase_order
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder, SupplyAlert
from models.sweeper import redrive_stuck_orders
from schemas.order_resource import order_out
from tests.dropship_support import (
    ACTOR,
    DROP_ONLY,
    MIXED,
    allocated_order,
    confirm_all,
    dropship_po,
    make_dropship_world,
    ship_asn,
)
from tests.factories import sandbox_choice


def nudges(actor_name: str) -> list:
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == actor_name)
            .order_by(OutboxMessage.id)]


def status(order_id: int) -> str:
    return Order.get_by_id(order_id).status


def dispatch_warehouse_part(order_id: int, number: str = "SBX-1") -> int:
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
    assert record_waybill(shipment_id, waybill_number=number, tracking_url="", actor=ACTOR)
    return shipment_id


def delivered(code: str, minutes: int = 0) -> SupplierEvent:
    return SupplierEvent(code=code, occurred_at=utc_now() - timedelta(minutes=60 - minutes), location="Springfield")


# --- allocation ---------------------------------------------------------------------------------------------

def test_allocation_sends_one_audited_drop_ship_po_per_supplier(any_db):
    world = make_dropship_world()
    order_id = allocated_order("DS-1", [*MIXED, {"sku": "THING", "quantity": 4}],
                               confirm_within=timedelta(hours=6))
    purchases = {p.supplier.code: p for p in PurchaseOrder.select().where(PurchaseOrder.sales_order == order_id)}
    assert sorted(purchases) == ["SUP1", "SUP2"]
    for code, sku, quantity in (("SUP1", "GADGET", 1), ("SUP2", "THING", 4)):
        purchase = purchases[code]
        assert (purchase.kind, purchase.origin, purchase.status, purchase.warehouse_id, purchase.number) == \
            ("drop_ship", "drop_ship", "sent", None, f"PO-{purchase.id:06d}")
        assert purchase.confirm_by - purchase.sent_at == timedelta(hours=6)
        [line] = purchase.lines
        assert (line.product.sku, line.quantity, line.order_line.sku, line.order_line.order_id) == \
            (sku, quantity, sku, order_id)
        trail = [(c.from_status, c.to_status) for c in StatusChange.select().where(
            StatusChange.entity == "purchase_order", StatusChange.entity_id == purchase.id).order_by(StatusChange.id)]
        assert trail == [(None, "draft"), ("draft", "sent")]
    assert sorted(nudges("mail_purchase_order_updates")) == sorted([[p.id, "sent"] for p in purchases.values()])
    assert purchases["SUP1"].supplier_id == world["supplier"].id
    held = Reservation.select().join(OrderLine).where(OrderLine.order == order_id)
    assert [(r.order_line.sku, r.quantity) for r in held] == [("WIDGET", 2)]  # the warehouse part, as before


def test_allocating_again_makes_no_second_purchase_order(any_db):
    make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY)
    # A repeated run that got past the status check (e.g. ops put the order back): the order lock and the check
    # for an existing drop-ship order keep it to one purchase order and one mail.
    Order.update(status="approved").where(Order.id == order_id).execute()
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert allocate(order_id, actor=ACTOR) is None
    assert PurchaseOrder.select().where(PurchaseOrder.sales_order == order_id).count() == 1
    assert len(nudges("mail_purchase_order_updates")) == 1


# --- waiting for the supplier -------------------------------------------------------------------------------

def test_the_order_shows_awaiting_supplier_and_the_sweeper_leaves_it_alone(any_db):
    make_dropship_world()
    waiting = allocated_order("DS-1", DROP_ONLY)
    mixed = allocated_order("DS-2", MIXED)  # its warehouse part still needs shipping: ours to drive
    assert create_shipments(waiting, actor=ACTOR) == []
    assert awaiting_supplier([waiting, mixed]) == {waiting, mixed}
    view = load_order_view(waiting)
    assert view.awaiting_supplier is True
    assert [(p.number, p.status, p.supplier_code, p.ordered, p.shipped) for p in view.loaded_dropship] == \
        [(dropship_po(waiting).number, "sent", "SUP1", 3, 0)]
    assert order_out.dump(view)["awaiting_supplier"] is True
    partner = load_partner_order_view(waiting, None).partner_view
    assert (partner.awaiting_supplier, partner.status_reason) == (True, AWAITING_SUPPLIER_WORDS)
    Order.update(status_changed_at=utc_now() - timedelta(hours=1)).execute()
    assert redrive_stuck_orders(timedelta(minutes=2)) == {"allocated": 1}
    assert Order.get_by_id(waiting).redriven_at is None
    assert Order.get_by_id(mixed).redriven_at is not None


def test_an_unconfirmed_drop_ship_past_its_deadline_raises_one_alert_until_confirmed(any_db):
    make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY, confirm_within=timedelta(hours=24))
    purchase = dropship_po(order_id)
    assert sweep_supply_alerts() == 0
    late = utc_now() + timedelta(hours=25)
    assert sweep_supply_alerts(late) == 1
    assert sweep_supply_alerts(late + timedelta(hours=1)) == 0
    [alert] = open_supply_alerts()
    assert (alert.kind, alert.purchase_order.number) == ("unconfirmed_drop_ship", purchase.number)
    assert "DS-1" in alert.message and "SUP1" in alert.message
    assert open_supply_alerts(supplier_id=PurchaseOrder.get_by_id(purchase.id).supplier_id) == [alert]
    assert confirm_all(PurchaseOrder.get_by_id(purchase.id)) == "confirmed"
    assert sweep_supply_alerts(late + timedelta(hours=2)) == 0
    assert SupplyAlert.get_by_id(alert.id).status == "resolved" and open_supply_alerts() == []


def test_an_asn_in_transit_two_days_past_its_date_raises_asn_overdue_once(any_db):
    world = make_dropship_world()
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code="EAST", actor=ACTOR,
                                     lines=[PurchaseLineInput("WIDGET", 10)])
    send_purchase_order(purchase.number, actor=ACTOR, answer_within=timedelta(days=3))
    purchase = PurchaseOrder.get_by_id(purchase.id)
    asn = ship_asn(purchase, "TRK-STOCK-1")
    AdvanceShippingNotice.update(expected_on=date.today() - timedelta(days=3)).execute()
    assert sweep_supply_alerts() == 1
    assert sweep_supply_alerts() == 0
    [alert] = open_supply_alerts()
    assert alert.kind == "asn_overdue" and "EAST" in alert.message
    receive_purchase_order(purchase.number, {"WIDGET": 10}, actor="dock@relay.test", asn_id=asn.id)
    sweep_supply_alerts()
    assert open_supply_alerts() == [] and world["supplier"].code in alert.message


# --- the supplier ships ---------------------------------------------------------------------------------------

def test_the_asn_becomes_the_shipment_and_ships_and_invoices_the_order(any_db):
    world = make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY)
    purchase = dropship_po(order_id)
    assert confirm_all(purchase) == "confirmed"
    asn = ship_asn(purchase, "JD014600003828")
    [shipment] = Shipment.select().where(Shipment.order == order_id)
    assert (shipment.warehouse_id, shipment.supplier_id, shipment.carrier, shipment.status) == \
        (None, world["supplier"].id, "DHL Express", "dispatched")
    assert [(line.order_line.sku, line.quantity) for line in shipment.lines] == [("GADGET", 3)]
    waybill = Waybill.get(Waybill.shipment == shipment.id)
    assert (waybill.status, waybill.waybill_number, waybill.idempotency_key, waybill.carrier) == \
        ("issued", "JD014600003828", f"asn-{asn.id}", "DHL Express")
    assert AdvanceShippingNotice.get_by_id(asn.id).shipment_id == shipment.id
    assert [(c.from_status, c.to_status) for c in StatusChange.trail("shipment", shipment.id)] == \
        [(None, "ready"), ("ready", "dispatched")]
    assert status(order_id) == "shipped"
    assert Invoice.select().where(Invoice.order == order_id).count() == 1
    [event] = ShipmentEvent.select().where(ShipmentEvent.shipment == shipment.id)
    assert event.kind == "shipped" and "JD014600003828" in event.payload_json
    assert nudges("mail_shipment_events") == [[[event.id]]]
    resource = order_out.dump(load_order_view(order_id))
    assert resource["awaiting_supplier"] is False
    assert [(s["warehouse"], s["supplier"], s["carrier"], s["tracking_number"]) for s in resource["shipments"]] == \
        [(None, "SUP1", "DHL Express", "JD014600003828")]
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_a_partial_asn_ships_nothing_of_the_order_until_the_rest_follows(any_db):
    make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY)
    purchase = dropship_po(order_id)
    confirm_all(purchase)
    ship_asn(purchase, "TRK-A", units={"GADGET": 1})
    assert status(order_id) == "allocated" and awaiting_supplier([order_id]) == {order_id}
    ship_asn(PurchaseOrder.get_by_id(purchase.id), "TRK-B", units={"GADGET": 2})
    assert status(order_id) == "shipped"
    assert Shipment.select().where(Shipment.order == order_id).count() == 2


def test_a_tracking_number_already_on_another_shipment_is_refused_and_nothing_is_written(any_db):
    make_dropship_world()
    first, second = allocated_order("DS-1", DROP_ONLY), allocated_order("DS-2", DROP_ONLY)
    ship_asn(dropship_po(first), "SAME-NUMBER")
    with pytest.raises(ValidationFailed) as refused:
        ship_asn(dropship_po(second), "SAME-NUMBER")
    assert "already on another shipment" in refused.value.messages["tracking_number"][0]
    assert "DS-1" not in str(refused.value.messages)  # nothing of the other order is told
    assert AdvanceShippingNotice.select().count() == 1
    assert dropship_po(second).status == "sent" and status(second) == "allocated"


def test_cancelling_the_order_cancels_its_drop_ship_po_and_tells_the_supplier(any_db):
    make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY)
    purchase = dropship_po(order_id)
    assert cancel_order(order_id, actor="ops@relay.test", reason="customer changed their mind")
    assert PurchaseOrder.get_by_id(purchase.id).status == "cancelled"
    assert [purchase.id, "cancelled"] in nudges("mail_purchase_order_updates")
    with pytest.raises(InvalidTransition, match="is cancelled"):
        ship_asn(dropship_po(order_id), "TRK-CANCELLED")
    assert AdvanceShippingNotice.select().count() == 0 and Shipment.select().count() == 0
    assert sweep_supply_alerts(utc_now() + timedelta(days=3)) == 0


@pytest.mark.parametrize("first", ["warehouse", "supplier"])
def test_a_mixed_order_ships_only_when_both_parts_left(any_db, first):
    make_dropship_world()
    order_id = allocated_order("MIX-1", MIXED)
    purchase = dropship_po(order_id)
    confirm_all(purchase)
    if first == "warehouse":
        dispatch_warehouse_part(order_id)
        assert status(order_id) == "allocated"
        assert awaiting_supplier([order_id]) == {order_id}
        ship_asn(purchase, "TRK-MIX")
    else:
        (ready,) = create_shipments(order_id, actor=ACTOR)
        ship_asn(purchase, "TRK-MIX")
        assert status(order_id) == "allocated" and awaiting_supplier([order_id]) == set()
        assert prepare_waybill(ready, choose=sandbox_choice) is not None
        assert record_waybill(ready, waybill_number="SBX-1", tracking_url="", actor=ACTOR)
    assert status(order_id) == "shipped"
    assert Invoice.select().where(Invoice.order == order_id).count() == 1
    shipments = {s.warehouse.code if s.warehouse_id else s.supplier.code: s.status
                 for s in Shipment.select().where(Shipment.order == order_id)}
    assert shipments == {"EAST": "dispatched", "SUP1": "dispatched"}


# --- the parcel arrives -----------------------------------------------------------------------------------------

def test_the_suppliers_delivered_event_closes_the_po_and_delivers_the_order(any_db):
    make_dropship_world()
    order_id = allocated_order("MIX-1", MIXED)
    purchase = dropship_po(order_id)
    confirm_all(purchase)
    dispatch_warehouse_part(order_id, "SBX-1")
    asn = ship_asn(purchase, "TRK-MIX")
    record_tracking_events("sandbox", [CarrierEvent("ev-1", "SBX-1", "delivered", utc_now())], actor="carrier:test")
    assert status(order_id) == "shipped"  # the supplier's parcel is still on its way
    events = [delivered("in_transit", 0), delivered("out_for_delivery", 20), delivered("delivered", 40)]
    result = record_supplier_events(purchase.number, asn.id, events, supplier_id=purchase.supplier_id,
                                    actor="api:sup1@relay.test")
    assert (result.stored, result.duplicates) == (3, 0)
    assert status(order_id) == "delivered"
    closed = PurchaseOrder.get_by_id(purchase.id)
    assert closed.status == "closed" and closed.closed_at is not None
    assert StatusChange.trail("purchase_order", purchase.id)[-1].reason == "delivered to the customer"
    [shipment] = Shipment.select().where(Shipment.order == order_id, Shipment.warehouse.is_null())
    assert shipment.status == "delivered"
    assert {e.kind for e in ShipmentEvent.select().where(ShipmentEvent.shipment == shipment.id)} == \
        {"shipped", "out_for_delivery", "delivered"}
    again = record_supplier_events(purchase.number, asn.id, events, supplier_id=purchase.supplier_id,
                                   actor="api:sup1@relay.test")
    assert (again.stored, again.duplicates) == (0, 3)


def test_another_suppliers_purchase_order_or_asn_is_not_found(any_db):
    world = make_dropship_world()
    order_id = allocated_order("DS-1", [*DROP_ONLY, {"sku": "THING", "quantity": 1}])
    purchase, other = dropship_po(order_id, "SUP1"), dropship_po(order_id, "SUP2")
    asn = ship_asn(purchase, "TRK-1")
    with pytest.raises(NotFound):
        record_supplier_events(purchase.number, asn.id, [delivered("delivered")],
                               supplier_id=world["supplier2"].id, actor="api:sup2@relay.test")
    with pytest.raises(NotFound):  # SUP2's own number with SUP1's ASN
        record_supplier_events(other.number, asn.id, [delivered("delivered")],
                               supplier_id=world["supplier2"].id, actor="api:sup2@relay.test")
    assert Shipment.get(Shipment.order == order_id).status == "dispatched"


def test_a_drop_shipped_shipment_cannot_have_its_waybill_cancelled_and_its_return_goes_to_a_warehouse(any_db):
    world = make_dropship_world()
    order_id = allocated_order("DS-1", DROP_ONLY)
    purchase = dropship_po(order_id)
    asn = ship_asn(purchase, "TRK-RET")
    shipment = Shipment.get(Shipment.order == order_id)
    with pytest.raises(InvalidTransition, match="drop-shipped"):
        cancellable_waybill(shipment.id)
    record_supplier_events(purchase.number, asn.id, [delivered("delivered")], supplier_id=None, actor=ACTOR)
    assert status(order_id) == "delivered"
    request = request_return(order_id, resolution="refund", reason="damaged", comment="", via="self_service",
                             actor="customer:test", lines=[RequestedLine("GADGET", 1)])
    assert request.warehouse_id == world["east"].id  # the cheapest lane from the customer's region
