"""The pure parts of the home dashboard: which holds a role may decide, where today starts, each role's items."""
from datetime import datetime

import pytest

from models.operations.dashboard_rules import (
    ACTION_TITLES,
    ROLE_ACTIONS,
    HoldGroup,
    action_items,
    credit_holds,
    day_start,
    decidable_holds,
    shows_today,
)

GROUPS = [
    HoldGroup(" credit_limit ", "hold", 3),  # credit roles only
    HoldGroup(" duplicate ", "hold", 5),  # any decider
    HoldGroup(" duplicate overdue ", "hold", 7),  # credit roles only (one credit code is enough)
    HoldGroup(None, None, 2),  # held by hand, no review: credit roles only
    HoldGroup(" duplicate ", "approve", 11),  # the newest review approved: a person held it, credit roles only
]


@pytest.mark.parametrize("role, decidable, credit", [
    ("ops_agent", 5, 0),
    ("credit_controller", 28, 23),
    ("ops_admin", 28, 23),
    ("distributor", 0, 0),
])
def test_holds_each_role_may_decide(role, decidable, credit):
    assert decidable_holds(GROUPS, role) == decidable
    assert credit_holds(GROUPS, role) == credit


def test_day_starts_at_midnight_utc():
    assert day_start(datetime(2026, 3, 4, 23, 59, 59, 999)) == datetime(2026, 3, 4)
    assert day_start(datetime(2026, 3, 4)) == datetime(2026, 3, 4)


def test_items_keep_the_role_order_and_mark_unknown_counts():
    items = action_items("ops_agent", {"holds": 2, "stuck": 0})
    assert [item.key for item in items] == list(ROLE_ACTIONS["ops_agent"])
    assert (items[0].count, items[1].count, items[2].count) == (2, None, 0)
    assert items[0].title == ACTION_TITLES["holds"]
    assert action_items("supplier", {}) == []


def test_every_role_item_has_a_title_and_only_ops_see_today():
    assert {key for keys in ROLE_ACTIONS.values() for key in keys} <= set(ACTION_TITLES)
    assert [role for role in ("ops_admin", "ops_agent", "credit_controller", "distributor", "supplier")
            if shows_today(role)] == ["ops_admin", "ops_agent", "credit_controller"]
