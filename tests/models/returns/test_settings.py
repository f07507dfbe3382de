"""Return rule versions in the database and the ops form that changes them."""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from models.core.db import connection
from models.core.errors import OMSError, ValidationFailed
from models.returns.rules import DEFAULT_SETTINGS, REASONS, RULE_CODES, ReturnSettings
from models.returns.settings import (
    RuleSetChanged,
    current_return_rules,
    save_return_rules,
    settings_from_form,
)
from models.returns.tables import ReturnRuleSet


@pytest.fixture(params=["db", "pg_db"])
def fresh_db(request):
    """A freshly migrated SQLite or PostgreSQL database: version numbers are row ids, and a rolled-back
    PostgreSQL transaction would not give its ids back."""
    return request.getfixturevalue(request.param)


def test_version_1_is_the_defaults_from_the_migration(fresh_db):
    rule_set, settings = current_return_rules()
    assert (rule_set.version, rule_set.created_by, rule_set.note) == (1, "system", "defaults")
    assert settings == DEFAULT_SETTINGS
    assert ReturnRuleSet.select().count() == 1


def test_save_makes_version_2_in_force(fresh_db):
    changed = replace(DEFAULT_SETTINGS, window_days=14, enabled=frozenset(RULE_CODES) - {"return_rate"})
    saved = save_return_rules(changed, actor="admin@relay.test", note="shorter window")
    assert (saved.version, saved.created_by, saved.note) == (2, "admin@relay.test", "shorter window")
    rule_set, settings = current_return_rules()
    assert (rule_set.version, settings) == (2, changed)
    assert ReturnRuleSet.get_by_id(1).document_json != rule_set.document_json  # version 1 stays as it was


def test_save_with_the_newest_version_expected(fresh_db):
    saved = save_return_rules(replace(DEFAULT_SETTINGS, window_days=10), actor="a", expected_version=1)
    assert saved.version == 2
    assert save_return_rules(replace(DEFAULT_SETTINGS, window_days=11), actor="b", expected_version=2).version == 3


def test_a_stale_expected_version_is_refused(fresh_db):
    save_return_rules(replace(DEFAULT_SETTINGS, window_days=10), actor="first@relay.test", expected_version=1)
    with pytest.raises(RuleSetChanged) as raised:
        save_return_rules(replace(DEFAULT_SETTINGS, window_days=20), actor="second@relay.test", expected_version=1)
    assert isinstance(raised.value, OMSError)
    assert (raised.value.expected, raised.value.current.version) == (1, 2)
    assert "version 2 (saved by first@relay.test), not 1" in str(raised.value)
    assert ReturnRuleSet.select().count() == 2
    assert current_return_rules()[1].window_days == 10


def test_an_expected_version_ahead_of_the_newest_is_refused(fresh_db):
    with pytest.raises(RuleSetChanged):
        save_return_rules(DEFAULT_SETTINGS, actor="a", expected_version=7)
    assert ReturnRuleSet.select().count() == 1


@pytest.mark.parametrize("backend", ["db", "pg_db"])
def test_of_saves_racing_from_one_version_exactly_one_wins(request, monkeypatch, backend):
    request.getfixturevalue(backend)
    record = ReturnRuleSet.record.__func__

    def slow_record(cls, *args, **kwargs):
        time.sleep(0.1)  # widen the gap between the version check and the insert, where a race would slip in
        return record(cls, *args, **kwargs)

    monkeypatch.setattr(ReturnRuleSet, "record", classmethod(slow_record))
    threads, start = 6, threading.Barrier(6)
    outcomes: list[object] = []

    def save(days: int) -> None:
        start.wait()
        try:
            with connection():
                outcomes.append(save_return_rules(replace(DEFAULT_SETTINGS, window_days=days), actor=f"user{days}",
                                                  expected_version=1).version)
        except BaseException as exc:  # noqa: BLE001 - counted by the test
            outcomes.append(exc)

    workers = [threading.Thread(target=save, args=(days,)) for days in range(1, threads + 1)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert sorted(map(type, outcomes), key=str) == [int] + [RuleSetChanged] * (threads - 1), outcomes
    assert 2 in outcomes and ReturnRuleSet.select().count() == 2


# --- the form ------------------------------------------------------------------------------------

def form(**changes) -> MultiDict:
    """The ops form as the page fills it from the defaults, with ``changes`` (a list for several ticks)."""
    values = {"window_days": "30", "max_auto_refund": "1000.00", "max_return_rate": "0.30",
              "return_rate_min_orders": "5", "refund_on_approval_below": "0.00",
              "enabled": list(RULE_CODES), "auto_approve_reasons": ["damaged", "defective", "wrong_item"]}
    values.update(changes)
    return MultiDict([(key, item) for key, value in values.items() if value is not None
                      for item in (value if isinstance(value, list) else [value])])


def test_the_default_form_reads_as_the_defaults():
    assert settings_from_form(form()) == DEFAULT_SETTINGS
    assert settings_from_form(form()).to_document() == DEFAULT_SETTINGS.to_document()


def test_form_values_are_read():
    settings = settings_from_form(form(window_days=" 14 ", max_auto_refund="1,250.5", max_return_rate="25%",
                                       return_rate_min_orders="0", refund_on_approval_below="50",
                                       enabled=["window", "final_sale"], auto_approve_reasons=["other"]))
    assert settings == ReturnSettings(enabled=frozenset({"window", "final_sale"}), window_days=14,
                                      max_auto_refund=Decimal("1250.50"), auto_approve_reasons=frozenset({"other"}),
                                      max_return_rate=Decimal("0.25"), return_rate_min_orders=0,
                                      refund_on_approval_below=Decimal("50.00"))


@pytest.mark.parametrize("text, share", [
    ("0.3", "0.30"), ("0.30", "0.30"), ("30%", "0.30"), ("30 %", "0.30"), ("12.5%", "0.125"), ("0", "0.00"),
    ("1", "1.00"), ("100%", "1.00"), ("33.33%", "0.3333"), ("0.3333", "0.3333"),
])
def test_return_rate_as_a_share_or_a_percentage_is_stored_one_way(text, share):
    settings = settings_from_form(form(max_return_rate=text))
    assert settings.to_document()["max_return_rate"] == share


def test_unticked_checkboxes_send_nothing_and_mean_none():
    settings = settings_from_form(form(enabled=None, auto_approve_reasons=None))
    assert settings.enabled == frozenset() and settings.auto_approve_reasons == frozenset()


def test_a_plain_mapping_with_lists_or_one_value_is_read_too():
    values = {**form().to_dict(), "enabled": ["window", "reason"], "auto_approve_reasons": "damaged"}
    settings = settings_from_form(values)
    assert settings.enabled == {"window", "reason"} and settings.auto_approve_reasons == {"damaged"}


@pytest.mark.parametrize("changes, field, message", [
    ({"window_days": "-1"}, "window_days", "a whole number of days from 0 to 3650"),
    ({"window_days": "3651"}, "window_days", "a whole number of days from 0 to 3650"),
    ({"window_days": "2.5"}, "window_days", "a whole number of days from 0 to 3650"),
    ({"window_days": ""}, "window_days", "a whole number of days from 0 to 3650"),
    ({"window_days": None}, "window_days", "a whole number of days from 0 to 3650"),
    ({"return_rate_min_orders": "five"}, "return_rate_min_orders", "a whole number of orders from 0 to 3650"),
    ({"max_auto_refund": "12.345"}, "max_auto_refund", "an amount of 0 or more such as 1000 or 1000.00"),
    ({"max_auto_refund": "-5"}, "max_auto_refund", "an amount of 0 or more such as 1000 or 1000.00"),
    ({"max_auto_refund": "1e30"}, "max_auto_refund", "an amount of 0 or more such as 1000 or 1000.00"),
    ({"refund_on_approval_below": "NaN"}, "refund_on_approval_below", "an amount of 0 or more"),
    ({"max_return_rate": "30"}, "max_return_rate", "a share from 0 to 1 such as 0.30, or a percentage such as 30%"),
    ({"max_return_rate": "150%"}, "max_return_rate", "a share from 0 to 1"),
    ({"max_return_rate": "-0.1"}, "max_return_rate", "a share from 0 to 1"),
    ({"max_return_rate": "0.33333"}, "max_return_rate", "to at most 0.01 %"),
    ({"max_return_rate": "lots"}, "max_return_rate", "a share from 0 to 1"),
    ({"enabled": ["window", "telepathy"]}, "enabled", "unknown telepathy; choose from window, refund_amount"),
    ({"auto_approve_reasons": ["damaged", "bored"]}, "auto_approve_reasons", "unknown bored; choose from damaged"),
], ids=lambda value: value if isinstance(value, str) and "_" in value else None)
def test_a_bad_field_is_named_with_what_it_must_be(changes, field, message):
    with pytest.raises(ValidationFailed) as raised:
        settings_from_form(form(**changes))
    assert list(raised.value.messages) == [field]
    assert message in raised.value.messages[field][0]


def test_every_bad_field_is_named_at_once():
    with pytest.raises(ValidationFailed) as raised:
        settings_from_form(form(window_days="x", max_auto_refund="y", max_return_rate="z",
                                return_rate_min_orders="", refund_on_approval_below="-1",
                                enabled=["nope"], auto_approve_reasons=["nope"]))
    assert set(raised.value.messages) == {"window_days", "max_auto_refund", "max_return_rate",
                                          "return_rate_min_orders", "refund_on_approval_below", "enabled",
                                          "auto_approve_reasons"}
    assert all(len(messages) == 1 for messages in raised.value.messages.values())


def test_every_reason_can_be_chosen():
    assert settings_from_form(form(auto_approve_reasons=list(REASONS))).auto_approve_reasons == frozenset(REASONS)
