from decimal import Decimal

import pytest

from models.allocation_rules import LineDemand, Pick, SourceOption, plan_first_fit, source_order

WIDGET, GADGET = 1, 2


def source(code: str, cost: str, lead: int = 1, **available: int) -> SourceOption:
    """A warehouse whose id is its code's position in the alphabet; available given as widget=/gadget=."""
    ids = {"widget": WIDGET, "gadget": GADGET}
    return SourceOption(warehouse_id=ord(code[0]) - 64, warehouse_code=code, cost=Decimal(cost),
                        lead_time_days=lead, available={ids[name]: units for name, units in available.items()})


LINES = (LineDemand(line_id=10, product_id=WIDGET, quantity=5), LineDemand(line_id=11, product_id=GADGET, quantity=2))


@pytest.mark.parametrize("sources, expected", [
    ([source("B", "9.00"), source("A", "5.00")], ["A", "B"]),
    ([source("A", "10.00"), source("B", "9.50")], ["B", "A"]),  # numeric, not text, order
    ([source("A", "5.00", lead=3), source("B", "5.00", lead=1)], ["B", "A"]),
    ([source("C", "5.00", lead=2), source("A", "5.00", lead=2), source("B", "5.00", lead=2)], ["A", "B", "C"]),
    ([source("A", "5.00", lead=9), source("B", "4.99", lead=9), source("C", "5.00", lead=1)], ["B", "C", "A"]),
    ([], []),
], ids=["cheapest-first", "decimal-not-text", "tie-lead-time", "tie-code", "cost-beats-lead-time", "none"])
def test_source_order(sources, expected):
    assert [s.warehouse_code for s in source_order(sources)] == expected


@pytest.mark.parametrize("sources, warehouse, explanation", [
    ([source("W", "9.00", 3, widget=50, gadget=50), source("E", "5.00", 1, widget=50, gadget=50)],
     "E", "E: fills all lines (lane cost 5.00, 1 d)"),
    ([source("E", "5.00", 1, widget=4, gadget=50), source("W", "9.00", 3, widget=50, gadget=50)],
     "W", "E: short on 1 product(s); W: fills all lines (lane cost 9.00, 3 d)"),
    ([source("E", "5.00", 1, widget=50), source("W", "9.00", 3, widget=5, gadget=2)],
     "W", "E: short on 1 product(s); W: fills all lines (lane cost 9.00, 3 d)"),
    ([source("E", "5.00", 1, widget=5, gadget=2)], "E", "E: fills all lines (lane cost 5.00, 1 d)"),
    ([source("F", "5.00", 4, widget=9, gadget=9), source("E", "5.00", 2, widget=9, gadget=9)],
     "E", "E: fills all lines (lane cost 5.00, 2 d)"),
], ids=["cheapest", "cheaper-short-skipped", "product-missing-means-none", "exact-quantity", "tie-by-lead-time"])
def test_plan_first_fit_ships_whole_order_from_first_that_fills(sources, warehouse, explanation):
    plan = plan_first_fit(LINES, sources)
    warehouse_id = ord(warehouse) - 64
    assert plan.complete
    assert plan.picks == (Pick(10, WIDGET, warehouse_id, 5), Pick(11, GADGET, warehouse_id, 2))
    assert plan.explanation == explanation


@pytest.mark.parametrize("sources, explanation", [
    ([], "no warehouse ships to this region"),
    ([source("E", "5.00", 1, widget=4, gadget=2)],
     "no single warehouse can fill the order: E: short on 1 product(s)"),
    ([source("W", "9.00", 3, widget=5, gadget=1), source("E", "5.00", 1, widget=0, gadget=0)],
     "no single warehouse can fill the order: E: short on 2 product(s); W: short on 1 product(s)"),
    ([source("E", "5.00", 1, widget=5), source("W", "9.00", 3, gadget=2)],
     "no single warehouse can fill the order: E: short on 1 product(s); W: short on 1 product(s)"),
], ids=["no-sources", "one-less-than-needed", "lists-every-warehouse-in-order", "split-would-fill"])
def test_plan_first_fit_incomplete(sources, explanation):
    plan = plan_first_fit(LINES, sources)
    assert not plan.complete
    assert plan.picks == ()
    assert plan.explanation == explanation


def test_two_lines_of_one_product_need_their_sum():
    lines = (LineDemand(1, WIDGET, 3), LineDemand(2, WIDGET, 3))
    plan = plan_first_fit(lines, [source("E", "5.00", 1, widget=5), source("W", "9.00", 3, widget=6)])
    assert {pick.warehouse_id for pick in plan.picks} == {ord("W") - 64}
