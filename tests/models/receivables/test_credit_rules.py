"""The credit desk's pure reading of a position: exposure, headroom, flags and the order-entry warning."""
from decimal import Decimal

import pytest

from models.receivables.credit_rules import (
    BLOCKED,
    OVER_LIMIT,
    OVERDUE,
    credit_flags,
    entry_warning,
    exposure,
    headroom,
    is_over_limit,
)

D = Decimal


def test_exposure_is_outstanding_plus_open_orders():
    assert exposure(D("80.10"), D("19.90")) == D("100.00")


@pytest.mark.parametrize("limit, exposure_now, over, room", [
    (None, D("1000000"), False, None),
    (D("100.00"), D("100.00"), False, D("0.00")),  # at the limit is not over it, as review reads it
    (D("100.00"), D("100.01"), True, D("-0.01")),
    (D("0.00"), D("0.01"), True, D("-0.01")),
])
def test_over_limit_and_headroom(limit, exposure_now, over, room):
    assert is_over_limit(limit, exposure_now) is over
    assert headroom(limit, exposure_now) == room


@pytest.mark.parametrize("blocked, limit, exposure_now, days, flags", [
    (False, None, D("5"), 0, ()),
    (True, None, D("0"), 0, (BLOCKED,)),
    (False, D("10"), D("11"), 0, (OVER_LIMIT,)),
    (False, D("10"), D("1"), 3, (OVERDUE,)),
    (True, D("10"), D("11"), 1, (BLOCKED, OVER_LIMIT, OVERDUE)),
])
def test_flags_most_serious_first(blocked, limit, exposure_now, days, flags):
    assert credit_flags(blocked=blocked, credit_limit=limit, exposure_now=exposure_now, overdue_days=days) == flags


def test_entry_warning_says_what_review_will_do():
    assert entry_warning("C1", ()) == ""
    held = entry_warning("C1", (OVER_LIMIT, OVERDUE))
    assert "C1" in held and "over credit limit, overdue invoices" in held and "held for review" in held
    assert "rejects" in entry_warning("C1", (BLOCKED, OVER_LIMIT))
