"""run_batch: a step that fails as a whole is run again in halves until the order that broke it stands alone; the
rest commit in batches, and the bad order is settled as the message's error."""
import pytest

from models.core.bulk import BatchResult
from models.core.errors import BatchItemsFailed, OMSError, TransientError
from workers.batch import run_batch


class BadOrder(OMSError):
    """An order no retry can mend."""


def step_breaking_on(bad: set[int], calls: list[list[int]], error: type[Exception] = BadOrder):
    def step(ids: list[int]) -> BatchResult:
        calls.append(list(ids))
        if bad & set(ids):
            raise error(f"order {sorted(bad & set(ids))} is broken")
        return BatchResult(outcomes=dict.fromkeys(ids, "done"))
    return step


def test_one_bad_order_among_many_is_isolated_in_halves_and_the_rest_commit():
    calls: list[list[int]] = []
    ids = list(range(1, 2001))
    with pytest.raises(BatchItemsFailed, match="1234"):
        run_batch(ids, step_breaking_on({1234}, calls), what="order")
    done = [item for batch in calls if 1234 not in batch for item in batch]
    assert sorted(done) == [item for item in ids if item != 1234]  # each good order committed exactly once
    assert [1234] in calls and len(calls) <= 2 * 11 + 1  # halving: a few runs, not one per order


def test_every_order_of_a_batch_failing_is_each_set_aside():
    calls: list[list[int]] = []
    with pytest.raises(BatchItemsFailed) as failed:
        run_batch([1, 2, 3], step_breaking_on({1, 2, 3}, calls), what="order")
    assert all(f"{item}: order [{item}] is broken" in str(failed.value) for item in (1, 2, 3))


def test_a_transient_failure_of_one_order_retries_the_message_after_the_rest_committed():
    calls: list[list[int]] = []
    with pytest.raises(TransientError):
        run_batch([1, 2, 3, 4], step_breaking_on({3}, calls, TransientError), what="order")
    assert sorted(item for batch in calls if 3 not in batch for item in batch) == [1, 2, 4]


def test_a_batch_that_succeeds_runs_once():
    calls: list[list[int]] = []
    result = run_batch([5, 6, 7], step_breaking_on(set(), calls), what="order")
    assert calls == [[5, 6, 7]] and result.outcomes == {5: "done", 6: "done", 7: "done"}
