"""The replenishment explanation kept as a template with values: the same English, and the same after a JSON trip."""
import json
from dataclasses import replace

import pytest

from models.core.texts import Text
from models.planning.replenishment_rules import (
    ReplenishmentFacts,
    ReplenishmentPolicy,
    advise_replenishment,
    explain,
)

FACTS = ReplenishmentFacts(weekly_forecast=(14.0, 14.0, 14.0, 14.0), mean_weekly=14.0, weekly_std=5.1,
                           lead_time_days=14, on_hand=30, reserved=8, incoming=0, backordered=4, pack_size=12,
                           method="AutoETS")
CLASS_A = ReplenishmentPolicy(sku_class="A", service_level=0.98, review_period_days=7)


@pytest.mark.parametrize("changes", [
    {}, {"pack_size": 1}, {"min_order": 100}, {"min_order": 100, "pack_size": 1}, {"on_hand": 500},
    {"method": "", "weekly_forecast": (), "mean_weekly": 0.0, "weekly_std": 0.0, "on_hand": 0, "reserved": 0,
     "backordered": 0},
], ids=["packed", "exact", "minimum-and-pack", "minimum", "no-order", "no-forecast"])
def test_the_explanation_reads_the_same_from_its_template(changes):
    facts = replace(FACTS, **changes)
    advice = advise_replenishment(facts, CLASS_A)
    stored = Text.from_json(json.loads(json.dumps(advice.text.as_json())))
    assert advice.explanation == str(advice.text) == str(stored) == explain(advice, facts)


def test_the_hand_computed_sentence_is_unchanged():
    assert str(advise_replenishment(FACTS, CLASS_A).text) == (
        "forecast 28.0 over 14 d lead, 42.0 over 14 d lead + 7 d review (AutoETS); "
        "safety stock 19 (class A, 98 %, σ 5.1/wk); "
        "on hand 30 − reserved 8 + incoming 0 − backorders 4 = 18 ≤ reorder point 47 → order up to 61: 43, "
        "rounded to pack 12 → 48")
