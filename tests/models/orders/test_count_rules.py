"""Which status counts of the order list are estimated and which are counted."""
import pytest

from models.orders.count_rules import (
    CountPlan,
    StatusCount,
    plan_status_counts,
    total_of,
)

STATUSES = ("on_hold", "shipped", "delivered", "cancelled")


def test_big_statuses_of_a_big_table_are_estimated_and_the_rest_counted():
    plan = plan_status_counts(STATUSES, 1_000_000, {"delivered": 0.55, "shipped": 0.3, "cancelled": 0.019,
                                                    "on_hold": 0.003}, exact_below=20_000)
    assert plan == CountPlan({"delivered": 550_000, "shipped": 300_000}, ("on_hold", "cancelled"))


@pytest.mark.parametrize("rows", [-1.0, 0.0, 19_999.0])
def test_a_small_or_never_analysed_table_is_counted_exactly(rows):
    assert plan_status_counts(STATUSES, rows, {"delivered": 1.0}, exact_below=20_000) == CountPlan({}, STATUSES)


def test_a_status_missing_from_the_statistics_is_counted():
    assert plan_status_counts(STATUSES, 1e6, {"delivered": 0.9}, exact_below=20_000).exact == \
        ("on_hold", "shipped", "cancelled")


def test_estimates_are_shown_with_an_approximation_sign_and_make_the_total_one():
    counts = {"delivered": StatusCount(812_400, estimated=True), "on_hold": StatusCount(1_234)}
    assert [str(c) for c in counts.values()] == ["≈ 812,400", "1,234"]
    assert str(total_of(counts)) == "≈ 813,634"
    assert str(total_of({"on_hold": StatusCount(3)})) == "3"

