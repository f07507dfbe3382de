import ast
import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.review.rules import (
    APPROVE,
    CREDIT_ROLES,
    DEFAULT_SETTINGS,
    HOLD,
    HOLD_DECIDERS,
    OTHER_HOLD_ROLES,
    REJECT,
    RULE_CODES,
    CreditOverride,
    LineFacts,
    LinePriceFacts,
    RecentOrder,
    ReviewDecision,
    ReviewFacts,
    ReviewReason,
    RuleSettings,
    may_release,
    needs_own_exposure,
    review_order,
)

T0 = datetime(2024, 5, 6, 9, 30)
BASE = ReviewFacts(
    order_id=7, external_ref="PO-7", placed_at=T0, order_total=Decimal("1000.00"), currency="EUR",
    customer_code="ACME", customer_blocked=False, credit_limit=Decimal("5000.00"),
    outstanding_balance=Decimal("0.00"), open_orders_value=Decimal("0.00"), oldest_overdue_days=0,
    overdue_amount=Decimal("0.00"), customer_allows_backorders=False,
    lines=(LineFacts(1, "TEA-GRN-100", 10, True, 50, False), LineFacts(2, "CUP-CER-6", 4, True, None, False)),
    ship_to_missing=(), ship_to_region="DE-BY", region_served=True,
)
BASE_LINES = frozenset({("TEA-GRN-100", 10), ("CUP-CER-6", 4)})


def facts(**changes) -> ReviewFacts:
    return replace(BASE, **changes)


def line(no=1, sku="TEA-GRN-100", quantity=10, matched=True, fillable=50, backorder_allowed=False) -> LineFacts:
    return LineFacts(no, sku, quantity, matched, fillable, backorder_allowed)


def settings(**changes) -> RuleSettings:
    return replace(DEFAULT_SETTINGS, **changes)


def with_override(**fields) -> RuleSettings:
    return settings(overrides={"ACME": CreditOverride(**fields)})


def credit(total, limit, outstanding="0.00", open_orders="0.00") -> ReviewFacts:
    return facts(order_total=Decimal(total), credit_limit=None if limit is None else Decimal(limit),
                 outstanding_balance=Decimal(outstanding), open_orders_value=Decimal(open_orders))


def recent(order_id=8, ref="PO-8", minutes=10, seconds=0, lines=BASE_LINES) -> RecentOrder:
    return RecentOrder(order_id, ref, T0 + timedelta(minutes=minutes, seconds=seconds), frozenset(lines))


def test_clean_order_is_approved():
    decision = review_order(facts())
    assert (decision.outcome, decision.codes, decision.summary()) == (APPROVE, (), "all checks passed")
    assert decision.release_roles == HOLD_DECIDERS
    assert decision.as_document() == {"outcome": APPROVE, "reasons": [], "release_roles": list(HOLD_DECIDERS)}


@pytest.mark.parametrize("case, codes", [
    (credit("999999999.99", None, outstanding="5000000.00"), ()),
    (credit("1000.00", "1000.00"), ()),
    (credit("1000.01", "1000.00"), ("credit_limit",)),
    (credit("0.00", "0"), ()),
    (credit("0.01", "0"), ("credit_limit",)),
    (credit("400.00", "1000.00", outstanding="300.00", open_orders="300.00"), ()),
    (credit("400.00", "1000.00", outstanding="300.00", open_orders="300.01"), ("credit_limit",)),
    (credit("400.00", "1000.00", outstanding="600.01"), ("credit_limit",)),
    (credit("400.00", "1000.00", open_orders="600.01"), ("credit_limit",)),
], ids=["no-limit", "at-limit", "one-cent-over", "zero-limit-free-order", "zero-limit-one-cent",
        "outstanding-plus-open-at-limit", "open-orders-push-over", "outstanding-over", "open-orders-over"])
def test_credit_limit(case, codes):
    decision = review_order(case, settings(enabled=frozenset({"credit_limit"})))
    assert decision.codes == codes
    assert decision.outcome == (HOLD if codes else APPROVE)


def test_credit_hold_shows_the_arithmetic_and_needs_a_credit_role():
    reason = review_order(credit("1288.00", "500.00", outstanding="450.00")).reasons[0]
    assert reason.message == ("exposure 1738.00 EUR (outstanding 450.00 + open orders 0.00 + this order 1288.00)"
                              " exceeds the credit limit 500.00 EUR by 1238.00 EUR")
    assert reason.numbers == {"exposure": "1738.00", "outstanding": "450.00", "open_orders": "0.00",
                              "order_total": "1288.00", "limit": "500.00", "over_by": "1238.00", "currency": "EUR"}
    assert reason.release_roles == CREDIT_ROLES


@pytest.mark.parametrize("limit, override, now, codes", [
    ("1000.00", {"temporary_limit": Decimal("1500.00")}, None, ()),
    ("1000.00", {"temporary_limit": Decimal("1500.00"), "expires_at": T0 + timedelta(seconds=1)}, None, ()),
    ("1000.00", {"temporary_limit": Decimal("1500.00"), "expires_at": T0}, None, ("credit_limit",)),
    ("1000.00", {"temporary_limit": Decimal("1500.00"), "expires_at": T0 + timedelta(days=1)},
     T0 + timedelta(days=1), ("credit_limit",)),
    ("5000.00", {"temporary_limit": Decimal("1000.00")}, None, ("credit_limit",)),
    (None, {"temporary_limit": Decimal("1000.00")}, None, ("credit_limit",)),
    ("1000.00", {"bypass": True}, None, ()),
    ("1000.00", {"bypass": True, "expires_at": T0}, None, ("credit_limit",)),
], ids=["temporary-no-expiry", "temporary-expires-a-second-later", "temporary-expires-exactly-now",
        "temporary-expired-by-now", "temporary-below-own-limit", "temporary-when-no-limit", "bypass",
        "bypass-expires-exactly-now"])
def test_credit_override(limit, override, now, codes):
    case = replace(credit("1200.00", limit), now=now)
    assert review_order(case, with_override(**override)).codes == codes


@pytest.mark.parametrize("expires_at, codes", [
    (None, ()), (T0 + timedelta(seconds=1), ()), (T0, ("overdue",)),
], ids=["bypass-no-expiry", "bypass-expires-a-second-later", "bypass-expires-exactly-now"])
def test_bypass_skips_the_overdue_check(expires_at, codes):
    case = facts(oldest_overdue_days=40, overdue_amount=Decimal("900.00"))
    assert review_order(case, with_override(bypass=True, expires_at=expires_at)).codes == codes


def test_override_of_another_customer_is_ignored():
    other = settings(overrides={"BETA": CreditOverride(bypass=True)})
    assert review_order(credit("1200.00", "1000.00"), other).codes == ("credit_limit",)


@pytest.mark.parametrize("expires_at, ending", [
    (datetime(2024, 5, 7), "the temporary limit 1000.00 EUR until 2024-05-07 00:00 UTC by 200.00 EUR"),
    (None, "the temporary limit 1000.00 EUR by 200.00 EUR"),
])
def test_temporary_limit_is_named_in_the_message(expires_at, ending):
    rules = with_override(temporary_limit=Decimal("1000.00"), expires_at=expires_at)
    reason = review_order(credit("1200.00", "5000.00"), rules).reasons[0]
    assert reason.message.endswith("exceeds " + ending)
    assert reason.numbers["limit"] == "1000.00"


@pytest.mark.parametrize("days, grace, codes", [
    (0, 0, ()), (1, 0, ("overdue",)), (7, 7, ()), (8, 7, ("overdue",)),
], ids=["none-overdue", "one-day-no-grace", "at-grace", "grace-plus-one"])
def test_overdue(days, grace, codes):
    case = facts(oldest_overdue_days=days, overdue_amount=Decimal("120.5"))
    assert review_order(case, settings(overdue_grace_days=grace)).codes == codes


def test_overdue_reason_carries_its_figures():
    reason = review_order(facts(oldest_overdue_days=31, overdue_amount=Decimal("120.5"))).reasons[0]
    assert reason.numbers == {"overdue_amount": "120.50", "days_past_due": "31", "grace_days": "0"}
    assert "31 days past due" in reason.message and "120.50" in reason.message
    assert reason.release_roles == CREDIT_ROLES


@pytest.mark.parametrize("total, hold, senior, codes", [
    ("25000.00", "25000.00", "100000.00", ()),
    ("25000.01", "25000.00", "100000.00", ("amount",)),
    ("100000.00", "25000.00", "100000.00", ("amount",)),
    ("100000.01", "25000.00", "100000.00", ("amount_senior",)),
    ("100000.01", None, "100000.00", ("amount_senior",)),
    ("100000.01", "25000.00", None, ("amount",)),
    ("9999999.00", None, None, ()),
    ("500.01", "500.00", "500.00", ("amount_senior",)),
], ids=["at-hold", "cent-over-hold", "at-senior", "cent-over-senior", "no-hold-threshold",
        "no-senior-threshold", "no-thresholds", "equal-thresholds"])
def test_amount(total, hold, senior, codes):
    rules = settings(amount_hold_threshold=None if hold is None else Decimal(hold),
                     amount_senior_threshold=None if senior is None else Decimal(senior))
    assert review_order(credit(total, None), rules).codes == codes


@pytest.mark.parametrize("total, roles", [("25000.01", OTHER_HOLD_ROLES), ("100000.01", CREDIT_ROLES)])
def test_amount_release_roles(total, roles):
    assert review_order(credit(total, None)).reasons[0].release_roles == roles


@pytest.mark.parametrize("ordered, fillable, customer_ok, sku_ok, codes", [
    (40, 12, False, False, ("stock",)),
    (40, 12, True, False, ("stock",)),
    (40, 12, False, True, ("stock",)),
    (40, 12, True, True, ()),
    (40, 40, False, False, ()),
    (41, 40, False, False, ("stock",)),
    (40, 0, False, False, ("stock",)),
    (10**6, None, False, False, ()),
], ids=["short", "only-customer-allows-backorders", "only-sku-allows-backorders", "both-allow",
        "exactly-fillable", "one-short", "nothing-fillable", "drop-ship-unlimited"])
def test_stock(ordered, fillable, customer_ok, sku_ok, codes):
    case = facts(customer_allows_backorders=customer_ok,
                 lines=(line(2, "SKU-1", ordered, fillable=fillable, backorder_allowed=sku_ok),))
    assert review_order(case, settings(enabled=frozenset({"stock"}))).codes == codes


def test_stock_lists_every_short_line_and_skips_unknown_skus():
    case = facts(lines=(line(1, "SKU-0", 5, fillable=9), line(2, "SKU-1", 40, fillable=12),
                        line(3, "SKU-2", 3, fillable=0), line(4, "NEW-1", 8, matched=False, fillable=0)))
    decision = review_order(case)
    assert decision.codes == ("stock", "unknown_sku")
    stock = decision.reasons[0]
    assert stock.message == ("not enough stock for line 2 SKU-1: 40 ordered, at most 12 can be supplied, short 28;"
                             " line 3 SKU-2: 3 ordered, at most 0 can be supplied, short 3")
    assert stock.numbers["line_2_shortfall"] == "28" and stock.numbers["line_3_shortfall"] == "3"
    assert "line_4_shortfall" not in stock.numbers


@pytest.mark.parametrize("missing, served, code, words", [
    (("street", "postcode"), True, "ship_to_incomplete", "street, postcode"),
    (("city",), False, "ship_to_incomplete", "city"),
    ((), False, "ship_to_undeliverable", "region DE-BY"),
], ids=["missing-fields", "missing-wins-over-undeliverable", "undeliverable"])
def test_ship_to(missing, served, code, words):
    decision = review_order(facts(ship_to_missing=missing, region_served=served))
    assert decision.codes == (code,)
    assert words in decision.reasons[0].message


@pytest.mark.parametrize("others, window, codes", [
    ((recent(minutes=-60),), 60, ("suspected_duplicate",)),
    ((recent(minutes=60),), 60, ("suspected_duplicate",)),
    ((recent(minutes=-60, seconds=-1),), 60, ()),
    ((recent(minutes=60, seconds=1),), 60, ()),
    ((recent(minutes=0),), 0, ("suspected_duplicate",)),
    ((recent(lines={("TEA-GRN-100", 11), ("CUP-CER-6", 4)}),), 60, ()),
    ((recent(lines={("TEA-GRN-100", 10)}),), 60, ()),
    ((recent(ref="PO-7"),), 60, ()),
    ((recent(order_id=7, ref="PO-7b"),), 60, ()),
], ids=["at-window-before", "at-window-after", "second-past-before", "second-past-after", "zero-window-same-time",
        "different-quantity", "fewer-lines", "same-external-ref", "same-order"])
def test_duplicate(others, window, codes):
    rules = settings(duplicate_window_minutes=window)
    assert review_order(facts(recent_orders=others), rules).codes == codes


def test_the_same_reference_from_another_submitter_is_a_suspected_duplicate():
    """Ops keying a customer's PO that its distributor also sent: two scopes, so intake made two orders."""
    twin = replace(recent(ref="PO-7"), intake_scope="ops:customer:1")
    same_submitter = replace(recent(order_id=9, ref="PO-7"), intake_scope="partner:2")
    case = facts(intake_scope="partner:2", recent_orders=(twin, same_submitter))
    assert review_order(case).codes == ("suspected_duplicate",)
    assert review_order(case).reasons[0].numbers["duplicate_of"] == "8"


def test_duplicate_names_every_twin_in_time_order():
    case = facts(recent_orders=(recent(9, "PO-9", minutes=5), recent(8, "PO-8", minutes=-5), recent(10, "X", 500)))
    reason = review_order(case).reasons[0]
    assert reason.message == "the same lines as order 8 (PO-8), order 9 (PO-9), placed within 60 minutes of this order"
    assert reason.numbers == {"window_minutes": "60", "duplicate_of": "8, 9"}


def test_unknown_skus_are_named_once_each():
    case = facts(lines=(line(1, "TEA-OOL-250", matched=False), line(2, "CUP-CER-6", matched=False),
                        line(3, "TEA-OOL-250", 2, matched=False), line(4)))
    decision = review_order(case)
    assert (decision.outcome, decision.codes) == (HOLD, ("unknown_sku",))
    assert decision.reasons[0].message == "SKU not in the catalogue: TEA-OOL-250, CUP-CER-6"


FIRING = {
    "customer_blocked": {"customer_blocked": True},
    "credit_limit": {"credit_limit": Decimal("10.00")},
    "overdue": {"oldest_overdue_days": 3},
    "amount": {"order_total": Decimal("30000.00"), "credit_limit": None},
    "stock": {"lines": (line(fillable=1),)},
    "ship_to": {"region_served": False},
    "duplicate": {"recent_orders": (recent(),)},
    "unknown_sku": {"lines": (line(matched=False),)},
    "price": {"price_lines": (LinePriceFacts(1, "TEA-GRN-100", None, None, "EUR"),)},
}


@pytest.mark.parametrize("rule", RULE_CODES)
def test_a_switched_off_rule_does_not_fire(rule):
    case = facts(**FIRING[rule])
    assert review_order(case).outcome != APPROVE
    assert review_order(case, settings(enabled=frozenset(RULE_CODES) - {rule})).outcome == APPROVE


def test_blocked_customer_is_rejected_with_every_other_reason_listed():
    case = facts(customer_blocked=True, credit_limit=Decimal("0.00"), order_total=Decimal("30000.00"),
                 region_served=False, lines=(line(fillable=1), line(2, "NEW-1", matched=False)))
    decision = review_order(case)
    assert decision.outcome == REJECT
    assert decision.codes == ("customer_blocked", "credit_limit", "amount", "stock", "ship_to_undeliverable",
                              "unknown_sku")
    assert decision.summary().startswith("customer_blocked: customer ACME is blocked; credit_limit: exposure")


@pytest.mark.parametrize("reason_roles, roles", [
    ((), HOLD_DECIDERS),
    ((HOLD_DECIDERS, HOLD_DECIDERS), HOLD_DECIDERS),
    ((HOLD_DECIDERS, CREDIT_ROLES), ("ops_admin", "credit_controller")),
    ((("ops_agent",), ("credit_controller",)), ()),
], ids=["no-reasons", "ordinary", "credit-and-ordinary", "disjoint"])
def test_decision_release_roles_are_the_intersection(reason_roles, roles):
    reasons = tuple(ReviewReason(f"r{n}", "x", release_roles=r) for n, r in enumerate(reason_roles))
    assert ReviewDecision(HOLD if reasons else APPROVE, reasons).release_roles == roles


def test_release_roles_in_a_review_follow_the_rules():
    decision = review_order(facts(oldest_overdue_days=2, region_served=False))
    assert decision.codes == ("overdue", "ship_to_undeliverable")
    assert decision.release_roles == ("ops_admin", "credit_controller")


@pytest.mark.parametrize("codes, role, allowed", [
    (("stock",), "ops_agent", True),
    (("credit_limit",), "ops_agent", False),
    (("credit_limit",), "credit_controller", True),
    (("overdue", "stock"), "ops_admin", True),
    (("amount_senior",), "ops_agent", False),
    (("stock",), "distributor", False),
    ((), "ops_agent", True),
])
def test_may_release(codes, role, allowed):
    assert may_release(iter(codes), role) is allowed


def test_decision_document_is_json():
    decision = review_order(facts(credit_limit=Decimal("500.00"), region_served=False))
    document = json.loads(json.dumps(decision.as_document()))
    assert document["outcome"] == HOLD
    assert [r["code"] for r in document["reasons"]] == ["credit_limit", "ship_to_undeliverable"]
    assert document["reasons"][0]["numbers"]["over_by"] == "500.00"
    assert document["reasons"][0]["release_roles"] == list(CREDIT_ROLES)
    assert document["release_roles"] == ["ops_admin", "credit_controller"]


@pytest.mark.parametrize("decision, summary", [
    (ReviewDecision(REJECT, (ReviewReason("customer_blocked", "the customer is blocked"),)),
     "customer_blocked: the customer is blocked"),
    (ReviewDecision(HOLD, (ReviewReason("a", "first"), ReviewReason("b", "second"))), "a: first; b: second"),
])
def test_summary(decision, summary):
    assert decision.summary() == summary


CUSTOM = RuleSettings(
    enabled=frozenset({"stock", "credit_limit"}), amount_hold_threshold=Decimal("10.00"),
    amount_senior_threshold=None, duplicate_window_minutes=15, overdue_grace_days=3, hold_max_age_days=14,
    overrides={"ACME": CreditOverride(True, Decimal("2500.5"), datetime(2024, 6, 1, 12), "until the audit"),
               "BETA": CreditOverride()},
)


def test_settings_document():
    assert CUSTOM.to_document() == {
        "enabled": ["credit_limit", "stock"], "amount_hold_threshold": "10.00", "amount_senior_threshold": None,
        "duplicate_window_minutes": 15, "overdue_grace_days": 3, "hold_max_age_days": 14,
        "price_tolerance_percent": "0",
        "overrides": {
            "ACME": {"bypass": True, "temporary_limit": "2500.50", "expires_at": "2024-06-01T12:00:00",
                     "note": "until the audit"},
            "BETA": {"bypass": False, "temporary_limit": None, "expires_at": None, "note": ""},
        },
    }


@pytest.mark.parametrize("rules", [DEFAULT_SETTINGS, CUSTOM, settings(enabled=frozenset())],
                         ids=["default", "custom", "nothing-enabled"])
def test_settings_round_trip_through_json(rules):
    assert RuleSettings.from_document(json.loads(json.dumps(rules.to_document()))) == rules


def test_missing_keys_take_the_defaults():
    assert RuleSettings.from_document({}) == DEFAULT_SETTINGS
    partial = RuleSettings.from_document({"overdue_grace_days": 5, "overrides": {"ACME": {"bypass": True}}})
    assert partial == settings(overdue_grace_days=5, overrides={"ACME": CreditOverride(bypass=True)})


def test_override_expiry_in_another_zone_becomes_naive_utc():
    rules = RuleSettings.from_document({"overrides": {"ACME": {"expires_at": "2024-06-01T14:00:00+02:00"}}})
    assert rules.overrides["ACME"].expires_at == datetime(2024, 6, 1, 12)
    aware = CreditOverride(expires_at=datetime(2024, 6, 1, 12, tzinfo=UTC))
    assert aware.expires_at == datetime(2024, 6, 1, 12)


@pytest.mark.parametrize("document, key", [
    ({"amount_hold_threshold": "-0.01"}, "amount_hold_threshold"),
    ({"amount_hold_threshold": "200.00", "amount_senior_threshold": "199.99"}, "amount_senior_threshold"),
    ({"amount_hold_threshold": "12,50"}, "amount_hold_threshold"),
    ({"amount_hold_threshold": 12.5}, "amount_hold_threshold"),
    ({"amount_hold_threshold": "1.005"}, "amount_hold_threshold"),
    ({"enabled": ["stock", "weather"]}, "enabled"),
    ({"enabled": "stock"}, "enabled"),
    ({"duplicate_window_minutes": -1}, "duplicate_window_minutes"),
    ({"hold_max_age_days": "7"}, "hold_max_age_days"),
    ({"overdue_grace_days": True}, "overdue_grace_days"),
    ({"amount_hold_treshold": "1.00"}, "amount_hold_treshold"),
    ({"overrides": []}, "overrides"),
    ({"overrides": {"ACME": {"temporary_limit": "-5.00"}}}, "overrides.ACME.temporary_limit"),
    ({"overrides": {"ACME": {"temporary_limit": "lots"}}}, "overrides.ACME.temporary_limit"),
    ({"overrides": {"ACME": {"expires_at": "next Tuesday"}}}, "overrides.ACME.expires_at"),
    ({"overrides": {"ACME": {"bypass": "yes"}}}, "overrides.ACME.bypass"),
    ({"overrides": {"ACME": {"limit": "5.00"}}}, "overrides.ACME.limit"),
])
def test_bad_settings_document_names_the_key(document, key):
    with pytest.raises(ValueError, match=f"^{key}: "):
        RuleSettings.from_document(document)


def test_settings_are_checked_when_built_too():
    with pytest.raises(ValueError, match="^amount_senior_threshold: "):
        RuleSettings(amount_hold_threshold=Decimal("10.00"), amount_senior_threshold=Decimal("9.99"))
    with pytest.raises(ValueError, match="^enabled: "):
        RuleSettings(enabled=frozenset({"everything"}))


def test_settings_cannot_be_changed_through_the_caller_s_dict():
    overrides = {"ACME": CreditOverride(bypass=True)}
    rules = RuleSettings(overrides=overrides)
    overrides["BETA"] = CreditOverride()
    assert list(rules.overrides) == ["ACME"]
    with pytest.raises(TypeError):
        rules.overrides["BETA"] = CreditOverride()


@pytest.mark.parametrize("expires_at, found", [
    (None, True), (T0, False),
])
def test_override_for(expires_at, found):
    rules = with_override(bypass=True, expires_at=expires_at)
    assert (rules.override_for("ACME", T0) is not None) is found
    assert rules.override_for("BETA", T0) is None


@pytest.mark.parametrize("module", ["review/rules.py", "review/settings.py"])
def test_rule_modules_import_only_the_standard_library(module):
    tree = ast.parse((Path(__file__).parents[3] / "models" / module).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    # pure modules themselves
    pure = {"models.review.settings", "models.pricing.rules", "models.core.texts", "models.core.text_messages",
            "models.core.audit_reasons"}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names and name not in pure}
    assert not outside


def test_only_a_partner_weighed_against_a_limit_needs_its_reviews_serialized():
    from models.review.rules import weighs_credit

    limited = dict(customer_code="C1", credit_limit=Decimal("100"), group_credit_limit=None)
    free = dict(customer_code="C1", credit_limit=None, group_credit_limit=None)
    assert weighs_credit(DEFAULT_SETTINGS, **limited)
    assert weighs_credit(DEFAULT_SETTINGS, **dict(free, group_credit_limit=Decimal("500")))  # a capped distributor
    assert not weighs_credit(DEFAULT_SETTINGS, **free)
    with_override = replace(DEFAULT_SETTINGS, overrides={"C1": CreditOverride(temporary_limit=Decimal("50"))})
    assert weighs_credit(with_override, **free)  # a temporary limit counts, whenever it applies
    assert not weighs_credit(replace(DEFAULT_SETTINGS, enabled=DEFAULT_SETTINGS.enabled - {"credit_limit"}), **limited)


AMOUNTS = st.decimals(min_value=0, max_value=100000, places=2)


@given(limit=st.none() | AMOUNTS, override=st.sampled_from([None, CreditOverride(bypass=True),
                                                             CreditOverride(temporary_limit=Decimal("10.00"))]),
       credit_rule=st.booleans(), outstanding=AMOUNTS, open_orders=AMOUNTS, missing=st.booleans())
def test_a_buyers_exposure_changes_no_decision_where_its_own_exposure_is_not_needed(
        limit, override, credit_rule, outstanding, open_orders, missing):
    rules = settings(overrides={} if override is None else {"ACME": override},
                     enabled=DEFAULT_SETTINGS.enabled if credit_rule else DEFAULT_SETTINGS.enabled - {"credit_limit"})
    needed = needs_own_exposure(rules, customer_code="ACME", credit_limit=limit)
    assert needed == (credit_rule and (limit is not None or override is not None))
    if needed:
        return
    known = facts(credit_limit=limit, outstanding_balance=outstanding, open_orders_value=open_orders,
                  missing_rates=("no exchange rate for HKD on or before 2024-05-06",) if missing else ())
    unread = facts(credit_limit=limit)  # as the review step hands it when it does not load the exposure
    assert review_order(known, rules) == review_order(unread, rules)
