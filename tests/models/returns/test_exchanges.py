"""Exchange orders: the replacement goods of a return, placed once at no charge, through the normal pipeline."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models.core.errors import InvalidTransition, ValidationFailed
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.invariants import CHECKS, run_checks
from models.inventory.tables import Product, Stock
from models.orders.flow import allocate, review
from models.orders.tables import Order, OrderLine, Reservation
from models.returns.exchanges import create_exchange_order
from models.returns.tables import ReturnLine, ReturnRequest
from models.review.reviews import latest_review
from schemas.orders import order_schema
from tests.concurrency import same_call_in_threads
from tests.factories import delivered_order, make_world, order_body

ACTOR = "worker:test"
SHIP_TO = ("ship_to_name", "ship_to_phone", "ship_to_email", "ship_to_address", "ship_to_city", "ship_to_region",
           "ship_to_postcode", "ship_to_country")


def an_exchange(order: Order, units: dict[str, int], *, to: dict[str, Product] | None = None,
                status: str = "inspected", resolution: str = "exchange") -> int:
    """A return of ``units`` (sku -> quantity) of the order, exchanged for ``to[sku]`` or the same SKU."""
    request = ReturnRequest.create(order=order.id, customer=order.customer_id, status=status, resolution=resolution,
                                   reason="defective", currency=order.currency)
    for line in OrderLine.select().where(OrderLine.order == order.id, OrderLine.sku.in_(list(units))):
        ReturnLine.create(return_request=request.id, order_line=line.id, quantity=units[line.sku],
                          exchange_product=(to or {}).get(line.sku))
    return request.id


def lines_of(order: Order) -> list[tuple]:
    return [(line.sku, line.quantity, line.unit_price, line.line_total)
            for line in OrderLine.select().where(OrderLine.order == order.id).order_by(OrderLine.line_no)]


def review_nudges() -> list:
    return [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == "review_orders")
            .order_by(OutboxMessage.id)]


def test_an_exchange_order_is_placed_once_at_no_charge_to_the_same_ship_to(any_db):
    make_world()
    original = delivered_order()
    return_id = an_exchange(original, {"WIDGET": 1, "GADGET": 1})
    nudged_before = review_nudges()

    order = create_exchange_order(return_id, actor="ops@example.com")

    assert create_exchange_order(return_id, actor="ops@example.com").id == order.id
    assert Order.select().where(Order.channel == "exchange").count() == 1
    assert (order.channel, order.external_ref, order.status, order.total, order.customer_id) == (
        "exchange", f"PO-1/X{return_id}", "reviewing", Decimal("0.00"), original.customer_id)
    assert order.notes == f"Exchange for return {return_id} of order PO-1"
    assert [getattr(order, name) for name in SHIP_TO] == [getattr(original, name) for name in SHIP_TO]
    assert lines_of(order) == [("WIDGET", 1, Decimal("0.00"), Decimal("0.00")),
                               ("GADGET", 1, Decimal("0.00"), Decimal("0.00"))]
    assert review_nudges() == [*nudged_before, [[order.id]]]
    assert ReturnRequest.get_by_id(return_id).replacement_order_id == order.id


def test_an_exchange_to_another_sku_of_the_same_price(any_db):
    world = make_world()
    red = Product.create(sku="WIDGET-RED", name="Red widget", unit_price=Decimal("10.00"),
                         weight_kg=Decimal("0.5"), supplier=world["supplier"])
    Stock.create(warehouse=world["east"], product=red, on_hand=5)
    return_id = an_exchange(delivered_order(), {"WIDGET": 2}, to={"WIDGET": red})
    order = create_exchange_order(return_id, actor=ACTOR)
    assert lines_of(order) == [("WIDGET-RED", 2, Decimal("0.00"), Decimal("0.00"))]


def test_an_exchange_to_a_sku_of_another_price_is_refused_naming_the_line(any_db):
    world = make_world()
    return_id = an_exchange(delivered_order(), {"WIDGET": 2, "GADGET": 1}, to={"GADGET": world["widget"]})
    with pytest.raises(ValidationFailed) as refused:
        create_exchange_order(return_id, actor=ACTOR)
    assert list(refused.value.messages) == ["lines"]
    assert list(refused.value.messages["lines"]) == [1]  # lines[1], the GADGET line
    (message,) = refused.value.messages["lines"][1]["exchange_sku"]
    assert message == "WIDGET costs 10.00 USD, not the 25.50 USD of GADGET it would replace"
    assert Order.select().where(Order.channel == "exchange").count() == 0
    assert ReturnRequest.get_by_id(return_id).replacement_order_id is None


def test_only_an_approved_exchange_gets_a_replacement(any_db):
    make_world()
    original = delivered_order()
    with pytest.raises(ValidationFailed) as refused:
        create_exchange_order(an_exchange(original, {"WIDGET": 1}, resolution="refund"), actor=ACTOR)
    assert "resolution" in refused.value.messages
    with pytest.raises(InvalidTransition, match="requested"):
        create_exchange_order(an_exchange(original, {"GADGET": 1}, status="requested"), actor=ACTOR)
    assert Order.select().where(Order.channel == "exchange").count() == 0


def test_the_exchange_order_is_reviewed_without_a_duplicate_hold_and_allocated(any_db):
    make_world()
    original = delivered_order()  # seconds ago: well inside the duplicate window
    return_id = an_exchange(original, {"WIDGET": 2, "GADGET": 1})  # the very lines of the original order

    order = create_exchange_order(return_id, actor=ACTOR)
    assert review(order.id, actor=ACTOR) == "approve"
    assert latest_review(order.id).code_list == []
    assert allocate(order.id, actor=ACTOR) == "allocated"
    reserved = (Reservation.select(OrderLine.sku, Reservation.quantity).join(OrderLine)
                .where(OrderLine.order == order.id, Reservation.status == "active").order_by(OrderLine.line_no)
                .tuples())
    assert list(reserved) == [("WIDGET", 2), ("GADGET", 1)]
    assert run_checks() == {name: [] for name in CHECKS}


def test_a_customer_order_is_no_duplicate_of_an_exchange_order(any_db):
    make_world()
    original = delivered_order()
    order = create_exchange_order(an_exchange(original, {"WIDGET": 2, "GADGET": 1}), actor=ACTOR)
    # the duplicate rule still holds a real repeat, naming the original order only
    repeat, _ = place_order(order_schema.load(order_body("PO-2")), actor="test")
    assert review(repeat.id, actor=ACTOR) == "hold"
    (reason,) = latest_review(repeat.id).reasons
    assert (reason["code"], reason["numbers"]["duplicate_of"]) == ("suspected_duplicate", str(original.id))
    assert order.id != original.id


def test_exchange_orders_of_one_return_in_parallel_make_one_order(pg_db):
    """Concurrent calls queue on the return's row lock: one order, linked on the return."""
    make_world()
    return_id = an_exchange(delivered_order(), {"WIDGET": 1})
    orders, errors = same_call_in_threads(lambda: create_exchange_order(return_id, actor=ACTOR).id)
    assert errors == []
    assert len(orders) == 4 and set(orders) == {ReturnRequest.get_by_id(return_id).replacement_order_id}
    assert Order.select().where(Order.channel == "exchange").count() == 1
