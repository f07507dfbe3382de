import json
from decimal import Decimal

import pytest

from models.allocation.routing import (
    RouteAction,
    RouteFilter,
    RoutingContext,
    RoutingRule,
    apply_routing,
    rules_from_document,
    rules_to_document,
)
from models.allocation.rules import (
    LineDemand,
    PlanPolicy,
    SourceOption,
    plan_allocation,
)

WIDGET, GADGET = 1, 2
EAST = SourceOption(1, "EAST", Decimal("5.00"), 1, {WIDGET: 10, GADGET: 1})
WEST = SourceOption(2, "WEST", Decimal("9.00"), 3, {WIDGET: 50, GADGET: 50})
NORTH = SourceOption(3, "NORTH", Decimal("7.00"), 2, {WIDGET: 3})
ACME = SourceOption(None, "ACME", Decimal("2.00"), 6, {WIDGET: 10_000}, supplier_id=70)
SOURCES = (EAST, WEST, NORTH, ACME)
POLICY = PlanPolicy()
CONTEXT = RoutingContext(channel="edi", priority=5, region="R1", customer_code="CUST1",
                         skus=frozenset({"WIDGET", "GADGET"}), orders_today={"EAST": 10, "WEST": 200})


def rule(name="r", *, stop=True, enabled=True, when=None, **action) -> RoutingRule:
    return RoutingRule(name, when or RouteFilter(), RouteAction(stop=stop, **action), enabled)


def route(*rules, ctx=CONTEXT, sources=SOURCES, policy=POLICY):
    return apply_routing(rules, ctx, sources, policy)


def codes(outcome) -> list[str]:
    return [source.warehouse_code for source in outcome.sources]


# --- filters -------------------------------------------------------------------------------------

@pytest.mark.parametrize("route_filter, matches", [
    (RouteFilter(), True),
    (RouteFilter(channels=frozenset({"edi", "api"})), True),
    (RouteFilter(channels=frozenset({"portal"})), False),
    (RouteFilter(min_priority=5), True),
    (RouteFilter(min_priority=6), False),
    (RouteFilter(regions=frozenset({"R1"})), True),
    (RouteFilter(regions=frozenset({"R2"})), False),
    (RouteFilter(skus=frozenset({"GADGET", "GIZMO"})), True),  # any one SKU of the order is enough
    (RouteFilter(skus=frozenset({"GIZMO"})), False),
    (RouteFilter(customers=frozenset({"CUST1"})), True),
    (RouteFilter(customers=frozenset({"CUST2"})), False),
    (RouteFilter(channels=frozenset({"edi"}), regions=frozenset({"R1"}), customers=frozenset({"CUST1"})), True),
    (RouteFilter(channels=frozenset({"edi"}), regions=frozenset({"R2"})), False),  # every set condition must hold
], ids=["empty", "channel", "channel-no", "priority-at-minimum", "priority-below", "region", "region-no",
        "sku-any", "sku-no", "customer", "customer-no", "all-set", "one-fails"])
def test_filter_conditions(route_filter, matches):
    outcome = route(rule("VIP", when=route_filter, strategy="fastest"))
    assert outcome.applied == (("VIP",) if matches else ())
    assert outcome.policy.strategy == ("fastest" if matches else "cheapest")


def test_filter_accepts_plain_sets():
    assert RouteFilter(channels={"edi"}).channels == frozenset({"edi"})


# --- actions -------------------------------------------------------------------------------------

def test_warehouse_group_restricts_warehouses_but_not_suppliers():
    outcome = route(rule("VIP east", warehouse_group=frozenset({"EAST", "WEST"})))
    assert codes(outcome) == ["EAST", "WEST", "ACME"]
    assert outcome.notes == ("rule 'VIP east' restricted to EAST, WEST", "NORTH skipped: outside the warehouse group")


def test_safety_stock_holds_back_units_never_below_zero():
    outcome = route(rule("keep 3", safety_stock=3))
    assert [dict(source.available) for source in outcome.sources] == [
        {WIDGET: 7, GADGET: 0}, {WIDGET: 47, GADGET: 47}, {WIDGET: 0}, {WIDGET: 10_000}]
    assert outcome.notes == ("rule 'keep 3' holds back 3 units per product per warehouse",)


@pytest.mark.parametrize("caps, kept", [
    ({"WEST": 200}, ["EAST", "NORTH", "ACME"]),  # 200 already today: reached
    ({"WEST": 201}, ["EAST", "WEST", "NORTH", "ACME"]),
    ({"NORTH": 0}, ["EAST", "WEST", "ACME"]),  # no orders yet, but a cap of 0 closes it
    ({"EAST": 11, "WEST": 5}, ["EAST", "NORTH", "ACME"]),
])
def test_daily_cap_skips_full_warehouses(caps, kept):
    outcome = route(rule("caps", daily_order_cap=caps))
    assert codes(outcome) == kept
    for code, cap in caps.items():
        if code not in kept:
            assert f"{code} skipped: daily cap {cap} reached" in outcome.notes


@pytest.mark.parametrize("action, expected", [
    ({"allow_split": False}, {"allow_split": False}),
    ({"allow_dropship": False}, {"allow_dropship": False}),
    ({"strategy": "balanced"}, {"strategy": "balanced"}),
    ({}, {}),
])
def test_policy_switches(action, expected):
    outcome = route(rule("switch", **action))
    assert outcome.policy == PlanPolicy(**expected)
    assert not outcome.backorder


def test_backorder_action():
    outcome = route(rule("hold GIZMO", backorder=True))
    assert outcome.backorder and outcome.notes == ("rule 'hold GIZMO' sends the order to backorder",)


def test_no_rules_leave_everything_as_is():
    outcome = route()
    assert (outcome.sources, outcome.policy, outcome.backorder, outcome.applied, outcome.notes) == \
        (SOURCES, POLICY, False, (), ())


# --- order and stop ------------------------------------------------------------------------------

def test_first_matching_rule_stops_by_default():
    outcome = route(rule("first", strategy="fastest"), rule("second", strategy="balanced"))
    assert (outcome.applied, outcome.policy.strategy) == (("first",), "fastest")


def test_rules_that_do_not_match_are_passed_over():
    outcome = route(rule("portal only", when=RouteFilter(channels=frozenset({"portal"})), strategy="fastest"),
                    rule("everyone", strategy="balanced"))
    assert (outcome.applied, outcome.policy.strategy) == (("everyone",), "balanced")


def test_disabled_rules_are_skipped():
    outcome = route(rule("off", enabled=False, backorder=True), rule("on", strategy="fastest"))
    assert (outcome.applied, outcome.backorder) == (("on",), False)


def test_rules_without_stop_combine():
    outcome = route(
        rule("a", stop=False, warehouse_group=frozenset({"EAST", "WEST", "NORTH"}), safety_stock=2,
             daily_order_cap={"EAST": 50, "NORTH": 9}, strategy="fastest", allow_split=False),
        rule("b", stop=False, warehouse_group=frozenset({"EAST", "NORTH"}), safety_stock=1,
             daily_order_cap={"EAST": 10}, strategy="balanced"),
        rule("c", allow_dropship=False),
        rule("never reached", backorder=True),
    )
    assert outcome.applied == ("a", "b", "c")
    # groups intersect to EAST and NORTH; EAST's caps merge to 10, already reached today
    assert codes(outcome) == ["NORTH", "ACME"]
    assert dict(outcome.sources[0].available) == {WIDGET: 1}  # safety stock is the larger, 2
    assert "EAST skipped: daily cap 10 reached" in outcome.notes
    assert outcome.policy == PlanPolicy(strategy="balanced", allow_split=False, allow_dropship=False)
    assert not outcome.backorder


def test_outcome_feeds_the_planner():
    outcome = route(rule("VIP east", when=RouteFilter(min_priority=5), warehouse_group=frozenset({"WEST"}),
                         allow_dropship=False))
    plan = plan_allocation([LineDemand(1, WIDGET, 4)], outcome.sources, outcome.policy)
    assert {pick.source_code for pick in plan.picks} == {"WEST"}


# --- documents -----------------------------------------------------------------------------------

RULES = [
    RoutingRule("VIP east", RouteFilter(channels=frozenset({"edi", "api"}), min_priority=8,
                                        regions=frozenset({"R1"}), skus=frozenset({"WIDGET"}),
                                        customers=frozenset({"CUST1"})),
                RouteAction(warehouse_group=frozenset({"EAST", "WEST"}), safety_stock=2,
                            daily_order_cap={"WEST": 200}, allow_split=False, allow_dropship=True,
                            strategy="fastest", stop=False)),
    RoutingRule("hold gizmos", RouteFilter(skus=frozenset({"GIZMO"})), RouteAction(backorder=True), enabled=False),
]


def test_document_round_trip():
    document = json.loads(json.dumps(rules_to_document(RULES)))
    assert rules_from_document(document) == RULES
    assert document[0]["filter"]["channels"] == ["api", "edi"]
    assert document[1]["action"] == {"warehouse_group": [], "safety_stock": 0, "daily_order_cap": {},
                                     "allow_split": None, "allow_dropship": None, "strategy": None,
                                     "backorder": True, "stop": True}


def test_document_defaults_missing_parts():
    assert rules_from_document([{"name": "all"}]) == [RoutingRule("all", RouteFilter(), RouteAction())]


def good(**changes) -> list[dict]:
    document = rules_to_document(RULES)
    for path, value in changes.items():
        *parents, key = path.split("__")
        target = document[1]
        for parent in parents:
            target = target[parent]
        target[key] = value
    return document


@pytest.mark.parametrize("document, message", [
    ({"name": "x"}, "routing rules must be a list"),
    ([["x"]], "rule 0: 'rule' must be an object"),
    (good(name=""), "rule 1: 'name' must be a non-empty string"),
    (good(name="VIP east"), "rule 1: 'name' 'VIP east' is used by an earlier rule"),
    (good(colour="red"), "rule 1: 'colour' is not a known key"),
    (good(enabled="yes"), "rule 1: 'enabled' must be true or false"),
    (good(filter=[]), "rule 1: 'filter' must be an object"),
    (good(filter__chanels=["edi"]), "rule 1: 'filter.chanels' is not a known key"),
    (good(filter__channels="edi"), "rule 1: 'filter.channels' must be a list of strings"),
    (good(filter__skus=[1]), "rule 1: 'filter.skus' must be a list of strings"),
    (good(filter__min_priority=True), "rule 1: 'filter.min_priority' must be a whole number"),
    (good(filter__min_priority="5"), "rule 1: 'filter.min_priority' must be a whole number"),
    (good(action__safety_stock=-1), "rule 1: 'action.safety_stock' must be a whole number of 0 or more"),
    (good(action__daily_order_cap=[]), "rule 1: 'action.daily_order_cap' must be an object"),
    (good(action__daily_order_cap={"WEST": "200"}), "rule 1: 'action.daily_order_cap.WEST' must be a whole number"),
    (good(action__strategy="quickest"), "rule 1: 'action.strategy' must be one of cheapest, fastest, balanced"),
    (good(action__allow_split="no"), "rule 1: 'action.allow_split' must be true or false or null"),
    (good(action__stop=None), "rule 1: 'action.stop' must be true or false"),
    (good(action__warehouse_group=None), "rule 1: 'action.warehouse_group' must be a list of strings"),
])
def test_document_errors_name_rule_and_key(document, message):
    with pytest.raises(ValueError) as error:
        rules_from_document(document)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("build, message", [
    (lambda: RouteAction(strategy="quickest"), "use one of cheapest, fastest, balanced"),
    (lambda: RouteAction(safety_stock=-1), "must not be negative"),
    (lambda: RouteAction(daily_order_cap={"EAST": -1}), "must not be negative"),
])
def test_bad_actions_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()
