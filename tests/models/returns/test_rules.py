"""Return approval rules: every rule at its boundary, disabled rules, several rules at once, refund on
approval, settings validation and the stored document."""
from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import models.core
from models.returns.rules import (
    APPROVE,
    DEFAULT_SETTINGS,
    REASONS,
    REVIEW,
    RULE_CODES,
    LineFacts,
    ReturnFacts,
    ReturnSettings,
    decide_return,
)

DELIVERED = datetime(2024, 3, 1, 12, 0)
BASE = ReturnFacts(reason="damaged", resolution="refund", requested_at=DELIVERED + timedelta(days=3),
                   delivered_at=DELIVERED, refund_amount=Decimal("120.00"), currency="EUR",
                   lines=(LineFacts("TEA-GRN-100", 2), LineFacts("CUP-CER-6", 1)),
                   customer_delivered_orders=20, customer_returns=1)


def facts(**changes) -> ReturnFacts:
    return replace(BASE, **changes)


def settings(**changes) -> ReturnSettings:
    return replace(DEFAULT_SETTINGS, **changes)


def codes(decision) -> list[str]:
    return [reason.code for reason in decision.reasons]


def test_the_base_return_is_approved_by_the_defaults():
    decision = decide_return(BASE)
    assert (decision.outcome, decision.reasons, decision.refund_on_approval) == (APPROVE, (), False)


def test_defaults_are_the_documented_ones():
    assert DEFAULT_SETTINGS.enabled == frozenset(RULE_CODES)
    assert (DEFAULT_SETTINGS.window_days, DEFAULT_SETTINGS.max_auto_refund, DEFAULT_SETTINGS.max_return_rate,
            DEFAULT_SETTINGS.return_rate_min_orders, DEFAULT_SETTINGS.refund_on_approval_below) == \
        (30, Decimal("1000.00"), Decimal("0.30"), 5, Decimal("0.00"))
    assert DEFAULT_SETTINGS.auto_approve_reasons == {"damaged", "defective", "wrong_item"}


# --- each rule at its boundary -------------------------------------------------------------------

@pytest.mark.parametrize("age, window_days, fires", [
    (timedelta(days=30), 30, False),
    (timedelta(days=30, seconds=1), 30, True),
    (timedelta(days=29, hours=23, minutes=59, seconds=59), 30, False),
    (timedelta(0), 0, False),  # a zero-day window still takes a request at the moment of delivery
    (timedelta(seconds=1), 0, True),
    (timedelta(days=-1), 30, False),  # clocks a little apart: asked "before" delivery is inside the window
    (timedelta(days=400), 3650, False),
], ids=["exactly-30-days", "30-days-1-second", "just-under", "zero-window-same-moment", "zero-window-1-second",
        "before-delivery", "long-window"])
def test_window(age, window_days, fires):
    decision = decide_return(facts(requested_at=DELIVERED + age), settings(window_days=window_days))
    assert codes(decision) == (["window"] if fires else [])


def test_window_reason_counts_the_day_begun():
    decision = decide_return(facts(requested_at=DELIVERED + timedelta(days=30, seconds=1)))
    reason = decision.reasons[0]
    assert reason.numbers == {"days_since_delivery": 31, "window_days": 30}
    assert reason.message == "requested 31 days after delivery; the return window is 30 days"


@pytest.mark.parametrize("amount, limit, fires", [
    ("1000.00", "1000.00", False),
    ("1000.01", "1000.00", True),
    ("999.99", "1000.00", False),
    ("0.00", "0.00", False),
    ("0.01", "0.00", True),
], ids=["equal", "a-cent-above", "a-cent-below", "zero-limit-zero-value", "zero-limit-a-cent"])
def test_refund_amount(amount, limit, fires):
    decision = decide_return(facts(refund_amount=Decimal(amount)), settings(max_auto_refund=Decimal(limit)))
    assert codes(decision) == (["refund_amount"] if fires else [])
    if fires:
        assert decision.reasons[0].numbers == {"refund_amount": amount, "max_auto_refund": limit}
        assert f"value {amount} EUR is above the automatic limit {limit}" in decision.reasons[0].message


@pytest.mark.parametrize("reason, fires", [
    ("damaged", False), ("defective", False), ("wrong_item", False),
    ("not_as_described", True), ("no_longer_needed", True), ("other", True),
])
def test_reason_with_the_default_list(reason, fires):
    decision = decide_return(facts(reason=reason))
    assert codes(decision) == (["reason"] if fires else [])
    if fires:
        assert decision.reasons[0].numbers == {"reason": reason}
        assert "(automatic: damaged, defective, wrong_item)" in decision.reasons[0].message


def test_every_reason_is_covered_by_the_table():
    assert set(REASONS) == {"damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "other"}


@pytest.mark.parametrize("reason", REASONS)
def test_with_no_automatic_reasons_every_reason_is_reviewed(reason):
    decision = decide_return(facts(reason=reason), settings(auto_approve_reasons=frozenset()))
    assert codes(decision) == ["reason"]
    assert "(automatic: none)" in decision.reasons[0].message


@pytest.mark.parametrize("orders, returns, fires", [
    (4, 4, False),  # 100 % but fewer than 5 delivered orders: too few to judge
    (5, 2, True),  # exactly the minimum is judged: 0.40
    (10, 3, False),  # exactly 0.30
    (10, 4, True),
    (0, 0, False),
    (0, 3, False),  # returns without delivered orders never divide by zero
    (100000, 30000, False),
    (100000, 30001, True),  # 0.30001: strictly above, however small the excess
], ids=["four-orders", "five-orders", "rate-equal", "rate-above", "no-orders", "no-orders-some-returns",
        "large-equal", "large-just-above"])
def test_return_rate(orders, returns, fires):
    decision = decide_return(facts(customer_delivered_orders=orders, customer_returns=returns))
    assert codes(decision) == (["return_rate"] if fires else [])


def test_return_rate_reason_has_its_figures():
    reason = decide_return(facts(customer_delivered_orders=10, customer_returns=4)).reasons[0]
    assert reason.numbers == {"returns": 4, "delivered_orders": 10, "rate": "0.4000", "max_return_rate": "0.30"}
    assert reason.message == "the customer returned 4 of 10 delivered orders (40%), above 30%"


def test_return_rate_min_orders_zero_judges_from_the_first_order():
    decision = decide_return(facts(customer_delivered_orders=1, customer_returns=1),
                             settings(return_rate_min_orders=0))
    assert codes(decision) == ["return_rate"]


def test_final_sale_fires_for_any_final_sale_line_and_names_its_skus():
    lines = (LineFacts("TEA-GRN-100", 1), LineFacts("SALE-2", 1, final_sale=True), LineFacts("SALE-1", 3, True))
    decision = decide_return(facts(lines=lines))
    assert codes(decision) == ["final_sale"]
    assert decision.reasons[0].numbers == {"skus": ["SALE-1", "SALE-2"]}
    assert decision.reasons[0].message == "final-sale SKU SALE-1, SALE-2"
    assert codes(decide_return(facts(lines=(LineFacts("TEA-GRN-100", 1),)))) == []


@pytest.mark.parametrize("returned_before, fires", [(0, False), (1, True), (5, True)])
def test_already_returned(returned_before, fires):
    lines = (LineFacts("TEA-GRN-100", 1, returned_before=returned_before), LineFacts("CUP-CER-6", 1))
    decision = decide_return(facts(lines=lines))
    assert codes(decision) == (["already_returned"] if fires else [])
    if fires:
        assert decision.reasons[0].numbers == {"returned_before": {"TEA-GRN-100": returned_before}}
        assert f"TEA-GRN-100 ({returned_before} already)" in decision.reasons[0].message


# --- rules together --------------------------------------------------------------------------

EVERY_RULE_FIRES = facts(requested_at=DELIVERED + timedelta(days=45), refund_amount=Decimal("5000.00"),
                         reason="other", customer_delivered_orders=10, customer_returns=9,
                         lines=(LineFacts("SALE-1", 1, final_sale=True, returned_before=1),))


def test_every_rule_fires_together_in_a_stable_order():
    decision = decide_return(EVERY_RULE_FIRES)
    assert decision.outcome == REVIEW
    assert codes(decision) == list(RULE_CODES)
    assert decision.reasons_document() == decide_return(EVERY_RULE_FIRES).reasons_document()


@pytest.mark.parametrize("code", RULE_CODES)
def test_a_disabled_rule_never_fires(code):
    decision = decide_return(EVERY_RULE_FIRES, settings(enabled=frozenset(RULE_CODES) - {code}))
    assert codes(decision) == [c for c in RULE_CODES if c != code]


def test_with_every_rule_off_everything_is_approved():
    decision = decide_return(EVERY_RULE_FIRES, settings(enabled=frozenset()))
    assert (decision.outcome, decision.reasons) == (APPROVE, ())


def test_two_rules_keep_the_rule_order_whatever_the_enabled_order():
    both = facts(reason="other", refund_amount=Decimal("2000.00"))
    assert codes(decide_return(both, settings(enabled=["reason", "refund_amount"]))) == ["refund_amount", "reason"]


def test_reasons_document_is_plain_json():
    document = decide_return(facts(reason="other")).reasons_document()
    assert document == [{"code": "reason", "numbers": {"reason": "other"},
                         "message": "reason other is not approved automatically "
                                    "(automatic: damaged, defective, wrong_item)"}]


# --- refund on approval ----------------------------------------------------------------------

@pytest.mark.parametrize("below, amount, resolution, early", [
    ("0.00", "0.01", "refund", False),  # 0 = never
    ("0.00", "0.00", "refund", False),
    ("50.00", "49.99", "refund", True),
    ("50.00", "50.00", "refund", False),  # strictly below
    ("50.00", "0.00", "refund", True),
    ("50.00", "10.00", "exchange", False),  # an exchange sends goods, not money
], ids=["off", "off-zero-value", "a-cent-below", "equal", "nothing-to-refund", "exchange"])
def test_refund_on_approval(below, amount, resolution, early):
    decision = decide_return(facts(refund_amount=Decimal(amount), resolution=resolution),
                             settings(refund_on_approval_below=Decimal(below)))
    assert decision.refund_on_approval is early


def test_refund_on_approval_is_told_also_when_a_person_decides():
    decision = decide_return(facts(reason="other", refund_amount=Decimal("10.00")),
                             settings(refund_on_approval_below=Decimal("50.00")))
    assert (decision.outcome, decision.refund_on_approval) == (REVIEW, True)


# --- settings validation and the document ----------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"enabled": {"window", "telepathy"}}, "enabled"),
    ({"auto_approve_reasons": {"bored"}}, "auto_approve_reasons"),
    ({"window_days": -1}, "window_days"),
    ({"window_days": 3651}, "window_days"),
    ({"window_days": 1.5}, "window_days"),
    ({"window_days": True}, "window_days"),
    ({"window_days": "30"}, "window_days"),
    ({"return_rate_min_orders": -1}, "return_rate_min_orders"),
    ({"max_auto_refund": Decimal("-0.01")}, "max_auto_refund"),
    ({"max_auto_refund": Decimal("10.005")}, "max_auto_refund"),
    ({"max_auto_refund": Decimal("NaN")}, "max_auto_refund"),
    ({"max_auto_refund": Decimal("1E+30")}, "max_auto_refund"),
    ({"max_auto_refund": 1000}, "max_auto_refund"),
    ({"refund_on_approval_below": Decimal(-1)}, "refund_on_approval_below"),
    ({"refund_on_approval_below": Decimal("Infinity")}, "refund_on_approval_below"),
    ({"max_return_rate": Decimal("1.01")}, "max_return_rate"),
    ({"max_return_rate": Decimal("-0.01")}, "max_return_rate"),
    ({"max_return_rate": 0.3}, "max_return_rate"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_bad_setting_raises_value_error_naming_it(changes, field):
    with pytest.raises(ValueError, match=rf"^(.*; )?{field}: "):
        settings(**changes)


def test_every_bad_setting_is_named_at_once():
    with pytest.raises(ValueError) as raised:
        ReturnSettings(window_days=-1, max_auto_refund=Decimal(-1), max_return_rate=Decimal(2))
    assert all(f"{name}: " in str(raised.value) for name in ("window_days", "max_auto_refund", "max_return_rate"))


def test_settings_copy_their_sets():
    enabled = {"window"}
    chosen = ReturnSettings(enabled=enabled)
    enabled.add("reason")
    assert chosen.enabled == frozenset({"window"})


def test_the_default_document_is_the_one_the_migration_stores():
    path = Path(models.core.__file__).parent / "migrations" / "0009_returns_and_feedback.py"
    spec = importlib.util.spec_from_file_location("migration_0009", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert json.loads(module.DEFAULT_RETURN_RULES) == DEFAULT_SETTINGS.to_document()
    assert ReturnSettings.from_document(json.loads(module.DEFAULT_RETURN_RULES)) == DEFAULT_SETTINGS


@pytest.mark.parametrize("changes, field", [
    ({"window_days": "thirty"}, "window_days"),
    ({"window_days": 30.9}, "window_days"),  # int() would quietly make it 30
    ({"window_days": None}, "window_days"),
    ({"return_rate_min_orders": [5]}, "return_rate_min_orders"),
    ({"max_auto_refund": "lots"}, "max_auto_refund"),
    ({"max_auto_refund": None}, "max_auto_refund"),
    ({"max_return_rate": "high"}, "max_return_rate"),
    ({"refund_on_approval_below": "1.001"}, "refund_on_approval_below"),
    ({"enabled": "window"}, "enabled"),  # a string is not a list of rules
    ({"enabled": None}, "enabled"),
    ({"enabled": ["window", "telepathy"]}, "enabled"),
    ({"auto_approve_reasons": [1, 2]}, "auto_approve_reasons"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_bad_document_raises_value_error_naming_the_field(changes, field):
    document = {**DEFAULT_SETTINGS.to_document(), **changes}
    with pytest.raises(ValueError, match=rf"^(.*; )?{field}: "):
        ReturnSettings.from_document(document)


@pytest.mark.parametrize("missing", ["window_days", "max_auto_refund", "max_return_rate", "return_rate_min_orders",
                                     "refund_on_approval_below"])
def test_a_document_missing_a_figure_names_it(missing):
    document = {key: value for key, value in DEFAULT_SETTINGS.to_document().items() if key != missing}
    with pytest.raises(ValueError, match=f"^{missing}: "):
        ReturnSettings.from_document(document)


amounts = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2, allow_nan=False,
                      allow_infinity=False)
valid_settings = st.builds(
    ReturnSettings,
    enabled=st.frozensets(st.sampled_from(RULE_CODES)),
    window_days=st.integers(0, 3650),
    max_auto_refund=amounts,
    auto_approve_reasons=st.frozensets(st.sampled_from(REASONS)),
    max_return_rate=st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False),
    return_rate_min_orders=st.integers(0, 3650),
    refund_on_approval_below=amounts,
)


@given(valid_settings)
def test_document_round_trip(chosen):
    stored = json.loads(json.dumps(chosen.to_document(), sort_keys=True))  # as the rule-set table keeps it
    assert ReturnSettings.from_document(stored) == chosen
    assert ReturnSettings.from_document(stored).to_document() == chosen.to_document()
