from datetime import date
from decimal import Decimal

import pytest

from models.orders.change_rules import (
    LineState,
    OrderState,
    change_diff,
    may_state_prices,
    refusal,
    wanted_lines,
)

BEFORE = OrderState(ship_to={"name": "Ada", "region": "R9", "country": "US"}, requested_delivery_date=None,
                    lines=(LineState("WIDGET", 2, Decimal("10.00")), LineState("GADGET", 1, Decimal("25.50"), False)))


@pytest.mark.parametrize("status, role, left, holds, refused", [
    ("allocated", "ops_agent", False, True, False),
    ("partially_allocated", "ops_admin", False, True, False),
    ("backordered", "distributor", False, False, False),
    ("on_hold", "distributor", False, False, False),
    ("approved", "distributor", False, False, False),
    ("allocated", "distributor", False, True, True),
    ("backordered", "distributor", False, True, True),
    ("allocated", "ops_admin", True, True, True),
    ("shipped", "ops_admin", False, False, True),
    ("delivered", "ops_admin", False, False, True),
    ("cancelled", "ops_admin", False, False, True),
    ("rejected", "ops_admin", False, False, True),
])
def test_who_may_change_in_which_status(status, role, left, holds, refused):
    assert (refusal(status, role=role, shipment_left=left, holds_stock=holds) is not None) == refused


def test_a_shipment_that_left_is_the_reason_given():
    assert "shipment" in refusal("allocated", role="ops_admin", shipment_left=True, holds_stock=True)
    assert "reserved" in refusal("allocated", role="distributor", shipment_left=False, holds_stock=True)


@pytest.mark.parametrize("role, may", [("ops_admin", True), ("sales_manager", True), ("distributor", True),
                                       ("ops_agent", False), ("credit_controller", False)])
def test_who_may_state_prices(role, may):
    assert may_state_prices(role) is may


def test_a_line_without_price_keeps_the_orders_price_and_a_new_sku_takes_the_catalogues():
    lines = wanted_lines(BEFORE.lines, [{"sku": "WIDGET", "quantity": 5, "unit_price": None},
                                        {"sku": "GIZMO", "quantity": 1, "unit_price": None}],
                         {"GIZMO": Decimal("3.00")})
    assert lines == (LineState("WIDGET", 5, Decimal("10.00"), True), LineState("GIZMO", 1, Decimal("3.00"), False))


def test_the_same_lines_in_another_order_change_nothing():
    lines = wanted_lines(BEFORE.lines, [{"sku": "GADGET", "quantity": 1}, {"sku": "WIDGET", "quantity": 2,
                                                                          "unit_price": Decimal("10.00")}], {})
    diff = change_diff(BEFORE, {"ship_to": {"region": "R9"}, "requested_delivery_date": None}, lines)
    assert diff.empty


def test_the_diff_holds_each_changed_field_and_the_lines_before_and_after():
    lines = wanted_lines(BEFORE.lines, [{"sku": "WIDGET", "quantity": 3}], {})
    diff = change_diff(BEFORE, {"ship_to": {"region": "R1", "name": "Ada"},
                                "requested_delivery_date": date(2026, 12, 24)}, lines)
    assert diff.before["ship_to"] == {"region": "R9"} and diff.after["ship_to"] == {"region": "R1"}
    assert (diff.before["requested_delivery_date"], diff.after["requested_delivery_date"]) == (None, "2026-12-24")
    assert [line["sku"] for line in diff.before["lines"]] == ["WIDGET", "GADGET"]
    assert diff.after["lines"] == [{"sku": "WIDGET", "quantity": 3, "unit_price": "10.00", "price_given": True}]
    assert diff.price_stated == ()
    assert diff.summary() == "changed: ship-to region, requested delivery date, lines"


@pytest.mark.parametrize("line, stated", [
    ({"sku": "WIDGET", "quantity": 2, "unit_price": Decimal("10.00")}, ()),  # the same price again
    ({"sku": "WIDGET", "quantity": 2, "unit_price": Decimal("9.00")}, ("WIDGET",)),
    ({"sku": "GADGET", "quantity": 1, "unit_price": Decimal("25.50")}, ("GADGET",)),  # had no stated price
    ({"sku": "GIZMO", "quantity": 1, "unit_price": Decimal("1.00")}, ("GIZMO",)),
])
def test_a_stated_price_is_one_the_order_did_not_have(line, stated):
    diff = change_diff(BEFORE, {}, wanted_lines(BEFORE.lines, [line], {}))
    assert diff.price_stated == stated
