import threading
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def place(ref: str = "PO-1", *, placed_by: Partner | None = None, **body):
    return place_order(order_schema.load(order_body(ref, **body)), actor="api:ops@relay.test", placed_by=placed_by)


def counts() -> tuple[int, int, int, int]:
    return (Order.select().count(), OrderLine.select().count(), OutboxMessage.select().count(),
            StatusChange.select().count())


def test_place_order_writes_order_lines_audit_and_one_intake_message(any_db):
    world = make_world()
    order, created = place()
    assert created is True
    stored = Order.get_by_id(order.id)
    assert (stored.status, stored.channel, stored.external_ref, stored.customer_id, stored.placed_by_id) == \
        ("received", "api", "PO-1", world["customer"].id, None)
    assert (stored.ship_to_region, stored.ship_to_country, stored.currency) == ("R1", "US", "USD")
    lines = [(line.line_no, line.sku, line.product_id, line.quantity, line.unit_price, line.line_total)
             for line in stored.lines.order_by(OrderLine.line_no)]
    assert lines == [(1, "WIDGET", world["widget"].id, 2, Decimal("10.00"), Decimal("20.00")),
                     (2, "GADGET", world["gadget"].id, 1, Decimal("25.50"), Decimal("25.50"))]
    assert (stored.subtotal, stored.total) == (Decimal("45.50"), Decimal("45.50"))
    assert (order.subtotal, order.total) == (Decimal("45.50"), Decimal("45.50"))
    audit = [(r.from_status, r.to_status, r.actor, r.reason) for r in StatusChange.trail("order", order.id)]
    assert audit == [(None, "received", "api:ops@relay.test", "placed via api")]
    outbox = [(m.queue_name, m.actor_name, m.args, m.sent_at) for m in OutboxMessage.select()]
    assert outbox == [("oms_intake", "intake_orders", [[order.id]], None)]


@pytest.mark.parametrize("quantity, unit_price, expected", [
    (3, "10.10", "30.30"),
    (7, "0.10", "0.70"),
    (3, "0.10", "0.30"),
    (1, "0", "0.00"),
    (1000, "19.99", "19990.00"),
    (1, "999999.99", "999999.99"),
])
def test_totals_are_exact_decimals(any_db, quantity, unit_price, expected):
    make_world()
    order, _ = place(lines=[{"sku": "WIDGET", "quantity": quantity, "unit_price": unit_price},
                            {"sku": "GADGET", "quantity": 1, "unit_price": "0.20"}])
    stored = Order.get_by_id(order.id)
    line = stored.lines.where(OrderLine.line_no == 1).get()
    assert isinstance(line.line_total, Decimal) and isinstance(stored.total, Decimal)
    assert line.line_total == Decimal(expected)
    assert stored.total == Decimal(expected) + Decimal("0.20")
    assert str(stored.total) == str(Decimal(expected) + Decimal("0.20"))


def test_catalogue_price_applies_when_unit_price_omitted(any_db):
    make_world()
    order, _ = place(lines=[{"sku": "GADGET", "quantity": 3}, {"sku": "WIDGET", "quantity": 1, "unit_price": None}])
    prices = [(line.sku, line.unit_price, line.line_total) for line in order.lines.order_by(OrderLine.line_no)]
    assert prices == [("GADGET", Decimal("25.50"), Decimal("76.50")), ("WIDGET", Decimal("10.00"), Decimal("10.00"))]
    assert Order.get_by_id(order.id).total == Decimal("86.50")


def test_same_channel_and_reference_returns_the_existing_order(any_db):
    make_world()
    first, created = place("PO-7")
    again, created_again = place("PO-7", lines=[{"sku": "WIDGET", "quantity": 99}])
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert Order.get_by_id(first.id).total == Decimal("45.50")  # the repeat changed nothing
    assert counts() == (1, 2, 1, 1)

    other_channel, created_other = place("PO-7", channel="portal")
    assert created_other is True and other_channel.id != first.id
    assert counts() == (2, 4, 2, 2)


@pytest.mark.parametrize("body, messages", [
    ({"customer_code": "NOBODY"}, {"customer_code": ["unknown customer 'NOBODY'"]}),
    ({"customer_code": "SUP1"}, {"customer_code": ["unknown customer 'SUP1'"]}),
    ({"lines": [{"sku": "WIDGET", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]},
     {"lines": {1: {"sku": ["unknown SKU 'NOPE'"]}}}),
    ({"lines": [{"sku": "X1", "quantity": 1}, {"sku": "GADGET", "quantity": 1}, {"sku": "X2", "quantity": 1}]},
     {"lines": {0: {"sku": ["unknown SKU 'X1'"]}, 2: {"sku": ["unknown SKU 'X2'"]}}}),
], ids=["unknown-customer", "supplier-is-no-buyer", "unknown-sku", "unknown-skus-by-index"])
def test_validation_failure_names_the_field_and_writes_nothing(any_db, body, messages):
    make_world()
    with pytest.raises(ValidationFailed) as raised:
        place(**body)
    assert raised.value.messages == messages
    assert counts() == (0, 0, 0, 0)


def test_inactive_product_is_unknown(any_db):
    world = make_world()
    world["gadget"].active = False
    world["gadget"].save()
    with pytest.raises(ValidationFailed) as raised:
        place()
    assert raised.value.messages == {"lines": {1: {"sku": ["unknown SKU 'GADGET'"]}}}
    assert counts() == (0, 0, 0, 0)


def test_distributor_places_for_customers_it_serves_and_for_itself(any_db):
    world = make_world()
    distributor = world["distributor"]
    for_customer, _ = place("D-1", placed_by=distributor)
    for_itself, _ = place("D-2", customer_code="DIST1", placed_by=distributor)
    assert (for_customer.customer_id, for_customer.placed_by_id) == (world["customer"].id, distributor.id)
    assert (for_itself.customer_id, for_itself.placed_by_id) == (distributor.id, distributor.id)


def test_distributor_may_not_place_for_a_customer_it_does_not_serve(any_db):
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R2", distributor=other)
    for customer_code in ("CUST2", "DIST2"):
        with pytest.raises(ValidationFailed) as raised:
            place("D-1", customer_code=customer_code, placed_by=world["distributor"])
        assert raised.value.messages == {"customer_code": [f"customer {customer_code!r} is not served by DIST1"]}
    assert counts() == (0, 0, 0, 0)


def test_racing_duplicates_create_one_order(pg_db):
    make_world()
    data = order_schema.load(order_body("PO-RACE"))
    gate, results = threading.Barrier(3), []

    def submit() -> None:
        with database.connection_context():
            gate.wait()
            order, created = place_order(data, actor="test")
            results.append((order.id, created))

    threads = [threading.Thread(target=submit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(created for _, created in results) == [False, False, True]
    assert len({order_id for order_id, _ in results}) == 1
    assert counts() == (1, 2, 1, 1)


def test_catalogue_price_in_another_currency_is_not_taken_as_is(any_db):
    make_world()
    body = order_body(lines=[{"sku": "WIDGET", "quantity": 1}])
    body["currency"] = "EUR"
    with pytest.raises(ValidationFailed) as raised:
        place_order(order_schema.load(body), actor="test")
    assert "lines" in raised.value.messages
    assert counts() == (0, 0, 0, 0)
