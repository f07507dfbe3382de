"""The demo's shipped history, written straight into the tables, has its report rollups built with it."""
from __future__ import annotations

from models.demo_data import seed_demo
from tests.models.reports.raw_figures import kept_rollups, raw_rollups


def test_the_demo_history_is_in_the_rollups(db):
    seeded = seed_demo()
    kept = kept_rollups()
    assert kept == raw_rollups()
    assert sum(orders for orders, _, _ in kept[0].values()) == seeded.history_orders > 0
    assert any(step == "shipped_to_delivered" for _, step, _ in kept[2])
