"""The return rules page: what each rule does, versions, validation, who may change them, conflicts."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from models.returns.rules import REASONS, RULE_CODES
from models.returns.settings import current_return_rules
from models.returns.tables import ReturnRuleSet
from portal.return_settings import FIELD_LABELS

PAGE = "/ops/return-settings"


def form(**changes) -> dict:
    """The form as the page fills it from the defaults (version 1), with ``changes``."""
    values = {"expected_version": "1", "enabled": list(RULE_CODES), "window_days": "30",
              "max_auto_refund": "1000.00", "max_return_rate": "0.30", "return_rate_min_orders": "5",
              "refund_on_approval_below": "0.00", "auto_approve_reasons": ["damaged", "defective", "wrong_item"],
              "note": ""}
    values.update(changes)
    return values


def versions() -> int:
    return ReturnRuleSet.select().count()


def near(page: str, marker: str, length: int = 1500) -> str:
    """The part of ``page`` from ``marker`` on, where a field's own error message is shown."""
    return page[page.index(marker):][:length]


@pytest.fixture
def editor(auth, client):
    auth.login_as("ops_admin")
    return client


def test_page_shows_every_rule_the_version_in_force_and_the_form(editor):
    page = editor.get(PAGE).text
    assert 'Return rules <span class="muted">version 1</span>' in page
    assert "saved by system: defaults." in page
    for code in RULE_CODES:
        assert re.search(rf'<input class="check" id="enabled-{code}" name="enabled" type="checkbox" '
                         rf'value="{code}" checked>', page)
    assert "Asked for more than 30 days after the order was delivered" in page
    assert "above 1,000.00 in the order&#39;s currency" in page
    assert "not one approved automatically: damaged, defective, wrong item." in page
    assert "returned more than 30% of their delivered orders; judged only once they have 5 or more" in page
    assert 'name="max_return_rate" type="text" value="0.30"' in page
    assert 'name="expected_version" value="1"' in page
    for reason in REASONS:
        checked = " checked" if reason in ("damaged", "defective", "wrong_item") else ""
        assert f'name="auto_approve_reasons" type="checkbox" value="{reason}"{checked}>' in page
    assert re.search(r"<td>1 <span[^>]*>in force</span></td>\s*<td>system</td>", page)
    assert "Save as a new version" in page


def test_the_nav_links_to_the_page_for_ops(editor):
    assert f'<a href="{PAGE}">Return rules</a>' in editor.get("/ops/holds").text


def test_save_makes_a_new_version_with_the_values(editor):
    response = editor.post(PAGE, data=form(window_days="14", max_auto_refund="250", max_return_rate="25%",
                                           return_rate_min_orders="10", refund_on_approval_below="50",
                                           enabled=[c for c in RULE_CODES if c != "final_sale"],
                                           auto_approve_reasons=["damaged", "other"], note="holiday season"),
                           follow_redirects=True)
    assert "Return rules saved as version 2." in response.text
    rule_set, settings = current_return_rules()
    assert (rule_set.version, rule_set.created_by, rule_set.note) == (2, "admin@relay.test", "holiday season")
    assert (settings.window_days, settings.max_auto_refund, settings.max_return_rate,
            settings.return_rate_min_orders, settings.refund_on_approval_below) == \
        (14, Decimal("250.00"), Decimal("0.25"), 10, Decimal("50.00"))
    assert settings.enabled == frozenset(RULE_CODES) - {"final_sale"}
    assert settings.auto_approve_reasons == {"damaged", "other"}
    assert re.search(r"<td>2 <span[^>]*>in force</span></td>\s*<td>admin@relay.test</td>", response.text)
    assert 'name="expected_version" value="2"' in response.text
    assert re.search(r'<input class="check" id="enabled-final_sale" name="enabled" type="checkbox" '
                     r'value="final_sale">', response.text)


def test_without_a_note_the_version_says_what_changed(editor):
    editor.post(PAGE, data=form(window_days="14", max_return_rate="40%", enabled=list(RULE_CODES[1:]),
                                auto_approve_reasons=["damaged", "defective"]))
    assert current_return_rules()[0].note == ("rules off: window; automatic reasons off: wrong_item; "
                                              "window_days 30 → 14; max_return_rate 0.30 → 0.40")


def test_credit_controller_may_save_too(auth, client):
    auth.login_as("credit_controller")
    assert client.post(PAGE, data=form(window_days="45")).status_code == 302
    assert current_return_rules()[0].created_by == "credit@relay.test"


@pytest.mark.parametrize("changes", [
    {"note": "no change"},
    {"max_return_rate": "30%", "max_auto_refund": "1000", "window_days": " 30 "},
], ids=["same-values", "same-values-spelt-otherwise"])
def test_saving_unchanged_rules_makes_no_version(editor, changes):
    response = editor.post(PAGE, data=form(**changes), follow_redirects=True)
    assert "Nothing changed; no new version was made." in response.text
    assert versions() == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"window_days": "-1"}, "window_days", "a whole number of days from 0 to 3650"),
    ({"window_days": "soon"}, "window_days", "a whole number of days from 0 to 3650"),
    ({"max_auto_refund": "12.345"}, "max_auto_refund", "an amount of 0 or more such as 1000 or 1000.00"),
    ({"max_return_rate": "130%"}, "max_return_rate", "a share from 0 to 1 such as 0.30, or a percentage such as 30%"),
    ({"return_rate_min_orders": ""}, "return_rate_min_orders", "a whole number of orders from 0 to 3650"),
    ({"refund_on_approval_below": "-5"}, "refund_on_approval_below", "an amount of 0 or more"),
    ({"enabled": ["window", "telepathy"]}, "enabled", "unknown telepathy"),
    ({"auto_approve_reasons": ["bored"]}, "auto_approve_reasons", "unknown bored"),
    ({"note": "x" * 301}, "note", "at most 300 characters"),
], ids=lambda value: value if isinstance(value, str) and value.isidentifier() else None)
def test_bad_values_are_shown_at_their_field_and_make_no_version(editor, changes, field, message):
    response = editor.post(PAGE, data=form(**changes))
    assert response.status_code == 422
    page = response.text
    assert f"<li>{FIELD_LABELS[field]}: {message}" in page  # the summary at the top
    marker = {"enabled": "<legend>Rules</legend>",
              "auto_approve_reasons": "<legend>Reasons approved automatically</legend>"}.get(field, f'name="{field}"')
    assert message in near(page, marker, 4000 if field == "enabled" else 1500)
    assert versions() == 1


def test_a_bad_value_keeps_what_was_typed(editor):
    page = editor.post(PAGE, data=form(window_days="soon", max_auto_refund="750", enabled=["window"])).text
    assert 'name="window_days" type="number" value="soon"' in page
    assert 'name="max_auto_refund" type="text" value="750"' in page
    assert re.search(r'id="enabled-window" name="enabled" type="checkbox" value="window" checked>', page)
    assert re.search(r'id="enabled-reason" name="enabled" type="checkbox" value="reason">', page)


def test_a_change_made_meanwhile_is_not_overwritten_silently(editor):
    editor.post(PAGE, data=form(window_days="20"))
    response = editor.post(PAGE, data=form(window_days="40"))  # still based on version 1
    assert response.status_code == 409
    page = response.text
    assert "The return rules were changed to version 2 by admin@relay.test while you edited" in page
    assert 'name="window_days" type="number" value="40"' in page  # what this editor typed, to save again
    assert 'name="expected_version" value="2"' in page
    assert versions() == 2 and current_return_rules()[1].window_days == 20
    # saving the form as shown again is deliberate and goes through
    assert editor.post(PAGE, data=form(window_days="40", expected_version="2")).status_code == 302
    assert current_return_rules()[1].window_days == 40


def test_a_form_without_its_version_is_treated_as_stale(editor):
    assert editor.post(PAGE, data=form(window_days="20", expected_version="")).status_code == 409
    assert versions() == 1


def test_ops_agent_sees_the_rules_read_only(auth, client):
    auth.login_as("ops_agent")
    page = client.get(PAGE).text
    assert "Only an ops admin or credit controller may change the return rules." in page
    assert "Save as a new version" not in page
    assert 'name="window_days" type="number" value="30" disabled>' in page
    assert re.search(r'value="window" checked disabled>', page)
    assert client.post(PAGE, data=form(window_days="9")).status_code == 403
    assert versions() == 1


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_may_not_see_or_change_the_rules(auth, client, role):
    auth.login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=form(window_days="9")).status_code == 403
    assert versions() == 1


def test_signed_out_goes_to_the_login_page(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_saving_needs_the_csrf_token_when_protection_is_on(app, editor):
    app.config["WTF_CSRF_ENABLED"] = True  # read per request: the fixture app turns it off
    assert editor.post(PAGE, data=form(window_days="9")).status_code == 400
    assert versions() == 1
    token = re.search(r'name="csrf_token" value="([^"]+)"', editor.get(PAGE).text)[1]
    assert editor.post(PAGE, data={**form(window_days="9"), "csrf_token": token}).status_code == 302
    assert current_return_rules()[1].window_days == 9


def test_the_history_shows_the_last_ten_versions(editor):
    for days in range(1, 13):
        assert editor.post(PAGE, data=form(window_days=str(days), expected_version=str(days))).status_code == 302
    page = editor.get(PAGE).text
    shown = [int(number) for number in re.findall(r"<td>(\d+)(?: <span[^>]*>in force</span>)?</td>\s*<td>", page)]
    assert shown == list(range(13, 3, -1))
    assert "window_days 11 → 12" in page


def test_a_stale_form_is_refused_with_the_message_and_nothing_is_written(editor, monkeypatch):
    shown = current_return_rules()
    editor.post(PAGE, data=form(window_days="20"))
    monkeypatch.setattr("portal.return_settings.current_return_rules", lambda: shown)  # read before version 2
    response = editor.post(PAGE, data=form(window_days="40"))
    assert response.status_code == 409 and "someone saved version 2 meanwhile; reload" in response.text
    assert versions() == 2 and current_return_rules()[1].window_days == 20
