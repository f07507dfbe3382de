"""Set-based guarded status changes and multi-row updates, on SQLite and PostgreSQL."""
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.bulk import Move, transition_many, update_from_values
from models.core.bulk_copy import copy_value
from models.core.bulk_insert import COPY_FROM_ROWS, insert_values
from models.core.bulk_values import among
from models.core.db import is_sqlite
from models.core.errors import InvalidTransition
from models.intake.entry import place_order
from models.inventory.tables import Warehouse
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_DELIVERED,
    ORDER_ON_HOLD,
    ORDER_REVIEWING,
)
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from schemas.orders import order_schema
from tests.factories import make_world, order_body
from tests.statement_count import counted_statements


def make_order(status: str) -> Order:
    if not Partner.select().exists():
        make_world()
    count = Order.select().count()
    order, _ = place_order(order_schema.load(order_body(f"PO-{count + 1}")), actor="test")
    Order.update(status=status).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


def test_transition_many_moves_only_rows_still_in_their_expected_status(any_db):
    first, second, third = (make_order(status=ORDER_REVIEWING) for _ in range(3))
    Order.update(status=ORDER_ON_HOLD).where(Order.id == third.id).execute()  # moved by someone else meanwhile

    moved = transition_many("order", [Move(first.id, ORDER_REVIEWING, "fine"), Move(second.id, ORDER_REVIEWING, "ok"),
                                      Move(third.id, ORDER_REVIEWING, "late")], ORDER_APPROVED, actor="test")

    assert moved == {first.id, second.id}
    assert {o.id: (o.status, o.status_reason) for o in Order.select()} == {
        first.id: (ORDER_APPROVED, "fine"), second.id: (ORDER_APPROVED, "ok"), third.id: (ORDER_ON_HOLD, "")}
    trail = list(StatusChange.select().where(StatusChange.to_status == ORDER_APPROVED).order_by(StatusChange.entity_id))
    assert [(c.entity_id, c.from_status, c.reason, c.actor) for c in trail] == [
        (first.id, ORDER_REVIEWING, "fine", "test"), (second.id, ORDER_REVIEWING, "ok", "test")]


def test_transition_many_run_twice_changes_nothing_the_second_time(any_db):
    order = make_order(status=ORDER_REVIEWING)
    moves = [Move(order.id, ORDER_REVIEWING, "fine")]
    assert transition_many("order", moves, ORDER_APPROVED, actor="test") == {order.id}
    assert transition_many("order", moves, ORDER_APPROVED, actor="test") == set()
    assert StatusChange.select().where(StatusChange.to_status == ORDER_APPROVED).count() == 1


def test_transition_many_refuses_a_move_the_state_machine_forbids(any_db):
    order = make_order(status=ORDER_APPROVED)
    with pytest.raises(InvalidTransition, match="approved"):
        transition_many("order", [Move(order.id, ORDER_APPROVED)], ORDER_DELIVERED, actor="test")


def test_transition_many_through_a_status_writes_the_row_once_and_both_steps_to_the_trail(any_db):
    order, other = make_order(status=ORDER_REVIEWING), make_order(status=ORDER_ON_HOLD)
    moves = [Move(order.id, ORDER_REVIEWING, "planned"), Move(other.id, ORDER_REVIEWING, "late")]

    moved = transition_many("order", moves, ORDER_ALLOCATED, actor="test", via=ORDER_APPROVED,
                            via_reasons={order.id: "all checks passed"})

    assert moved == {order.id}
    assert (Order.get_by_id(order.id).status, Order.get_by_id(order.id).status_reason) == (ORDER_ALLOCATED, "planned")
    assert [(c.from_status, c.to_status, c.reason) for c in StatusChange.trail("order", order.id)][-2:] == [
        (ORDER_REVIEWING, ORDER_APPROVED, "all checks passed"), (ORDER_APPROVED, ORDER_ALLOCATED, "planned")]
    assert not StatusChange.select().where(StatusChange.entity_id == other.id,
                                           StatusChange.to_status == ORDER_APPROVED).exists()
    with pytest.raises(InvalidTransition, match="delivered"):  # each step must be one the machine allows
        transition_many("order", moves, ORDER_DELIVERED, actor="test", via=ORDER_APPROVED)


def test_update_from_values_writes_each_rows_own_values_exactly(any_db):
    orders = [make_order(status=ORDER_REVIEWING) for _ in range(3)]
    rows = [(o.id, Decimal("10.05") * (i + 1)) for i, o in enumerate(orders)]
    updated = update_from_values(Order, ("id", "total"), rows, set_from_values=("total",),
                                 casts={"total": "NUMERIC(14, 2)"})
    assert updated == {o.id for o in orders}
    assert [Order.get_by_id(o.id).total for o in orders] == [Decimal("10.05"), Decimal("20.10"), Decimal("30.15")]


def test_update_from_values_adds_to_a_column_only_where_the_guard_holds(any_db):
    first, second = make_order(ORDER_REVIEWING), make_order(ORDER_REVIEWING)
    Order.update(priority=5).where(Order.id == second.id).execute()
    updated = update_from_values(Order, ("id", "delta"), [(first.id, -2), (second.id, -2)],
                                 increments={"priority": "delta"}, extra_where='"order"."priority" + v."delta" >= 0',
                                 casts={"id": "INTEGER", "delta": "INTEGER"})
    assert updated == {second.id}
    assert [Order.get_by_id(o.id).priority for o in (first, second)] == [0, 3]


def test_among_matches_ids_as_in_does_with_one_parameter_on_postgres(any_db):
    rows = [Warehouse.create(code=f"W{n}", name=f"W{n}", region="r", address="").id for n in range(5)]
    wanted = rows[1:4]
    query = Warehouse.select(Warehouse.id).where(among(Warehouse.id, wanted)).order_by(Warehouse.id)
    assert [w.id for w in query] == wanted
    assert list(Warehouse.select().where(among(Warehouse.id, []))) == []
    sql, params = query.sql()
    literal = "{" + ",".join(map(str, wanted)) + "}"
    assert (sql.count("%s"), params) == (1, [literal]) if not is_sqlite() else params == wanted


class _Id(int):
    """An id that is not a plain int: no array text is written for it."""


def test_among_takes_ids_it_cannot_spell_as_array_text_as_a_list_parameter(any_db):
    rows = [Warehouse.create(code=f"W{n}", name=f"W{n}", region="r", address="").id for n in range(4)]
    query = Warehouse.select(Warehouse.id).where(among(Warehouse.id, [_Id(row) for row in rows[1:3]]))
    assert sorted(w.id for w in query) == rows[1:3]


@pytest.mark.parametrize("count", [3, 25])
def test_insert_values_writes_each_value_as_given_in_one_statement(any_db, count):
    """Below COPY_FROM_ROWS an INSERT, from it on PostgreSQL a COPY: the same rows either way (text with tabs,
    line breaks and backslashes, NULL, money, dates, times, booleans, defaults)."""
    world = make_world()
    order = make_order(ORDER_REVIEWING)
    invoices = [{"number": f"INV\t{n}\\x\nend", "customer": world["customer"].id, "order": None, "currency": "EUR",
                 "amount": Decimal("12.34") + n, "issued_at": datetime(2026, 12, 3, 19, 0, n, 123456),
                 "due_on": date(2027, 1, 1 + n % 28)} for n in range(count)]
    lines = [{"order": order.id, "line_no": 100 + n, "product": world["widget"].id, "sku": "WIDGET", "quantity": n + 1,
              "unit_price": Decimal("1.05"), "line_total": Decimal("1.05") * (n + 1), "price_given": n % 2 == 0}
             for n in range(count)]
    with counted_statements() as statements:
        insert_values(Invoice, invoices)
    copied = not is_sqlite() and count >= COPY_FROM_ROWS
    assert [sql.split()[0] for sql in statements] == ["COPY" if copied else "INSERT"]
    insert_values(OrderLine, lines)
    stored = list(Invoice.select().order_by(Invoice.id))
    assert [(i.number, i.order_id, i.amount, i.paid, i.status, i.issued_at, i.due_on) for i in stored] == [
        (row["number"], None, row["amount"], Decimal("0.00"), "open", row["issued_at"], row["due_on"])
        for row in invoices]
    kept = OrderLine.select().where(OrderLine.line_no >= 100).order_by(OrderLine.line_no)
    assert [(line.quantity, line.line_total, line.price_given) for line in kept] == [
        (row["quantity"], row["line_total"], row["price_given"]) for row in lines]


def test_a_value_copy_has_no_text_for_is_refused():
    with pytest.raises(TypeError, match="no COPY text for a dict"):
        copy_value({"a": 1})


def test_update_from_values_writes_any_text_and_a_column_of_nulls_exactly(any_db):
    texts = ["", "NULL", 'say "hi"', "back\\slash", "{a,b}", "it's", "漢字"]
    orders = [make_order(ORDER_REVIEWING) for _ in texts]
    Order.update(placed_by=Partner.select(Partner.id).limit(1)).execute()
    rows = [(o.id, text, None) for o, text in zip(orders, texts)]
    updated = update_from_values(Order, ("id", "status_reason", "placed_by_id"), rows,
                                 set_from_values=("status_reason", "placed_by_id"))
    assert updated == {o.id for o in orders}
    assert [(Order.get_by_id(o.id).status_reason, Order.get_by_id(o.id).placed_by_id) for o in orders] == [
        (text, None) for text in texts]
