"""Asking for a return: what can be returned, what the rules decide, and what is kept with the return."""
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.errors import ValidationFailed
from models.core.outbox import OutboxMessage
from models.core.stages import RETURNS
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order
from models.returns.exchanges import create_exchange_order
from models.returns.flow import Inspected, inspect_return, receive_return, settle_return
from models.returns.labels import return_parcel
from models.returns.requesting import (
    RequestedLine,
    approve_return,
    reject_return,
    request_return,
)
from models.returns.rules import DEFAULT_SETTINGS
from models.returns.settings import save_return_rules
from models.returns.tables import Refund, ReturnLabel, ReturnRequest
from models.shipping.tracking_lookup import find_tracked_orders
from models.sweeper import redrive_stuck_returns
from tests.factories import ask, delivered_order, make_world


def returning(order: Order, *lines: RequestedLine, resolution: str = "refund") -> ReturnRequest:
    return request_return(order.id, resolution=resolution, reason="damaged", comment="", lines=list(lines),
                          via="api", actor="api:test")


def errors_of(order: Order, *lines: RequestedLine, resolution: str = "refund") -> dict:
    with pytest.raises(ValidationFailed) as raised:
        returning(order, *lines, resolution=resolution)
    return raised.value.messages


def test_an_auto_approved_return_keeps_its_decision_version_and_value_and_is_nudged_on(any_db):
    make_world()
    order = delivered_order()
    request = ask(order, quantity=2)
    assert (request.status, request.decision, request.reasons) == ("approved", "auto_approved", [])
    assert (request.refund_amount, request.currency, request.rule_set_version) == (Decimal("20.00"), "USD", 1)
    assert OutboxMessage.select().where(OutboxMessage.actor_name == RETURNS.actor_name).count() == 1


def test_lines_are_checked_against_what_was_delivered_and_returned_before(any_db):
    make_world()
    order = delivered_order()  # 2 WIDGET, 1 GADGET
    assert errors_of(order, RequestedLine("NOPE", 1)) == {"lines[0].sku": ["NOPE is not on order PO-1"]}
    assert "lines[1].sku" in errors_of(order, RequestedLine("WIDGET", 1), RequestedLine("WIDGET", 1))
    assert errors_of(order, RequestedLine("WIDGET", 3)) == {
        "lines[0].quantity": ["only 2 of 2 delivered units of WIDGET can still be returned"]}
    ask(order, quantity=2)
    assert "lines[0].quantity" in errors_of(order, RequestedLine("WIDGET", 1))
    assert ReturnRequest.select().count() == 1  # refused requests leave nothing behind


def test_units_of_a_rejected_return_can_be_asked_for_again_and_the_rule_notices(any_db):
    make_world()
    order = delivered_order()
    first = ask(order, "no_longer_needed")
    assert reject_return(first.id, actor="ops", note="used")
    second = ask(order, quantity=2)
    assert second.status == "approved"
    third_order_line_return = errors_of(order, RequestedLine("WIDGET", 1))
    assert "lines[0].quantity" in third_order_line_return
    partial = ask(order, sku="GADGET")
    assert partial.status == "approved"


def test_a_line_returned_before_sends_the_next_return_of_it_to_a_person(any_db):
    make_world()
    order = delivered_order()
    ask(order, quantity=1)
    again = ask(order, quantity=1)
    assert (again.status, [r["code"] for r in again.reasons]) == ("requested", ["already_returned"])
    assert approve_return(again.id, actor="ops", note="fine") and not approve_return(again.id, actor="ops")


def test_only_delivered_orders_are_returned_and_exchange_skus_must_fit(any_db):
    world = make_world()
    order = delivered_order()
    Order.update(status="shipped").where(Order.id == order.id).execute()
    assert "order_id" in errors_of(order, RequestedLine("WIDGET", 1))
    Order.update(status="delivered").where(Order.id == order.id).execute()
    assert "lines[0].exchange_sku" in errors_of(order, RequestedLine("WIDGET", 1, "GADGET"))  # refund
    assert "lines[0].exchange_sku" in errors_of(order, RequestedLine("WIDGET", 1, "GADGET"), resolution="exchange")
    Product.create(sku="WIDGET-BLUE", name="Blue widget", unit_price=world["widget"].unit_price)
    swap = returning(order, RequestedLine("WIDGET", 1, "WIDGET-BLUE"), resolution="exchange")
    assert swap.lines[0].exchange_product.sku == "WIDGET-BLUE"


def test_a_final_sale_sku_goes_to_a_person(any_db):
    world = make_world()
    Product.update(final_sale=True).where(Product.id == world["gadget"].id).execute()
    order = delivered_order()
    request = ask(order, sku="GADGET")
    assert [r["code"] for r in request.reasons] == ["final_sale"]


@pytest.mark.parametrize("below, paid_at_once", [("10.01", True), ("10.00", False)])
def test_low_value_refunds_are_paid_on_approval_when_configured(any_db, below, paid_at_once):
    make_world()
    save_return_rules(replace(DEFAULT_SETTINGS, refund_on_approval_below=Decimal(below)), actor="test")
    request = ask(delivered_order())  # one widget: 10.00
    refund = Refund.get_or_none(Refund.return_request == request.id)
    assert (refund is not None) is paid_at_once
    if refund is not None:
        assert (refund.amount, refund.method) == (Decimal("10.00"), "credit_note")


def test_the_sweeper_nudges_returns_left_without_their_next_step(any_db):
    make_world()
    waiting = ask(delivered_order())  # approved, its nudge lost with a broker outage
    OutboxMessage.update(sent_at=OutboxMessage.created_at).execute()
    ReturnRequest.update(status_changed_at=utc_now() - timedelta(hours=1)).execute()
    assert redrive_stuck_returns(timedelta(minutes=5)) == 1
    assert [m.args for m in OutboxMessage.unsent().where(OutboxMessage.actor_name == RETURNS.actor_name)] == [
        [[waiting.id]]]
    ReturnLabel.create(return_request=waiting.id, carrier="sandbox", idempotency_key="k1", status="failed")
    assert redrive_stuck_returns(timedelta(minutes=5)) == 0  # a failed label waits for ops, not the sweeper


def test_an_exchange_received_before_the_worker_ran_still_gets_its_replacement(any_db):
    make_world()
    request = ask(delivered_order(), resolution="exchange")  # approved; the returns worker has not run
    assert receive_return(request.id, actor="ops")
    line = request.lines[0]
    assert inspect_return(request.id, [Inspected(line.id, "resellable")], actor="ops")
    assert settle_return(request.id, actor="ops")
    settled = ReturnRequest.get_by_id(request.id)
    assert settled.status == "closed" and settled.replacement_order is not None
    assert settled.replacement_order.channel == "exchange"
    assert not Refund.select().exists()


def test_a_replacement_order_is_found_on_the_tracking_page(any_db):
    make_world()
    request = ask(delivered_order(postcode="SW1A 1AA"), resolution="exchange")
    replacement = create_exchange_order(request.id, actor="test")
    [found] = find_tracked_orders(replacement.external_ref, postcode="sw1a 1aa")
    assert found.order_id == replacement.id


def test_the_reverse_label_goes_to_the_warehouse_address(any_db):
    world = make_world()
    request = ask(delivered_order())
    assert return_parcel(request.id).ship_to["postcode"] == "EAST"  # no postcode on file: the code stands in
    Warehouse.update(city="Newark", postcode="07114", country="US").where(Warehouse.id == world["east"].id).execute()
    ship_to = return_parcel(request.id).ship_to
    assert (ship_to["address"], ship_to["city"], ship_to["postcode"], ship_to["country"]) == \
        ("1 East Road", "Newark", "07114", "US")
