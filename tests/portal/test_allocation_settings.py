"""The allocation rules page: default policy, overrides, routing rules, versions and who may change them."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from models.allocation.config import AllocationRuleSet, current_allocation_rules
from models.allocation.routing import rules_to_document

PAGE = "/ops/allocation-settings"
OVERRIDES = f"{PAGE}/overrides"
ROUTING = f"{PAGE}/routing"


def policy_form(**changes) -> dict:
    """The default policy form as the page fills it from version 1, with ``changes``."""
    values = {"base_version": "1", "strategy": "cheapest", "cost_weight": "1", "days_weight": "5",
              "split_penalty": "0", "partial": "ship_complete", "allow_split": "y", "allow_dropship": "y",
              "note": ""}
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def rule_form(base_version: int, **changes) -> dict:
    values = {"name": "east first", "channels": "", "min_priority": "", "regions": "", "skus": "", "customers": "",
              "warehouse_group": "", "safety_stock": "0", "daily_caps": "", "allow_split": "",
              "allow_dropship": "", "strategy": "", "stop": "y", "base_version": str(base_version)}
    values.update(changes)
    return {f"rule-{key}": value for key, value in values.items() if value is not None}


def versions() -> int:
    return AllocationRuleSet.select().count()


def routing() -> list[dict]:
    return rules_to_document(current_allocation_rules().settings.routing)


@pytest.fixture
def admin(auth, client):
    auth.login_as("ops_admin")
    return client


def test_page_shows_the_defaults_and_their_history(admin):
    page = admin.get(PAGE).text
    assert 'Allocation rules <span class="muted">version 1</span>' in page
    assert '<option selected value="cheapest">cheapest</option>' in page
    assert '<option selected value="ship_complete">' in page
    assert 'name="days_weight" required type="text" value="5"' in page
    assert re.search(r"<td>1 <span[^>]*>in force</span></td>\s*<td>system</td>", page)
    assert "Save as a new version" in page and "No routing rules" in page
    assert 'href="/ops/allocation-settings">Allocation rules</a>' in page


def test_saving_the_default_strategy_makes_version_2(admin):
    response = admin.post(PAGE, data=policy_form(strategy="fastest", days_weight="5.00"), follow_redirects=True)
    assert "Allocation rules saved as version 2." in response.text
    rule_set = current_allocation_rules()
    assert (rule_set.version, rule_set.created_by) == (2, "admin@relay.test")
    assert rule_set.settings.default.strategy == "fastest"
    assert rule_set.settings.default.days_weight == Decimal(5)
    assert rule_set.note == "default strategy cheapest → fastest"


def test_saving_an_unchanged_policy_makes_no_version(admin):
    response = admin.post(PAGE, data=policy_form(cost_weight="1.0"), follow_redirects=True)
    assert "Nothing changed; no new version was made." in response.text
    assert versions() == 1


@pytest.mark.parametrize("changes, message", [
    ({"cost_weight": "-1"}, "Cost weight: must not be negative"),
    ({"split_penalty": "lots"}, "Split penalty (per extra shipment): a number such as 1 or 2.5"),
    ({"strategy": "random"}, "Strategy: Not a valid choice"),
])
def test_bad_policy_values_are_refused(admin, changes, message):
    response = admin.post(PAGE, data=policy_form(**changes))
    assert response.status_code == 422 and message in response.text
    assert versions() == 1


def test_ops_agent_reads_but_may_not_change(auth, client):
    auth.login_as("ops_agent")
    page = client.get(PAGE).text
    assert "Only an ops admin may change the allocation rules." in page
    assert "Save as a new version" not in page and "Save rule" not in page
    assert client.post(PAGE, data=policy_form(strategy="fastest")).status_code == 403
    assert client.post(ROUTING, data=rule_form(1)).status_code == 403
    override = {"override-scope": "channel", "override-code": "api", "override-strategy": "fastest",
                "override-base_version": "1"}
    assert client.post(OVERRIDES, data=override).status_code == 403
    assert versions() == 1


@pytest.mark.parametrize("role", ["supplier", "distributor"])
def test_partners_may_not_see_or_change_the_rules(auth, client, role):
    auth.login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=policy_form(strategy="fastest")).status_code == 403
    assert versions() == 1


def test_a_routing_rule_is_added_moved_disabled_and_removed_each_as_a_version(admin):
    response = admin.post(ROUTING, data=rule_form(1, name="priority east", min_priority="5",
                                                  warehouse_group="EAST", daily_caps="EAST=200, WEST=50",
                                                  allow_split="no", strategy="fastest", stop=None),
                          follow_redirects=True)
    assert "saved as version 2" in response.text
    added = {"name": "priority east", "enabled": True,
             "filter": {"channels": [], "min_priority": 5, "regions": [], "skus": [], "customers": []},
             "action": {"warehouse_group": ["EAST"], "safety_stock": 0, "daily_order_cap": {"EAST": 200, "WEST": 50},
                        "allow_split": False, "allow_dropship": None, "strategy": "fastest", "backorder": False,
                        "stop": False}}
    assert routing() == [added]
    assert current_allocation_rules().note == "routing rule 'priority east' added"
    assert "priority 5+" in response.text and "only EAST; cap EAST 200/day; cap WEST 50/day" in response.text

    admin.post(ROUTING, data=rule_form(2, name="big customer", customers="CUST1", channels="api, phone",
                                       skus="WIDGET", safety_stock="5", backorder="y"))
    assert [rule["name"] for rule in routing()] == ["priority east", "big customer"]
    assert routing()[1]["filter"]["channels"] == ["api", "phone"] and routing()[1]["action"]["backorder"] is True

    admin.post(f"{ROUTING}/1/up", data={"base_version": "3"})
    assert [rule["name"] for rule in routing()] == ["big customer", "priority east"]
    assert current_allocation_rules().note == "routing rule 'big customer' moved up"

    admin.post(f"{ROUTING}/1/disable", data={"base_version": "4"})
    assert [rule["enabled"] for rule in routing()] == [True, False]
    assert routing()[1] == {**added, "enabled": False}

    response = admin.post(f"{ROUTING}/0/remove", data={"base_version": "5"}, follow_redirects=True)
    assert "saved as version 6" in response.text
    assert routing() == [{**added, "enabled": False}]
    assert current_allocation_rules().note == "routing rule 'big customer' removed"


def test_a_rule_of_the_same_name_is_replaced_in_place_and_keeps_its_switch(admin):
    admin.post(ROUTING, data=rule_form(1, name="first"))
    admin.post(ROUTING, data=rule_form(2, name="second"))
    admin.post(f"{ROUTING}/0/disable", data={"base_version": "3"})
    admin.post(ROUTING, data=rule_form(4, name="first", regions="R2"))
    assert [(rule["name"], rule["enabled"], rule["filter"]["regions"]) for rule in routing()] == [
        ("first", False, ["R2"]), ("second", True, [])]
    assert current_allocation_rules().note == "routing rule 'first' replaced"
    page = admin.get(PAGE, query_string={"rule": "first"}).text
    assert 'name="rule-regions" type="text" value="R2"' in page


@pytest.mark.parametrize("changes, message", [
    ({"daily_caps": "EAST:200"}, "could not read 'EAST:200'"),
    ({"daily_caps": "EAST=-5"}, "EAST: must not be negative"),
    ({"daily_caps": "NORTH=5"}, "unknown warehouse: NORTH"),
    ({"warehouse_group": "EAST, NORTH"}, "Only from warehouses: unknown warehouse: NORTH"),
    ({"customers": "NOBODY"}, "Customers: unknown customer: NOBODY"),
    ({"channels": "telegraph"}, "Channels: unknown channel: telegraph"),
    ({"safety_stock": "-1"}, "must not be negative"),
    ({"name": " "}, "Give the rule a name."),
], ids=["cap-syntax", "negative-cap", "cap-unknown-warehouse", "unknown-warehouse", "unknown-customer",
        "unknown-channel", "negative-safety-stock", "no-name"])
def test_bad_routing_rules_are_refused_without_a_version(admin, changes, message):
    response = admin.post(ROUTING, data=rule_form(1, **changes))
    assert response.status_code == 422
    assert message in response.text.replace("&#39;", "'")
    assert versions() == 1


def test_a_stale_form_is_refused_with_409(admin):
    admin.post(PAGE, data=policy_form(strategy="balanced"))
    response = admin.post(PAGE, data=policy_form(strategy="fastest"))  # still based on version 1
    assert response.status_code == 409
    assert "changed to version 2 by admin@relay.test while you edited" in response.text
    assert admin.post(ROUTING, data=rule_form(1)).status_code == 409
    assert versions() == 2 and current_allocation_rules().settings.default.strategy == "balanced"


def test_a_stale_rule_button_is_refused_with_409(admin):
    admin.post(ROUTING, data=rule_form(1, name="first"))
    admin.post(ROUTING, data=rule_form(2, name="second"))
    assert admin.post(f"{ROUTING}/1/up", data={"base_version": "2"}).status_code == 409
    assert admin.post(f"{ROUTING}/5/up", data={"base_version": "3"}).status_code == 404
    assert admin.post(f"{ROUTING}/5/up", data={"base_version": "2"}).status_code == 409  # stale wins
    assert versions() == 3


def test_channel_and_customer_overrides_are_set_and_removed(admin):
    response = admin.post(OVERRIDES, data={"override-base_version": "1", "override-scope": "channel",
                                           "override-code": "shopify", "override-partial": "ship_available",
                                           "override-cost_weight": "2.50"}, follow_redirects=True)
    assert "saved as version 2" in response.text
    settings = current_allocation_rules().settings
    assert settings.by_channel == {"shopify": {"partial": "ship_available", "cost_weight": "2.5"}}
    assert settings.policy_for(channel="shopify", customer_code="CUST1").partial == "ship_available"

    admin.post(OVERRIDES, data={"override-base_version": "2", "override-scope": "customer",
                                "override-code": "CUST1", "override-allow_split": "no", "override-strategy": "fastest"})
    settings = current_allocation_rules().settings
    assert settings.by_customer == {"CUST1": {"allow_split": False, "strategy": "fastest"}}
    assert current_allocation_rules().note == "customer CUST1 policy set: strategy fastest, allow_split no"
    page = admin.get(PAGE, query_string={"customer": "CUST1"}).text
    assert '<option selected value="no">no</option>' in page

    response = admin.post(f"{OVERRIDES}/channel/shopify/remove", data={"base_version": "3"}, follow_redirects=True)
    assert "saved as version 4" in response.text
    assert current_allocation_rules().settings.by_channel == {}
    assert current_allocation_rules().settings.by_customer == {"CUST1": {"allow_split": False, "strategy": "fastest"}}


@pytest.mark.parametrize("data, message", [
    ({"override-scope": "customer", "override-code": "NOBODY", "override-strategy": "fastest"},
     "no customer with code NOBODY"),
    ({"override-scope": "channel", "override-code": "telegraph", "override-strategy": "fastest"},
     "no channel telegraph"),
    ({"override-scope": "channel", "override-code": "api", "override-days_weight": "-2"},
     "Days weight: must not be negative"),
    ({"override-scope": "channel", "override-code": "api"}, "Set at least one policy field"),
])
def test_bad_overrides_are_refused_without_a_version(admin, data, message):
    response = admin.post(OVERRIDES, data={"override-base_version": "1", **data})
    assert response.status_code == 422 and message in response.text
    assert versions() == 1


def test_a_save_landing_after_the_page_read_the_rules_is_refused(admin, monkeypatch):
    """The check is made under the lock when saving, not only against what the view read earlier."""
    shown = current_allocation_rules()
    admin.post(PAGE, data=policy_form(strategy="balanced"))
    monkeypatch.setattr("portal.allocation_settings.current_allocation_rules", lambda: shown)
    for url, data in ((PAGE, policy_form(strategy="fastest")), (ROUTING, rule_form(1)),
                      (OVERRIDES, {"override-base_version": "1", "override-scope": "channel",
                                   "override-code": "shopify", "override-strategy": "fastest"})):
        response = admin.post(url, data=data)
        assert response.status_code == 409 and "someone saved version 2 meanwhile; reload" in response.text, url
    assert versions() == 2 and current_allocation_rules().settings.default.strategy == "balanced"
    assert current_allocation_rules().settings.routing == () and current_allocation_rules().settings.by_channel == {}


def test_a_stale_override_removal_is_refused_with_the_message(admin):
    admin.post(OVERRIDES, data={"override-base_version": "1", "override-scope": "channel", "override-code": "shopify",
                                "override-strategy": "fastest"})
    admin.post(PAGE, data=policy_form(base_version="2", strategy="balanced"))
    response = admin.post(f"{OVERRIDES}/channel/shopify/remove", data={"base_version": "2"})
    assert response.status_code == 409 and "someone saved version 3 meanwhile; reload" in response.text
    assert versions() == 3 and current_allocation_rules().settings.by_channel == {"shopify": {"strategy": "fastest"}}
