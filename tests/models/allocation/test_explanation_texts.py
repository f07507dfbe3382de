"""Allocation explanations, source notes and routing notes kept as templates with values: the same English, and the
same after the plan document's JSON trip."""
import json
from decimal import Decimal

import pytest

from models.allocation.routing import (
    RouteAction,
    RouteFilter,
    RoutingContext,
    RoutingRule,
    apply_routing,
)
from models.allocation.rules import (
    LineDemand,
    PlanPolicy,
    SourceOption,
    plan_allocation,
    plan_first_fit,
)
from models.core.texts import Text, dumps

WIDGET, GADGET = 1, 2
LINES = (LineDemand(10, WIDGET, 5), LineDemand(11, GADGET, 2))
EAST = SourceOption(1, "EAST", Decimal("5.00"), 1, {WIDGET: 5, GADGET: 1})
WEST = SourceOption(2, "WEST", Decimal("9.00"), 3, {WIDGET: 50, GADGET: 50})
ACME = SourceOption(None, "ACME", Decimal("2.00"), 6, {WIDGET: 10_000}, supplier_id=70)


def stored(document: dict) -> dict:
    return json.loads(dumps(document))


@pytest.mark.parametrize("lines, sources, policy", [
    (LINES, (EAST, WEST, ACME), PlanPolicy()),
    (LINES, (EAST, WEST, ACME), PlanPolicy(strategy="balanced", allow_dropship=True)),
    (LINES, (EAST,), PlanPolicy(partial="ship_complete")),
    (LINES, (EAST,), PlanPolicy(allow_split=True)),
    (LINES, (SourceOption(1, "EAST", Decimal(1), 1, {}),), PlanPolicy()),
    ((LineDemand(10, WIDGET, 0),), (EAST,), PlanPolicy()),
    (LINES, (ACME,), PlanPolicy(allow_dropship=False)),
], ids=["runner-up", "balanced-drop-ship", "ship-complete", "backordered", "no-stock", "nothing", "no-sources"])
def test_a_plan_document_keeps_the_templates_of_its_words(lines, sources, policy):
    plan = plan_allocation(lines, sources, policy)
    document = stored(plan.as_document())
    assert str(plan.text) == plan.explanation == str(Text.from_json(document["explanation_text"]))
    assert [str(Text.from_json(line)) for line in document["considered_text"]] == list(plan.considered)


def test_first_fit_keeps_its_own_wording_as_a_template():
    for sources in ((EAST, WEST), (EAST,), (ACME,)):
        plan = plan_first_fit(LINES, sources)
        assert str(Text.from_json(stored(plan.as_document())["explanation_text"])) == plan.explanation
    assert plan_first_fit(LINES, (EAST, WEST)).explanation == (
        "EAST: short on 1 product(s); WEST: fills all lines (lane cost 9.00, 3 d)")


def test_routing_notes_keep_their_templates():
    rules = (RoutingRule("east only", RouteFilter(), RouteAction(
        warehouse_group=frozenset({"EAST"}), safety_stock=2, daily_order_cap={"EAST": 10}, strategy="fastest",
        stop=False)), RoutingRule("hold", RouteFilter(), RouteAction(backorder=True)))
    context = RoutingContext(channel="edi", priority=5, region="R1", customer_code="C1", skus=frozenset({"W"}),
                             orders_today={"EAST": 10})
    outcome = apply_routing(rules, context, (EAST, WEST), PlanPolicy())
    assert len(outcome.notes) == 7
    assert [str(Text.from_json(stored(note.as_json()))) for note in outcome.notes_text] == list(outcome.notes)


def test_shared_sentences_read_each_plan_as_its_own_figures_are_written():
    """Sentences are built once for every plan that reads the same; a cost written 5.0 is not taken for 5.00."""
    first = plan_allocation(LINES, (EAST, WEST), PlanPolicy())
    written_apart = plan_allocation(LINES, (SourceOption(1, "EAST", Decimal("5.0"), 1, {WIDGET: 5, GADGET: 1}),
                                            SourceOption(2, "WEST", Decimal("9.000"), 3, {WIDGET: 50, GADGET: 50})),
                                    PlanPolicy())
    again = plan_allocation(LINES, (EAST, WEST), PlanPolicy())
    assert "EAST: lane 5.00, 1 d" in str(first.considered_text[0]) and "cost 9.00" in first.explanation
    assert "EAST: lane 5.0, 1 d" in str(written_apart.considered_text[0]) and "cost 9.000" in written_apart.explanation
    assert again.explanation == first.explanation
