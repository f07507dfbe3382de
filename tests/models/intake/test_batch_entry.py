from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.outbox import OutboxMessage
from models.intake.batch_entry import PlacementResult, place_orders
from models.intake.entry import place_order
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def bodies(*refs: str, **body) -> list[dict]:
    return [order_schema.load(order_body(ref, **body)) for ref in refs]


def counted(monkeypatch) -> list[str]:
    """The SQL statements run from now on, but for transaction control (a savepoint inside the test's own)."""
    statements: list[str] = []
    real = type(database.obj).execute_sql

    def counting(self, sql, *args, **kwargs):
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            statements.append(sql)
        return real(self, sql, *args, **kwargs)

    monkeypatch.setattr(type(database.obj), "execute_sql", counting)
    return statements


def test_statements_do_not_grow_with_the_batch(any_db, monkeypatch):
    make_world()
    statements = counted(monkeypatch)
    place_orders(bodies(*(f"S-{n}" for n in range(10))), actor="test")
    ten = len(statements)
    statements.clear()
    place_orders(bodies(*(f"T-{n}" for n in range(20))), actor="test")
    assert len(statements) == ten <= 7  # customers, orders, products; orders, lines, audit, outbox
    assert Order.select().count() == 30


def test_orders_land_in_review_with_two_audit_rows_each_and_one_nudge(any_db):
    world = make_world()
    results = place_orders(bodies("B-1", "B-2", "B-3"), actor="api:ops@relay.test")
    ids = [result.order_id for result in results]
    assert [(result.created, result.status, result.errors) for result in results] == \
        [(True, "reviewing", None)] * 3
    stored = {order.id: order for order in Order.select()}
    assert set(stored) == set(ids)
    for order_id, ref in zip(ids, ("B-1", "B-2", "B-3")):
        order = stored[order_id]
        assert (order.external_ref, order.status, order.customer_id, order.intake_scope, order.total) == \
            (ref, "reviewing", world["customer"].id, f"ops:customer:{world['customer'].id}", Decimal("45.50"))
        lines = [(line.line_no, line.sku, line.product_id, line.quantity, line.unit_price, line.line_total)
                 for line in order.lines.order_by(OrderLine.line_no)]
        assert lines == [(1, "WIDGET", world["widget"].id, 2, Decimal("10.00"), Decimal("20.00")),
                         (2, "GADGET", world["gadget"].id, 1, Decimal("25.50"), Decimal("25.50"))]
        audit = [(r.from_status, r.to_status, r.actor, r.reason) for r in StatusChange.trail("order", order_id)]
        assert audit == [(None, "received", "api:ops@relay.test", "placed via api"),
                         ("received", "reviewing", "api:ops@relay.test", "entered review on placement")]
    outbox = [(m.queue_name, m.actor_name, m.args) for m in OutboxMessage.select()]
    assert outbox == [("oms_review", "review_orders", [ids])]


@pytest.mark.parametrize("bad, messages", [
    (order_body("X", lines=[{"sku": "WIDGET", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]),
     {"lines": {1: {"sku": ["unknown SKU 'NOPE'"]}}}),
    (order_body("X", customer_code="NOBODY"), {"customer_code": ["unknown customer 'NOBODY'"]}),
    (order_body("X", customer_code="CUST2"), {"customer_code": ["customer 'CUST2' is not served by DIST1"]}),
], ids=["unknown-sku", "unknown-customer", "not-served"])
def test_a_bad_body_is_reported_and_the_others_are_placed(any_db, bad, messages):
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=other)
    batch = [*bodies("G-1"), order_schema.load(bad), *bodies("G-2")]
    results = place_orders(batch, actor="test", placed_by=world["distributor"])
    assert results[1] == PlacementResult(errors=messages)
    assert [results[0].created, results[2].created] == [True, True]
    assert sorted(ref for (ref,) in Order.select(Order.external_ref).tuples()) == ["G-1", "G-2"]
    assert [m.args for m in OutboxMessage.select()] == [[[results[0].order_id, results[2].order_id]]]


def test_an_existing_reference_and_a_repeated_one_answer_the_first_order(any_db):
    make_world()
    before, _ = place_order(bodies("R-1")[0], actor="test")
    results = place_orders(bodies("R-1", "R-2", "R-2", "R-1"), actor="test")
    assert [(r.order_id, r.created) for r in results] == \
        [(before.id, False), (results[1].order_id, True), (results[1].order_id, False), (before.id, False)]
    assert results[1].order_id != before.id
    assert Order.select().count() == 2
    assert StatusChange.select().count() == 4
    assert [m.args for m in OutboxMessage.select().order_by(OutboxMessage.id)] == \
        [[[before.id]], [[results[1].order_id]]]


def test_a_reference_taken_by_a_racing_placement_answers_created_false(any_db, monkeypatch):
    import models.intake.batch_entry as batch_entry

    make_world()
    real = batch_entry._orders
    racing: list[Order] = []

    def look_then_race(keys):
        found = real(keys)
        if not racing and keys:  # between our look-up and our insert, another placement takes R-9
            racing.append(place_order(bodies("R-9")[0], actor="racer")[0])
        return found

    monkeypatch.setattr(batch_entry, "_orders", look_then_race)
    results = place_orders(bodies("R-8", "R-9"), actor="test")
    assert [(r.created, r.errors) for r in results] == [(True, None), (False, None)]
    assert results[1].order_id == racing[0].id
    assert Order.select().count() == 2 and OrderLine.select().count() == 4
    assert StatusChange.select().count() == 4


def test_another_distributor_sending_the_same_reference_gets_its_own_order(any_db):
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R1")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=other)
    first, _ = place_order(bodies("PO-NE-1")[0], actor="test", placed_by=world["distributor"])
    [mine] = place_orders(bodies("PO-NE-1", customer_code="CUST2"), actor="test", placed_by=other)
    assert mine.created is True and mine.order_id != first.id
    assert Order.get_by_id(mine.order_id).placed_by_id == other.id
    [again] = place_orders(bodies("PO-NE-1"), actor="test", placed_by=world["distributor"])
    assert (again.order_id, again.created) == (first.id, False)


def test_a_line_without_a_price_in_another_currency_is_left_for_review_to_price(any_db):
    make_world()
    euro = order_body("E-1", lines=[{"sku": "WIDGET", "quantity": 1}])
    euro["currency"] = "EUR"
    results = place_orders([order_schema.load(euro), *bodies("E-2")], actor="test")
    assert (results[0].created, results[0].errors, results[1].created) == (True, None, True)
    line = OrderLine.get(OrderLine.order == results[0].order_id)
    assert (line.unit_price, line.price_given) == (Decimal("0.00"), False)  # a placeholder, not the USD price
    given = OrderLine.select().where(OrderLine.order == results[1].order_id).order_by(OrderLine.line_no)
    assert [line.price_given for line in given] == [True, False]  # the default body leaves GADGET unpriced


def test_an_empty_batch_places_nothing(any_db):
    assert place_orders([], actor="test") == []
