from decimal import Decimal

import peewee
import pytest

from models.allocation.backorders import stock_arrived
from models.allocation.config import AllocationSettings, save_allocation_settings
from models.core.audit import StatusChange
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.core.transitions import transition
from models.intake.entry import place_order
from models.invariants import CHECKS, run_checks
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.allocation_plans import plan_of
from models.orders.flow import allocate, create_shipments, review, start_review
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.receivables.ledger import set_opening_balance
from models.shipping.dispatch import prepare_waybill, record_waybill
from models.shipping.tables import Shipment, Waybill
from models.supply.tables import PurchaseOrder
from schemas.orders import order_schema
from tests import factories
from tests.factories import allow_repeat_orders, order_body, sandbox_choice

ACTOR = "worker:test"
WAYBILL = "SBX0000000001"


def make_world(**kwargs) -> dict:
    world = factories.make_world(**kwargs)
    allow_repeat_orders()  # these tests place identical orders on purpose
    return world


def placed(ref: str = "PO-1", **body) -> int:
    order, created = place_order(order_schema.load(order_body(ref, **body)), actor="test")
    assert created
    return order.id


def approved(ref: str = "PO-1", **body) -> int:
    order_id = placed(ref, **body)
    assert review(order_id, actor=ACTOR) == "approve"
    return order_id


def allocated(ref: str = "PO-1", **body) -> int:
    order_id = approved(ref, **body)
    assert allocate(order_id, actor=ACTOR) == "allocated"
    return order_id


def shipped(ref: str = "PO-1", number: str = WAYBILL) -> int:
    order_id = allocated(ref)
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is not None
    assert record_waybill(shipment_id, waybill_number=number, tracking_url="", actor=ACTOR)
    return order_id


def status(order_id: int) -> str:
    return Order.get_by_id(order_id).status


def nudges(actor_name: str) -> list:
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == actor_name)
            .order_by(OutboxMessage.id)]


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


def set_on_hand(warehouse: str, sku: str, on_hand: int) -> None:
    ids = Stock.select(Stock.id).join(Warehouse).switch(Stock).join(Product).where(
        Warehouse.code == warehouse, Product.sku == sku)
    Stock.update(on_hand=on_hand).where(Stock.id.in_(ids)).execute()


def reservations(order_id: int) -> list[tuple]:
    rows = (Reservation.select(Reservation, OrderLine, Warehouse).join(OrderLine).switch(Reservation).join(Warehouse)
            .where(OrderLine.order == order_id).order_by(OrderLine.line_no))
    return [(r.order_line.sku, r.warehouse.code, r.quantity, r.status) for r in rows]


def clean() -> bool:
    return run_checks() == {name: [] for name in CHECKS}


# --- review --------------------------------------------------------------------------------------

def test_placing_enters_review_at_once_and_review_takes_effect_once(any_db):
    make_world()
    order_id = placed()
    assert Order.get_by_id(order_id).status == "reviewing"
    assert nudges("review_orders") == [[[order_id]]]
    assert nudges("intake_orders") == []
    assert review(order_id, actor=ACTOR) == "approve"
    assert review(order_id, actor=ACTOR) is None
    order = Order.get_by_id(order_id)
    assert (order.status, order.status_reason) == ("approved", "all checks passed")
    assert nudges("allocate_orders") == [[[order_id]]]
    assert [(r.from_status, r.to_status) for r in StatusChange.trail("order", order_id)] == [
        (None, "received"), ("received", "reviewing"), ("reviewing", "approved")]


def test_an_order_left_in_received_by_an_older_release_still_enters_review_once(any_db):
    make_world()
    order_id = placed()
    Order.update(status="received").where(Order.id == order_id).execute()
    assert start_review(order_id, actor=ACTOR) is True
    assert start_review(order_id, actor=ACTOR) is False
    assert Order.get_by_id(order_id).status == "reviewing"


def test_review_of_missing_or_unreviewed_order_does_nothing(any_db):
    make_world()
    order_id = placed()
    Order.update(status="received").where(Order.id == order_id).execute()  # not in review yet
    assert review(order_id, actor=ACTOR) is None
    assert review(987654, actor=ACTOR) is None
    assert status(order_id) == "received"
    assert nudges("allocate_orders") == []


@pytest.mark.parametrize("credit_limit, outstanding, blocked, outcome, final", [
    (None, "0", False, "approve", "approved"),
    ("45.50", "0", False, "approve", "approved"),  # the order's total is exactly the limit
    ("45.49", "0", False, "hold", "on_hold"),
    ("45.50", "0.01", False, "hold", "on_hold"),
    ("10000.00", "0", True, "reject", "rejected"),
])
def test_review_decides_from_the_customer(any_db, credit_limit, outstanding, blocked, outcome, final):
    world = make_world(credit_limit=credit_limit)
    Partner.update(blocked=blocked).where(Partner.id == world["customer"].id).execute()
    set_opening_balance(world["customer"], Decimal(outstanding))  # what the customer owes: its open invoices
    order_id = placed()
    assert review(order_id, actor=ACTOR) == outcome
    order = Order.get_by_id(order_id)
    assert order.status == final
    assert nudges("allocate_orders") == ([[[order_id]]] if outcome == "approve" else [])
    if outcome != "approve":
        assert order.status_reason.startswith("customer_blocked" if blocked else "credit_limit: exposure ")


@pytest.mark.parametrize("limit, outcome", [("91.00", "approve"), ("90.99", "hold")])
def test_review_counts_approved_orders_not_yet_shipped(any_db, limit, outcome):
    make_world(credit_limit="10000.00")
    approved("PO-A")
    placed("PO-B")  # received: not yet exposure
    Partner.update(credit_limit=Decimal(limit)).where(Partner.code == "CUST1").execute()
    order_id = placed("PO-C")
    assert review(order_id, actor=ACTOR) == outcome


def test_review_counts_shipped_orders_through_the_balance_only(any_db):
    make_world(credit_limit="10000.00")
    shipped("PO-A")
    assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("45.50")
    Partner.update(credit_limit=Decimal("91.00")).where(Partner.code == "CUST1").execute()
    order_id = placed("PO-B")
    assert review(order_id, actor=ACTOR) == "approve"


@pytest.mark.parametrize("backend", [
    pytest.param("db", id="sqlite"),
    pytest.param("pg_rolled_back", id="postgres"),
])
def test_open_orders_sum_is_exact_at_the_limit(request, backend):
    request.getfixturevalue(backend)
    make_world(credit_limit="10000.00")
    for ref, price in (("PO-A", "10.10"), ("PO-B", "10.20")):  # at or above the catalogue price of 10.00
        approved(ref, lines=[{"sku": "WIDGET", "quantity": 1, "unit_price": price}])
    Partner.update(credit_limit=Decimal("120.30")).where(Partner.code == "CUST1").execute()
    order_id = placed("PO-C", lines=[{"sku": "WIDGET", "quantity": 1, "unit_price": "100.00"}])
    assert review(order_id, actor=ACTOR) == "approve"


# --- allocation ----------------------------------------------------------------------------------

def test_allocate_reserves_once_from_the_cheapest_lane(any_db):
    make_world()
    order_id = approved()
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert allocate(order_id, actor=ACTOR) is None
    assert reservations(order_id) == [("WIDGET", "EAST", 2, "active"), ("GADGET", "EAST", 1, "active")]
    assert (stock("EAST", "WIDGET"), stock("EAST", "GADGET")) == ((100, 2), (100, 1))
    assert (stock("WEST", "WIDGET"), stock("WEST", "GADGET")) == ((100, 0), (100, 0))
    order = Order.get_by_id(order_id)
    assert order.status == "allocated"
    assert "Chosen: EAST, 1 shipment, cost 5.00, ETA 1 d. Runner-up: WEST" in order.status_reason
    (shipment,) = order.shipments  # created in the allocation's own commit
    assert nudges("create_shipments") == [] and nudges("request_waybills") == [[[shipment.id]]]
    assert clean()


def test_allocate_falls_to_west_when_east_is_short(any_db):
    make_world()
    set_on_hand("EAST", "WIDGET", 1)
    order_id = approved()
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert reservations(order_id) == [("WIDGET", "WEST", 2, "active"), ("GADGET", "WEST", 1, "active")]
    assert (stock("EAST", "WIDGET"), stock("WEST", "WIDGET"), stock("WEST", "GADGET")) == ((1, 0), (100, 2), (100, 1))
    assert "Chosen: WEST, 1 shipment, cost 9.00" in Order.get_by_id(order_id).status_reason
    assert clean()


def test_exact_free_quantity_is_enough(any_db):
    make_world()
    set_on_hand("EAST", "WIDGET", 2)
    order_id = allocated()
    assert reservations(order_id)[0] == ("WIDGET", "EAST", 2, "active")
    assert stock("EAST", "WIDGET") == (2, 2)


def test_reserved_stock_is_not_free_for_the_next_order(any_db):
    make_world()
    set_on_hand("EAST", "WIDGET", 3)
    first = allocated("PO-A")
    second = allocated("PO-B")
    assert reservations(first)[0][:2] == ("WIDGET", "EAST")
    assert reservations(second)[0][:2] == ("WIDGET", "WEST")
    assert stock("EAST", "WIDGET") == (3, 2)
    assert clean()


def test_an_order_no_single_warehouse_fills_is_split_across_two(any_db):
    make_world()
    set_on_hand("EAST", "WIDGET", 0)
    set_on_hand("WEST", "GADGET", 0)
    order_id = approved()
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert reservations(order_id) == [("WIDGET", "WEST", 2, "active"), ("GADGET", "EAST", 1, "active")]
    assert "Chosen: EAST + WEST, 2 shipments" in Order.get_by_id(order_id).status_reason
    assert clean()


@pytest.mark.parametrize("region, explanation", [
    ("R1", "Ship complete: no plan fills every line"),
    ("R9", "no warehouse or drop-ship supplier serves this region"),
])
def test_backorder_when_the_order_cannot_be_filled_whole(any_db, region, explanation):
    make_world()
    set_on_hand("EAST", "WIDGET", 1)  # one of the two widgets ordered is in stock
    set_on_hand("WEST", "WIDGET", 0)
    order_id = placed(region=region)
    if region == "R9":  # review holds an undeliverable ship-to; ops released it anyway
        assert review(order_id, actor=ACTOR) == "hold"
        assert transition("order", order_id, "approved", actor="ops", expected="on_hold")
    else:
        assert review(order_id, actor=ACTOR) == "approve"
    assert allocate(order_id, actor=ACTOR) == "backordered"
    assert allocate(order_id, actor=ACTOR) == "backordered"  # planned again, nothing changes
    order = Order.get_by_id(order_id)
    assert order.status == "backordered" and explanation in order.status_reason
    assert reservations(order_id) == []
    assert Stock.select().where(Stock.reserved != 0).count() == 0
    assert nudges("create_shipments") == []
    assert plan_of(order.id)["plan"]["shortfall"]
    assert clean()


def test_stock_arriving_reallocates_a_backorder(any_db):
    make_world()
    set_on_hand("EAST", "WIDGET", 0)
    set_on_hand("WEST", "WIDGET", 0)
    order_id = approved()
    assert allocate(order_id, actor=ACTOR) == "backordered"
    OutboxMessage.delete().execute()
    with database.atomic():
        set_on_hand("EAST", "WIDGET", 5)
        assert stock_arrived([Product.get(Product.sku == "WIDGET").id]) == [order_id]
    assert nudges("allocate_orders") == [[[order_id]]]
    assert allocate(order_id, actor=ACTOR) == "allocated"
    assert reservations(order_id) == [("WIDGET", "EAST", 2, "active"), ("GADGET", "EAST", 1, "active")]


def test_ship_available_splits_the_rest_into_a_linked_backorder(any_db):
    make_world()
    save_allocation_settings(AllocationSettings(by_customer={"CUST1": {"partial": "ship_available"}}),
                             actor="ops")
    set_on_hand("EAST", "WIDGET", 1)
    set_on_hand("WEST", "WIDGET", 0)
    order_id = approved()  # 2 widgets (10.00) + 1 gadget (25.50)
    assert allocate(order_id, actor=ACTOR) == "allocated"
    parent = Order.get_by_id(order_id)
    [child] = Order.select().where(Order.backorder_of == order_id)
    assert (child.status, child.external_ref, child.total) == ("backordered", "PO-1/BO1", Decimal("10.00"))
    assert [(line.sku, line.quantity) for line in child.lines] == [("WIDGET", 1)]
    assert parent.total == Decimal("35.50") and reservations(order_id) == [
        ("WIDGET", "EAST", 1, "active"), ("GADGET", "EAST", 1, "active")]
    assert clean()


def test_a_backorder_keeps_its_submitters_reference_scope(any_db):
    world = make_world()
    save_allocation_settings(AllocationSettings(by_customer={"CUST1": {"partial": "ship_available"}}),
                             actor="ops")
    set_on_hand("EAST", "WIDGET", 1)
    set_on_hand("WEST", "WIDGET", 0)
    keyed_by_ops = approved()  # PO-1 for CUST1, keyed by ops
    by_distributor, created = place_order(order_schema.load(order_body("PO-1")), actor="test",
                                          placed_by=world["distributor"])  # DIST1's own PO-1
    assert created
    assert review(by_distributor.id, actor=ACTOR) == "approve"
    for order_id in (keyed_by_ops, by_distributor.id):  # both short of widgets: two PO-1/BO1
        assert allocate(order_id, actor=ACTOR) == "allocated"
    children = {child.backorder_of_id: child for child in Order.select().where(Order.backorder_of.is_null(False))}
    assert {child.external_ref for child in children.values()} == {"PO-1/BO1"}
    for parent in Order.select().where(Order.id.in_([keyed_by_ops, by_distributor.id])):
        assert children[parent.id].intake_scope == parent.intake_scope != ""


def test_drop_ship_lines_become_a_purchase_order_to_the_supplier(any_db):
    world = make_world()
    Product.update(dropship=True).where(Product.sku == "GADGET").execute()
    set_on_hand("EAST", "GADGET", 0)
    set_on_hand("WEST", "GADGET", 0)
    order_id = approved()
    assert allocate(order_id, actor=ACTOR) == "allocated"
    [purchase] = PurchaseOrder.select().where(PurchaseOrder.sales_order == order_id)
    assert (purchase.dropship, purchase.supplier_id, purchase.status) == (True, world["supplier"].id, "sent")
    assert [(line.product.sku, line.quantity) for line in purchase.lines] == [("GADGET", 1)]
    assert reservations(order_id) == [("WIDGET", "EAST", 2, "active")]


# --- shipping ------------------------------------------------------------------------------------

def test_create_shipments_once_per_warehouse(any_db):
    make_world()
    order_id = allocated()
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    # Allocation created it; a re-drive creates nothing new and hands back the shipment still waiting for its waybill.
    assert create_shipments(order_id, actor=ACTOR) == [shipment_id]
    shipment = Shipment.get_by_id(shipment_id)
    assert (shipment.order_id, shipment.warehouse.code, shipment.status, shipment.weight_kg) == \
        (order_id, "EAST", "ready", Decimal("2.200"))
    assert Shipment.select().count() == 1
    assert sorted((line.order_line.sku, line.quantity) for line in shipment.lines) == [("GADGET", 1), ("WIDGET", 2)]
    assert nudges("request_waybills") == [[[shipment_id]]] * 3
    assert create_shipments(placed("PO-2"), actor=ACTOR) == []


def test_prepare_waybill_keeps_one_request_and_key(any_db):
    make_world()
    order_id = allocated()
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    first = prepare_waybill(shipment_id, choose=sandbox_choice)
    again = prepare_waybill(shipment_id, choose=sandbox_choice)
    assert first.idempotency_key == again.idempotency_key
    assert first.reference.startswith(f"PO-1/S{shipment_id}-")
    assert (first.ship_to["region"], first.weight_kg) == ("R1", Decimal("2.200"))
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (Waybill.select().count(), waybill.status, waybill.attempts) == (1, "requested", 2)
    assert prepare_waybill(987654, choose=sandbox_choice) is None


def test_record_waybill_dispatches_stock_and_posts_receivable_once(any_db):
    world = make_world()
    order_id = allocated()
    total = Order.get_by_id(order_id).total
    (shipment_id,) = create_shipments(order_id, actor=ACTOR)
    prepare_waybill(shipment_id, choose=sandbox_choice)

    assert record_waybill(shipment_id, waybill_number=WAYBILL, tracking_url="https://track/1", actor=ACTOR)
    assert (stock("EAST", "WIDGET"), stock("EAST", "GADGET")) == ((98, 0), (99, 0))
    assert (stock("WEST", "WIDGET"), stock("WEST", "GADGET")) == ((100, 0), (100, 0))
    assert [r[3] for r in reservations(order_id)] == ["fulfilled", "fulfilled"]
    assert (status(order_id), Shipment.get_by_id(shipment_id).status) == ("shipped", "dispatched")
    waybill = Waybill.get(Waybill.shipment == shipment_id)
    assert (waybill.status, waybill.waybill_number, waybill.tracking_url) == ("issued", WAYBILL, "https://track/1")
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == total == Decimal("45.50")

    assert record_waybill(shipment_id, waybill_number=WAYBILL, tracking_url="", actor=ACTOR) is False
    assert prepare_waybill(shipment_id, choose=sandbox_choice) is None
    assert create_shipments(order_id, actor=ACTOR) == []
    assert stock("EAST", "WIDGET") == (98, 0)
    assert Partner.get_by_id(world["customer"].id).outstanding_balance == Decimal("45.50")
    assert StatusChange.select().where(StatusChange.entity == "order", StatusChange.entity_id == order_id,
                                       StatusChange.to_status == "shipped").count() == 1
    assert clean()


def test_record_waybill_for_missing_shipment(any_db):
    assert record_waybill(987654, waybill_number=WAYBILL, tracking_url="", actor=ACTOR) is False


# --- the invariant checker catches what the steps never do ------------------------------------------

def reserve_without_reservation() -> str:
    Stock.update(reserved=5).where(Stock.id == Stock.select(peewee.fn.MIN(Stock.id))).execute()
    return "active reservations add up to stock.reserved"


def order_without_audit() -> str:
    Order.create(channel="api", external_ref="RAW-1", customer=Partner.get(Partner.code == "CUST1"), currency="USD",
                 ship_to_name="x", ship_to_address="x", ship_to_city="x", ship_to_region="R1", ship_to_country="US")
    return "every order has an audit trail"


def shipped_without_shipment() -> str:
    order_id = placed("PO-X")
    Order.update(status="shipped").where(Order.id == order_id).execute()
    return "every shipped order has one issued waybill per shipment"


def shipped_without_waybill() -> str:
    order_id = allocated("PO-X")
    assert len(create_shipments(order_id, actor=ACTOR)) == 1
    assert transition("order", order_id, "shipped", actor="test")
    return "every shipped order has one issued waybill per shipment"


def line_reserved_twice() -> str:
    order_id = allocated("PO-X")
    held = Reservation.select().join(OrderLine).where(OrderLine.order == order_id, OrderLine.sku == "WIDGET").get()
    west = Warehouse.get(Warehouse.code == "WEST")
    west_stock = Stock.get(Stock.warehouse == west, Stock.product == held.stock.product_id)
    Reservation.create(order_line=held.order_line_id, warehouse=west, stock=west_stock, quantity=2)
    Stock.update(reserved=Stock.reserved + 2).where(Stock.id == west_stock.id).execute()
    return "no order line reserved beyond its quantity"


@pytest.mark.parametrize("corrupt", [reserve_without_reservation, order_without_audit, shipped_without_shipment,
                                     shipped_without_waybill, line_reserved_twice])
def test_run_checks_reports_corrupted_data(any_db, corrupt):
    make_world()
    shipped("PO-OK")
    assert clean()
    broken = corrupt()
    results = run_checks()
    assert len(results[broken]) == 1, results
    assert [name for name, violations in results.items() if violations] == [broken]


def test_database_refuses_reserving_more_than_on_hand(any_db):
    make_world()
    with pytest.raises(peewee.IntegrityError):
        with database.atomic():
            Stock.update(reserved=Stock.on_hand + 1).execute()
    with pytest.raises(peewee.IntegrityError):
        with database.atomic():
            Stock.update(on_hand=-1, reserved=0).execute()
    assert stock("EAST", "WIDGET") == (100, 0)
