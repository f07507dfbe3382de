"""The review rules page: versions, validation, who may change what, per-customer credit overrides."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.intake.entry import place_order
from models.orders.flow import review
from models.review.reviews import ReviewRuleSet, current_rule_set
from models.review.rules import RULE_CODES, CreditOverride
from schemas.orders import order_schema
from tests.factories import order_body

PAGE = "/ops/review-settings"
OVERRIDES = "/ops/review-settings/overrides"


def form(**changes) -> dict:
    """The settings form as the page fills it from the defaults (version 1), with ``changes``."""
    values = {"base_version": "1", "enabled": list(RULE_CODES), "amount_hold_threshold": "25000.00",
              "amount_senior_threshold": "100000.00", "duplicate_window_minutes": "60",
              "overdue_grace_days": "0", "hold_max_age_days": "0", "note": ""}
    values.update(changes)
    return values


def versions() -> int:
    return ReviewRuleSet.select().count()


@pytest.fixture
def editor(auth, client):
    auth.login_as("credit_controller")
    client.get(PAGE)  # records the defaults as version 1
    return client


def test_page_shows_the_rules_in_force_and_their_history(auth, client):
    auth.login_as("ops_admin")
    page = client.get(PAGE).text
    assert "Review rules <span class=\"muted\">version 1</span>" in page
    assert 'name="amount_hold_threshold" type="text" value="25000.00"' in page
    assert all(f'<input checked id="enabled-{i}" name="enabled" type="checkbox" value="{code}">' in page
               for i, code in enumerate(RULE_CODES))
    assert re.search(r"<td>1 <span[^>]*>in force</span></td>\s*<td>system</td>", page)
    assert "Save as a new version" in page


def test_save_makes_a_new_version_with_the_values(editor):
    response = editor.post(PAGE, data=form(amount_hold_threshold="30000", amount_senior_threshold="",
                                           duplicate_window_minutes="15", overdue_grace_days="7",
                                           hold_max_age_days="30",
                                           enabled=[c for c in RULE_CODES if c != "duplicate"],
                                           note="quarter-end volumes"), follow_redirects=True)
    assert "Review rules saved as version 2." in response.text
    rule_set = current_rule_set()
    settings = rule_set.settings
    assert (rule_set.version, rule_set.created_by, rule_set.note) == (2, "credit@relay.test", "quarter-end volumes")
    assert settings.amount_hold_threshold == Decimal("30000.00") and settings.amount_senior_threshold is None
    assert (settings.duplicate_window_minutes, settings.overdue_grace_days, settings.hold_max_age_days) == (15, 7, 30)
    assert settings.enabled == frozenset(RULE_CODES) - {"duplicate"}
    assert re.search(r"<td>2 <span[^>]*>in force</span></td>\s*<td>credit@relay.test</td>", response.text)


def test_without_a_note_the_version_says_what_changed(editor):
    editor.post(PAGE, data=form(amount_hold_threshold="", enabled=[c for c in RULE_CODES if c != "stock"]))
    assert current_rule_set().note == "rules off: stock; amount_hold_threshold 25000.00 → off"


def test_saving_unchanged_rules_makes_no_version(editor):
    response = editor.post(PAGE, data=form(amount_hold_threshold="25000", note="no change"), follow_redirects=True)
    assert "Nothing changed; no new version was made." in response.text
    assert versions() == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"amount_hold_threshold": "50000", "amount_senior_threshold": "40000"}, "amount_senior_threshold",
     "40000.00 is below amount_hold_threshold 50000.00"),
    ({"amount_hold_threshold": "12.345"}, "amount_hold_threshold", "an amount such as 25000 or 25000.00"),
    ({"amount_hold_threshold": "-5"}, "amount_hold_threshold", "an amount such as 25000 or 25000.00"),
    ({"duplicate_window_minutes": "-1"}, "duplicate_window_minutes", "Number must be between 0 and 43200."),
    ({"overdue_grace_days": "soon"}, "overdue_grace_days", "Not a valid integer value."),
    ({"enabled": ["credit_limit", "telepathy"]}, "enabled", "not a valid choice"),
], ids=["senior-below-hold", "three-decimals", "negative", "negative-window", "not-a-number", "unknown-rule"])
def test_bad_values_are_shown_on_the_form_and_make_no_version(editor, changes, field, message):
    response = editor.post(PAGE, data=form(**changes))
    assert response.status_code == 422
    label = response.text[response.text.index(f'name="{field}"') if field != "enabled" else
                          response.text.index("Rules in force"):]
    assert message in label[:2000]
    assert versions() == 1


def test_a_change_made_meanwhile_is_not_overwritten_silently(editor):
    editor.post(PAGE, data=form(overdue_grace_days="3"))
    response = editor.post(PAGE, data=form(overdue_grace_days="5"))  # still based on version 1
    assert response.status_code == 409
    assert "changed to version 2 by credit@relay.test while you edited" in response.text
    assert versions() == 2 and current_rule_set().settings.overdue_grace_days == 3


@pytest.mark.parametrize("role", ["ops_agent", "distributor"])
def test_only_credit_roles_may_save(auth, client, role):
    auth.login_as(role)
    assert client.post(PAGE, data=form(overdue_grace_days="9")).status_code == 403
    assert client.post(OVERRIDES, data={"override-customer_code": "CUST1", "override-bypass": "y"}).status_code == 403
    assert ReviewRuleSet.select().where(ReviewRuleSet.created_by != "system").count() == 0


def test_ops_agent_sees_the_rules_read_only(auth, client):
    auth.login_as("ops_agent")
    page = client.get(PAGE).text
    assert "Only an ops admin or credit controller may change the rules." in page
    assert "Save as a new version" not in page and "Save override" not in page
    assert re.search(r'<input disabled id="amount_hold_threshold"', page)


def test_supplier_may_not_see_the_rules(auth, client):
    auth.login_as("supplier")
    assert client.get(PAGE).status_code == 403


# --- per-customer overrides ------------------------------------------------------------------

def test_override_is_added_replaced_and_removed_each_as_a_version(editor):
    expires = (utc_now() + timedelta(days=10)).date()
    response = editor.post(OVERRIDES, data={"override-base_version": "1", "override-customer_code": "CUST1",
                                            "override-temporary_limit": "20000",
                                            "override-expires_on": expires.isoformat(),
                                            "override-note": "seasonal stock-up"}, follow_redirects=True)
    assert "saved as version 2" in response.text
    assert current_rule_set().settings.overrides == {"CUST1": CreditOverride(
        temporary_limit=Decimal("20000.00"), expires_at=datetime.combine(expires, datetime.min.time()),
        note="seasonal stock-up")}
    assert current_rule_set().note == "override for CUST1 set: seasonal stock-up"
    assert "20,000.00" in response.text and "seasonal stock-up" in response.text

    editor.post(OVERRIDES, data={"override-base_version": "2", "override-customer_code": "CUST1",
                                 "override-bypass": "y"})
    assert current_rule_set().settings.overrides["CUST1"] == CreditOverride(bypass=True)

    response = editor.post(f"{OVERRIDES}/CUST1/remove", data={"base_version": "3"}, follow_redirects=True)
    assert "saved as version 4" in response.text
    assert current_rule_set().settings.overrides == {} and current_rule_set().note == "override for CUST1 removed"
    # the other settings travel unchanged through every version
    assert current_rule_set().settings.amount_hold_threshold == Decimal("25000.00")


@pytest.mark.parametrize("data, field, message", [
    ({"override-customer_code": "NOBODY", "override-bypass": "y"}, "customer_code", "no customer with code NOBODY"),
    ({"override-customer_code": "CUST1"}, "temporary_limit", "give a temporary limit or tick the bypass"),
    ({"override-customer_code": "CUST1", "override-temporary_limit": "1.005"}, "temporary_limit",
     "an amount such as 25000 or 25000.00"),
    ({"override-customer_code": "CUST1", "override-bypass": "y", "override-expires_on": "2020-01-01"},
     "expires_on", "must be after today"),
], ids=["unknown-customer", "does-nothing", "bad-limit", "already-expired"])
def test_bad_override_is_refused_with_field_errors(editor, data, field, message):
    response = editor.post(OVERRIDES, data=data)
    assert response.status_code == 422
    assert message in response.text[response.text.index(f'name="override-{field}"'):][:1000]
    assert versions() == 1


def test_removing_a_missing_override_changes_nothing(editor):
    response = editor.post(f"{OVERRIDES}/CUST1/remove", follow_redirects=True)
    assert "There is no override for CUST1." in response.text
    assert versions() == 1


def test_saved_rules_are_what_review_uses(editor):
    editor.post(OVERRIDES, data={"override-base_version": "1", "override-customer_code": "CUST1",
                                 "override-bypass": "y"})
    body = order_body("PO-BIG", lines=[{"sku": "WIDGET", "quantity": 1001, "unit_price": "10.00"}])
    order, _ = place_order(order_schema.load(body), actor="test")  # 10,010.00 against a 10,000.00 limit
    assert review(order.id, actor="test") == "approve"


# --- saving against a version someone replaced meanwhile -----------------------------------------------------

STALE = "someone saved version 2 meanwhile; reload"


def test_a_save_landing_after_the_page_read_the_rules_is_refused(editor, monkeypatch):
    """The check is made under the lock when saving, not only against what the view read earlier."""
    shown = current_rule_set()
    editor.post(PAGE, data=form(overdue_grace_days="3"))
    monkeypatch.setattr("portal.holds.current_rule_set", lambda: shown)  # read just before version 2 landed
    response = editor.post(PAGE, data=form(overdue_grace_days="5"))
    assert response.status_code == 409 and STALE in response.text
    assert 'name="base_version" type="hidden" value="2"' in response.text  # saving again overwrites on purpose
    assert versions() == 2 and current_rule_set().settings.overdue_grace_days == 3


def test_the_override_forms_send_the_version_they_were_shown(editor):
    editor.post(OVERRIDES, data={"override-base_version": "1", "override-customer_code": "CUST1",
                                 "override-bypass": "y"})
    page = editor.get(PAGE).text
    assert 'name="override-base_version" type="hidden" value="2"' in page
    assert re.search(r'action="/ops/review-settings/overrides/CUST1/remove">\s*'
                     r'<input type="hidden" name="csrf_token" value="[^"]*">\s*'
                     r'<input type="hidden" name="base_version" value="2">', page)


@pytest.mark.parametrize("base_version", ["1", "", None], ids=["stale", "blank", "missing"])
def test_a_stale_override_is_refused_and_nothing_is_written(editor, base_version):
    editor.post(PAGE, data=form(overdue_grace_days="3"))
    data = {"override-customer_code": "CUST1", "override-bypass": "y"}
    if base_version is not None:
        data["override-base_version"] = base_version
    response = editor.post(OVERRIDES, data=data)
    assert response.status_code == 409 and STALE in response.text
    assert 'name="override-base_version" type="hidden" value="2"' in response.text
    assert re.search(r'name="override-customer_code"[^>]* value="CUST1"', response.text)  # kept to save again
    assert versions() == 2 and current_rule_set().settings.overrides == {}


def test_a_stale_override_removal_is_refused_and_nothing_is_written(editor):
    editor.post(OVERRIDES, data={"override-base_version": "1", "override-customer_code": "CUST1",
                                 "override-bypass": "y"})
    editor.post(OVERRIDES, data={"override-base_version": "2", "override-customer_code": "CUST2",
                                 "override-bypass": "y"})
    response = editor.post(f"{OVERRIDES}/CUST1/remove", data={"base_version": "2"})
    assert response.status_code == 409
    assert "someone saved version 3 meanwhile; reload" in response.text
    assert versions() == 3 and set(current_rule_set().settings.overrides) == {"CUST1", "CUST2"}
