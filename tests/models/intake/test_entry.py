import threading
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.intake.rules import channel_scope
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from schemas.orders import order_schema
from tests.factories import make_world, order_body
from tests.statement_count import counted_statements


def place(ref: str = "PO-1", *, placed_by: Partner | None = None, **body):
    return place_order(order_schema.load(order_body(ref, **body)), actor="api:ops@relay.test", placed_by=placed_by)


def counts() -> tuple[int, int, int, int]:
    return (Order.select().count(), OrderLine.select().count(), OutboxMessage.select().count(),
            StatusChange.select().count())


def test_place_order_writes_order_lines_audit_and_one_review_message(any_db):
    world = make_world()
    order, created = place()
    assert created is True
    stored = Order.get_by_id(order.id)
    assert (stored.status, stored.channel, stored.external_ref, stored.customer_id, stored.placed_by_id) == \
        ("reviewing", "api", "PO-1", world["customer"].id, None)
    assert (stored.ship_to_region, stored.ship_to_country, stored.currency) == ("R1", "US", "USD")
    lines = [(line.line_no, line.sku, line.product_id, line.quantity, line.unit_price, line.line_total)
             for line in stored.lines.order_by(OrderLine.line_no)]
    assert lines == [(1, "WIDGET", world["widget"].id, 2, Decimal("10.00"), Decimal("20.00")),
                     (2, "GADGET", world["gadget"].id, 1, Decimal("25.50"), Decimal("25.50"))]
    assert (stored.subtotal, stored.total) == (Decimal("45.50"), Decimal("45.50"))
    assert (order.subtotal, order.total) == (Decimal("45.50"), Decimal("45.50"))
    audit = [(r.from_status, r.to_status, r.actor, r.reason) for r in StatusChange.trail("order", order.id)]
    assert audit == [(None, "received", "api:ops@relay.test", "placed via api"),
                     ("received", "reviewing", "api:ops@relay.test", "entered review on placement")]
    outbox = [(m.queue_name, m.actor_name, m.args, m.sent_at) for m in OutboxMessage.select()]
    assert outbox == [("oms_review", "review_orders", [[order.id]], None)]


@pytest.mark.parametrize("by", ["ops", "distributor"])
def test_a_new_order_reads_its_customer_and_reference_in_one_statement(any_db, by):
    world = make_world()
    placed_by = world["distributor"] if by == "distributor" else None
    with counted_statements() as statements:
        order, created = place(placed_by=placed_by)
    customer_reads = [sql for sql in statements if sql.startswith("SELECT") and '"partner"' in sql]
    assert len(customer_reads) == 1 and '"order"' in customer_reads[0], customer_reads
    # the customer with the reference; the products; the order, its lines, its audit, the review nudge
    assert len([sql for sql in statements if not sql.startswith(("BEGIN", "COMMIT"))]) <= 6, statements
    with counted_statements() as statements:
        again, created_again = place(placed_by=placed_by)
    assert (created, created_again, again.id) == (True, False, order.id)
    assert len(statements) == 2, statements  # the customer with the reference, then the order it names


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
    assert counts() == (1, 2, 1, 2)

    other_channel, created_other = place("PO-7", channel="portal")
    assert created_other is True and other_channel.id != first.id
    assert counts() == (2, 4, 2, 4)


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
    assert counts() == (1, 2, 1, 2)


def test_catalogue_price_in_another_currency_is_not_taken_as_is(any_db):
    make_world()
    body = order_body(lines=[{"sku": "WIDGET", "quantity": 1}, {"sku": "GADGET", "quantity": 2, "unit_price": "3"}])
    body["currency"] = "EUR"
    order, _ = place_order(order_schema.load(body), actor="test")
    lines = [(line.unit_price, line.price_given) for line in order.lines.order_by(OrderLine.line_no)]
    assert lines == [(Decimal("0.00"), False), (Decimal("3.00"), True)]  # review prices the first
    assert order.total == Decimal("6.00")


# --- whose reference: (channel, submitter, external_ref) -----------------------------------------

@pytest.fixture
def two_distributors(any_db):
    """make_world() (DIST1 serving CUST1) and DIST2 serving CUST2."""
    world = make_world()
    world["other"] = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=world["other"])
    return world


def test_another_distributors_reference_is_its_own_order_never_the_first(two_distributors):
    mine, other = two_distributors["distributor"], two_distributors["other"]
    first, created = place("PO-NE-9001", placed_by=mine)
    second, created_second = place("PO-NE-9001", customer_code="CUST2", placed_by=other)
    assert (created, created_second) == (True, True)
    assert second.id != first.id
    assert (second.customer.code, second.placed_by_id) == ("CUST2", other.id)
    repeat, created_repeat = place("PO-NE-9001", placed_by=mine)  # the same partner again: idempotent
    assert (repeat.id, created_repeat) == (first.id, False)
    repeat_other, created_other = place("PO-NE-9001", customer_code="CUST2", placed_by=other)
    assert (repeat_other.id, created_other) == (second.id, False)
    assert counts() == (2, 4, 2, 4)


def test_an_impostor_posting_first_does_not_swallow_the_real_order(two_distributors):
    impostor, real = two_distributors["other"], two_distributors["distributor"]
    taken, _ = place("PO-NE-9001", customer_code="CUST2", placed_by=impostor)
    order, created = place("PO-NE-9001", placed_by=real)
    assert created is True and order.id != taken.id
    assert (order.customer.code, order.placed_by_id) == ("CUST1", real.id)


def test_ops_references_are_per_customer_and_apart_from_a_distributors(two_distributors):
    for_cust1, _ = place("PO-100")
    for_cust2, created = place("PO-100", customer_code="CUST2")  # two customers' own PO-100
    assert created is True and for_cust2.id != for_cust1.id
    again, created_again = place("PO-100")
    assert (again.id, created_again) == (for_cust1.id, False)
    by_distributor, created_by = place("PO-100", placed_by=two_distributors["distributor"])
    assert created_by is True and by_distributor.id not in (for_cust1.id, for_cust2.id)
    assert Order.get_by_id(for_cust1.id).placed_by_id is None


def test_a_channel_scope_is_apart_from_every_submitter(two_distributors):
    by_distributor, _ = place("5940139491234", channel="shopify", placed_by=two_distributors["other"],
                              customer_code="CUST2")
    data = order_schema.load(order_body("5940139491234", channel="shopify"))
    from_shop, created = place_order(data, actor="channel:shopify", scope=channel_scope("shopify"))
    assert created is True and from_shop.id != by_distributor.id
    again, created_again = place_order(data, actor="channel:shopify", scope=channel_scope("shopify"))
    assert (again.id, created_again) == (from_shop.id, False)


def test_two_distributors_racing_on_one_reference_each_get_one_order(pg_db):
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=other)
    bodies = {world["distributor"].id: order_schema.load(order_body("PO-RACE")),
              other.id: order_schema.load(order_body("PO-RACE", customer_code="CUST2"))}
    partners = [world["distributor"], other] * 2
    gate, results = threading.Barrier(len(partners)), []

    def submit(partner: Partner) -> None:
        with database.connection_context():
            gate.wait()
            order, created = place_order(bodies[partner.id], actor="test", placed_by=partner)
            results.append((partner.id, order.id, order.placed_by_id, created))

    threads = [threading.Thread(target=submit, args=(partner,)) for partner in partners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(created for *_, created in results) == [False, False, True, True]
    assert all(partner_id == placed_by for partner_id, _, placed_by, _ in results)  # nobody got the other's
    assert len({order_id for _, order_id, _, _ in results}) == 2
    assert counts() == (2, 4, 2, 4)
