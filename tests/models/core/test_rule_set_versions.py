"""One way to save a versioned rule set: every editor saves against the version it was shown, under a lock, on
SQLite and PostgreSQL; of savers racing from one version exactly one wins and no version is lost."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import peewee
import pytest

from models.allocation.config import (
    AllocationRuleSet,
    AllocationSettings,
    save_allocation_settings,
)
from models.allocation.rules import STRATEGIES
from models.core.db import connection, database
from models.core.errors import OMSError, RuleSetChanged
from models.core.rule_set_versions import RuleSetVersion, save_rule_set
from models.returns.rules import DEFAULT_SETTINGS as RETURN_DEFAULTS
from models.returns.settings import save_return_rules
from models.returns.tables import ReturnRuleSet
from models.review.reviews import ReviewRuleSet, current_rule_set
from models.review.reviews import save_rule_set as save_review_rules
from models.review.rules import DEFAULT_SETTINGS as REVIEW_DEFAULTS
from models.review.rules import CreditOverride

THREADS = 6


@pytest.fixture(params=["db", "pg_db"])
def fresh_db(request):
    """A freshly migrated SQLite or PostgreSQL database (version 1 of every rule set from the migration), each
    thread on its own pooled connection."""
    return request.getfixturevalue(request.param)


def slow_records(monkeypatch, table: type[RuleSetVersion]) -> None:
    """Widen the gap between the version check and the insert, where a race would slip in."""
    record = table.record.__func__

    def slow_record(cls, *args, **kwargs):
        time.sleep(0.1)
        return record(cls, *args, **kwargs)

    monkeypatch.setattr(table, "record", classmethod(slow_record))


def race(save: Callable[[int], RuleSetVersion], threads: int = THREADS) -> list[object]:
    """``save(i)`` in ``threads`` threads released at once; what each returned (its version) or raised."""
    start, outcomes = threading.Barrier(threads), []

    def run(i: int) -> None:
        start.wait()
        try:
            with connection():
                outcomes.append(save(i).version)
        except BaseException as exc:  # noqa: BLE001 - counted by the test
            outcomes.append(exc)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    return outcomes


def assert_one_won(outcomes: list[object], table: type[RuleSetVersion], before: int) -> int:
    """Exactly one save made version ``before + 1``, every other one was refused naming it; returns the winner's
    version."""
    assert sorted(map(type, outcomes), key=str) == [int] + [RuleSetChanged] * (len(outcomes) - 1), outcomes
    won = next(outcome for outcome in outcomes if isinstance(outcome, int))
    assert all(outcome.current.version == won for outcome in outcomes if isinstance(outcome, RuleSetChanged))
    assert table.select().count() == before + 1 and table.newest().version == won
    return won


# --- one save -----------------------------------------------------------------------------------------------

def test_a_save_against_the_newest_version_makes_the_next(fresh_db):
    saved = save_rule_set(ReviewRuleSet, replace(REVIEW_DEFAULTS, overdue_grace_days=3), expected_version=1,
                          actor="credit@relay.test", note="grace")
    assert (saved.version, saved.created_by, saved.note) == (2, "credit@relay.test", "grace")
    assert current_rule_set().settings.overdue_grace_days == 3


@pytest.mark.parametrize("expected", [1, 0, 7], ids=["stale", "no-version", "ahead"])
def test_a_save_against_another_version_is_refused_and_writes_nothing(fresh_db, expected):
    save_rule_set(ReviewRuleSet, replace(REVIEW_DEFAULTS, overdue_grace_days=3), expected_version=1, actor="first")
    with pytest.raises(RuleSetChanged) as raised:
        save_rule_set(ReviewRuleSet, replace(REVIEW_DEFAULTS, overdue_grace_days=5), expected_version=expected,
                      actor="second")
    assert isinstance(raised.value, OMSError)
    assert (raised.value.expected, raised.value.current.version, raised.value.current.created_by) == (
        expected, 2, "first")
    assert ReviewRuleSet.select().count() == 2 and current_rule_set().settings.overdue_grace_days == 3


def test_no_expected_version_is_the_unchecked_system_save(fresh_db):
    save_rule_set(ReviewRuleSet, REVIEW_DEFAULTS, expected_version=1, actor="first")
    assert save_rule_set(ReviewRuleSet, REVIEW_DEFAULTS, expected_version=None, actor="system").version == 3


def test_on_postgresql_the_lock_holds_back_a_plain_insert_too(pg_db):
    """A row lock on the newest version would not stop a new row; the table lock does."""
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with connection(), database.atomic():
            ReviewRuleSet.lock_versions()
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(10)
        with pytest.raises(peewee.OperationalError, match="lock timeout"), database.atomic():
            database.execute_sql("SET LOCAL lock_timeout = '200ms'")
            ReviewRuleSet.record(REVIEW_DEFAULTS, actor="sneaky")
    finally:
        release.set()
        holder.join(10)
    assert ReviewRuleSet.select().count() == 1


# --- racing editors, one per editor, each on SQLite and PostgreSQL ------------------------------------------

def test_review_rules_saved_from_one_version_by_many_keep_exactly_one(fresh_db, monkeypatch):
    slow_records(monkeypatch, ReviewRuleSet)
    outcomes = race(lambda i: save_review_rules(replace(REVIEW_DEFAULTS, overdue_grace_days=i + 1),
                                                actor=f"user{i}", expected_version=1))
    won = assert_one_won(outcomes, ReviewRuleSet, before=1)
    assert ReviewRuleSet.get_by_id(won).settings.overdue_grace_days in range(1, THREADS + 1)


def test_credit_overrides_added_and_dropped_from_one_version_keep_exactly_one(fresh_db, monkeypatch):
    """Half the editors drop CUST1's override, half add one for another customer, all shown version 2: a lost
    update would drop an override nobody removed or bring back one somebody removed."""
    with_cust1 = replace(REVIEW_DEFAULTS, overrides={"CUST1": CreditOverride(bypass=True)})
    assert save_review_rules(with_cust1, actor="setup", expected_version=1).version == 2
    slow_records(monkeypatch, ReviewRuleSet)

    def edit(i: int) -> RuleSetVersion:
        overrides = {} if i % 2 else {"CUST1": CreditOverride(bypass=True),
                                      f"CUST{i + 2}": CreditOverride(temporary_limit=Decimal("500.00"))}
        return save_rule_set(ReviewRuleSet, replace(with_cust1, overrides=overrides), expected_version=2,
                             actor=f"user{i}")

    won = assert_one_won(race(edit), ReviewRuleSet, before=2)
    winner = int(ReviewRuleSet.get_by_id(won).created_by.removeprefix("user"))
    assert set(current_rule_set().settings.overrides) == (set() if winner % 2 else {"CUST1", f"CUST{winner + 2}"})


def test_allocation_rules_saved_from_one_version_by_many_keep_exactly_one(fresh_db, monkeypatch):
    slow_records(monkeypatch, AllocationRuleSet)
    outcomes = race(lambda i: save_allocation_settings(
        AllocationSettings(by_channel={"shopify": {"strategy": STRATEGIES[i % len(STRATEGIES)]}},
                           by_customer={f"CUST{i}": {"allow_split": False}}),
        actor=f"user{i}", expected_version=1))
    won = assert_one_won(outcomes, AllocationRuleSet, before=1)
    assert list(AllocationRuleSet.get_by_id(won).settings.by_customer) == [
        f"CUST{AllocationRuleSet.get_by_id(won).created_by.removeprefix('user')}"]


def test_return_rules_saved_from_one_version_by_many_keep_exactly_one(fresh_db, monkeypatch):
    slow_records(monkeypatch, ReturnRuleSet)
    outcomes = race(lambda i: save_return_rules(replace(RETURN_DEFAULTS, window_days=i + 1), actor=f"user{i}",
                                                expected_version=1))
    assert_one_won(outcomes, ReturnRuleSet, before=1)
