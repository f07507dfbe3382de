"""The replenishment rules: hand-computed suggestions, ABC classes, and properties over many inputs."""
from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.planning.replenishment_rules import (
    ReplenishmentFacts,
    ReplenishmentPolicy,
    advise_replenishment,
    classify_skus,
    demand_over,
    edited_quantity_kept,
    order_quantity,
    safety_stock,
    z_score,
)

FACTS = ReplenishmentFacts(weekly_forecast=(14.0, 14.0, 14.0, 14.0), mean_weekly=14.0, weekly_std=5.1,
                           lead_time_days=14, on_hand=30, reserved=8, incoming=0, backordered=4, pack_size=12,
                           method="AutoETS")
CLASS_A = ReplenishmentPolicy(sku_class="A", service_level=0.98, review_period_days=7)


def test_a_suggestion_by_hand():
    # z(98 %) = 2.0537; σ 5.1/wk over 3 weeks (14 d lead + 7 d review): 2.0537 × 5.1 × √3 = 18.14 → 19 units
    advice = advise_replenishment(FACTS, CLASS_A)
    assert (advice.forecast_over_lead, advice.forecast_over_cycle) == (28.0, 42.0)
    assert (advice.safety_stock, advice.reorder_point, advice.order_up_to) == (19, 47, 61)
    assert (advice.position, advice.needed, advice.suggested_quantity) == (18, 43, 48)
    assert advice.explanation == (
        "forecast 28.0 over 14 d lead, 42.0 over 14 d lead + 7 d review (AutoETS); "
        "safety stock 19 (class A, 98 %, σ 5.1/wk); "
        "on hand 30 − reserved 8 + incoming 0 − backorders 4 = 18 ≤ reorder point 47 → order up to 61: 43, "
        "rounded to pack 12 → 48")


def test_nothing_is_ordered_above_the_reorder_point():
    advice = advise_replenishment(replace(FACTS, on_hand=100, incoming=12), CLASS_A)
    assert (advice.position, advice.suggested_quantity, advice.needed) == (100, 0, 0)
    assert advice.explanation.endswith("on hand 100 − reserved 8 + incoming 12 − backorders 4 = 100 > "
                                       "reorder point 47 → no order")


def test_exactly_at_the_reorder_point_orders():
    advice = advise_replenishment(replace(FACTS, on_hand=59, pack_size=1), CLASS_A)  # 59 − 8 − 4 = 47
    assert (advice.position, advice.suggested_quantity) == (47, 14)
    assert advice.explanation.endswith("= 47 ≤ reorder point 47 → order up to 61: 14")


def test_the_minimum_order_then_the_pack():
    assert order_quantity(3, pack_size=4, min_order=10) == 12
    assert order_quantity(13, pack_size=4, min_order=10) == 16
    assert order_quantity(0, pack_size=4, min_order=10) == 0
    advice = advise_replenishment(replace(FACTS, on_hand=50, pack_size=5, min_order=32), CLASS_A)  # needs 23
    assert (advice.needed, advice.suggested_quantity) == (23, 35)
    assert advice.explanation.endswith("→ order up to 61: 23, minimum order 32, rounded to pack 5 → 35")


def test_a_part_week_and_beyond_the_horizon():
    assert demand_over((10, 20, 30), 10, 5) == pytest.approx(10 + 20 * 3 / 7)
    assert demand_over((10, 20, 30), 28, 5) == pytest.approx(65)
    assert demand_over((), 14, 3.5) == pytest.approx(7)
    assert demand_over((10, -4), 14, 0) == 10  # a negative forecast week is no demand


def test_safety_factors():
    assert z_score(0.95) == pytest.approx(1.6449, abs=1e-4)
    assert z_score(0.90) == pytest.approx(1.2816, abs=1e-4)
    assert safety_stock(10, 0.95, 21, 7) == pytest.approx(1.6449 * 10 * 2, abs=1e-3)
    assert safety_stock(0, 0.99, 14, 7) == 0
    with pytest.raises(ValueError):
        z_score(1.0)


def test_no_forecast_orders_only_what_backorders_owe():
    facts = ReplenishmentFacts(weekly_forecast=(), mean_weekly=0, weekly_std=0, lead_time_days=5, on_hand=0,
                               reserved=0, incoming=0, backordered=5)
    advice = advise_replenishment(facts, ReplenishmentPolicy("C", 0.9, 7))
    assert (advice.reorder_point, advice.order_up_to, advice.suggested_quantity) == (0, 0, 5)
    assert advice.explanation.startswith("no forecast yet: demand 0 over 5 d lead + 7 d review; safety stock 0")
    empty = advise_replenishment(replace(facts, backordered=0), ReplenishmentPolicy("C", 0.9, 7))
    assert empty.suggested_quantity == 0


def test_an_order_lifts_the_position_above_a_positive_reorder_point():
    # a trickle of demand: lead and cycle both round up to 1 unit, yet the order-up-to level stays one above
    facts = ReplenishmentFacts(weekly_forecast=(0.1,) * 8, mean_weekly=0.1, weekly_std=0, lead_time_days=14,
                               on_hand=0, reserved=0, incoming=0, backordered=0)
    advice = advise_replenishment(facts, ReplenishmentPolicy("C", 0.9, 7))
    assert (advice.reorder_point, advice.order_up_to, advice.suggested_quantity) == (1, 2, 2)
    again = advise_replenishment(replace(facts, incoming=advice.suggested_quantity), ReplenishmentPolicy("C", 0.9, 7))
    assert again.suggested_quantity == 0


def test_abc_classes_by_demand_value_share():
    classes = classify_skus({1: 70, 2: 15, 3: 10, 4: 5, 5: 0})
    # value ranked before: 0 % and 70 % are under 80 % (A); 85 % under 95 % (B); 95 % on (C); no demand is C
    assert classes == {1: "A", 2: "A", 3: "B", 4: "C", 5: "C"}
    assert classify_skus({1: 50, 2: 50}, a_share=0.5, b_share=0.5) == {1: "A", 2: "B"}
    assert classify_skus({1: 0, 2: 0}) == {1: "C", 2: "C"}
    assert classify_skus({}) == {}


def test_an_edit_is_kept_unless_nothing_is_left_to_order():
    assert edited_quantity_kept(30, 24) == 30
    assert edited_quantity_kept(30, 0) is None
    assert edited_quantity_kept(None, 24) is None


# --- properties ----------------------------------------------------------------------------------

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LEVELS = st.floats(min_value=0.5, max_value=0.9999, allow_nan=False)


@st.composite
def situations(draw):
    weeks = draw(st.lists(st.floats(min_value=0, max_value=500, allow_nan=False), max_size=12))
    facts = ReplenishmentFacts(
        weekly_forecast=tuple(weeks), mean_weekly=draw(st.floats(min_value=0, max_value=500, allow_nan=False)),
        weekly_std=draw(st.floats(min_value=0, max_value=200, allow_nan=False)),
        lead_time_days=draw(st.integers(0, 120)), on_hand=draw(st.integers(0, 5000)),
        reserved=0, incoming=draw(st.integers(0, 2000)), backordered=draw(st.integers(0, 500)),
        pack_size=draw(st.integers(1, 48)), min_order=draw(st.integers(0, 300)), method="AutoETS")
    facts = replace(facts, reserved=draw(st.integers(0, facts.on_hand)))
    policy = ReplenishmentPolicy(sku_class=draw(st.sampled_from("ABC")), service_level=draw(LEVELS),
                                 review_period_days=draw(st.integers(0, 28)))
    return facts, policy


@PROPERTY
@given(situations())
def test_the_suggestion_is_whole_packs_of_at_least_the_minimum(situation):
    advice = advise_replenishment(*situation)
    facts = situation[0]
    assert advice.suggested_quantity % facts.pack_size == 0
    assert advice.suggested_quantity == 0 or advice.suggested_quantity >= facts.min_order
    assert advice.suggested_quantity >= advice.needed >= 0


@PROPERTY
@given(situations())
def test_ordering_lifts_the_position_to_the_order_up_to_level(situation):
    advice = advise_replenishment(*situation)
    if advice.position <= advice.reorder_point:
        assert advice.position + advice.suggested_quantity >= advice.order_up_to >= advice.reorder_point
        assert advice.reorder_point == 0 or advice.position + advice.suggested_quantity > advice.reorder_point
    else:
        assert advice.suggested_quantity == 0 and "→ no order" in advice.explanation


@PROPERTY
@given(situations())
def test_the_levels_follow_the_forecast_and_safety_stock(situation):
    facts, policy = situation
    advice = advise_replenishment(facts, policy)
    assert advice.safety_stock == math.ceil(round(safety_stock(facts.weekly_std, policy.service_level,
                                                               facts.lead_time_days, policy.review_period_days), 6))
    over_lead = demand_over(facts.weekly_forecast, facts.lead_time_days, facts.mean_weekly)
    assert advice.reorder_point == math.ceil(round(over_lead, 6)) + advice.safety_stock
    assert advice.order_up_to >= advice.reorder_point
    assert advice.position == facts.on_hand - facts.reserved + facts.incoming - facts.backordered


@PROPERTY
@given(situations(), LEVELS, LEVELS)
def test_a_higher_service_level_never_holds_less(situation, first, second):
    facts, policy = situation
    low, high = sorted((first, second))
    lower = advise_replenishment(facts, replace(policy, service_level=low))
    higher = advise_replenishment(facts, replace(policy, service_level=high))
    assert lower.safety_stock <= higher.safety_stock
    assert lower.reorder_point <= higher.reorder_point and lower.order_up_to <= higher.order_up_to
    assert lower.suggested_quantity <= higher.suggested_quantity


@PROPERTY
@given(st.dictionaries(st.integers(1, 500), st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=40))
def test_a_sku_of_more_demand_value_is_never_in_a_lower_class(values):
    classes = classify_skus(values)
    rank = {"A": 0, "B": 1, "C": 2}
    for one, value in values.items():
        for other, other_value in values.items():
            if value > other_value:
                assert rank[classes[one]] <= rank[classes[other]]
    total = sum(values.values())
    if total > 0:
        assert sum(value for key, value in values.items() if classes[key] == "A") >= 0.8 * total - 1e-6
