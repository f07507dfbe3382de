"""The review's sentences kept as templates with their values (models.core.texts): each reason's Text reads exactly as
its English message, survives the trip through the stored JSON, and a refusal to decide a hold keeps its Text too."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from models.core.errors import PermissionDenied
from models.core.text_messages import TextMessage
from models.core.texts import Text, render
from models.currency.rules import no_rate_message
from models.pricing.rules import PriceResolution
from models.review.hold_decisions import check_may_decide
from models.review.reviews import latest_review
from models.review.rules import (
    CreditOverride,
    GroupCreditFacts,
    LinePriceFacts,
    review_order,
)
from tests.factories import make_world
from tests.models.review.test_exposure import placed, rates, review
from tests.models.review.test_rules import facts, line, recent, settings

D = Decimal
GROUP = GroupCreditFacts(distributor_code="DST", limit=D("500.00"), currency="EUR", exposure=D("400.00"),
                         order_total=D("100.01"), rates={"EUR": "0.90", "GBP": "0.80"})
CATALOGUE = PriceResolution(D("208.73"), "EUR", "product", "SKU-A", "catalogue price of SKU-A: 208.73")
EXPIRES = datetime(2030, 1, 2, 3, 4)

CASES = {
    "customer_blocked": (facts(customer_blocked=True), None),
    "credit_limit with rates": (facts(credit_limit=D("500.00"), credit_currency="GBP", base_currency="USD",
                                      exchange_rates={"EUR": "0.90", "GBP": "0.80"}), None),
    "temporary limit until": (facts(credit_limit=D("9000.00")),
                              settings(overrides={"ACME": CreditOverride(temporary_limit=D("100.00"),
                                                                         expires_at=EXPIRES)})),
    "temporary limit": (facts(credit_limit=D("9000.00")),
                        settings(overrides={"ACME": CreditOverride(temporary_limit=D("100.00"))})),
    "exchange_rate for both": (facts(missing_rates=(no_rate_message("HKD", date(2024, 5, 6)),),
                                     group=replace(GROUP, order_total=None, missing_rates=(
                                         no_rate_message("HKD", date(2024, 5, 6)),
                                         no_rate_message("JPY", date(2024, 5, 6)))),
                                     base_currency="USD"), None),
    "distributor_limit": (facts(credit_limit=None, group=GROUP, base_currency="USD"), None),
    "overdue": (facts(oldest_overdue_days=45, overdue_amount=D("120.50")), None),
    "amount": (facts(order_total=D("30000.00"), credit_limit=None), settings(amount_hold_threshold=D("25000.00"))),
    "amount_senior": (facts(order_total=D("30000.00"), credit_limit=None),
                      settings(amount_hold_threshold=D("100.00"), amount_senior_threshold=D("25000.00"))),
    "stock": (facts(lines=(line(1, fillable=4), line(2, "CUP-CER-6", 3, fillable=0))), None),
    "ship_to_incomplete": (facts(ship_to_missing=("ship_to_city", "ship_to_region")), None),
    "ship_to_undeliverable": (facts(region_served=False), None),
    "suspected_duplicate": (facts(recent_orders=(recent(8, "PO-8"), recent(9, "PO-9", minutes=-5))), None),
    "unknown_sku": (facts(lines=(line(1, "NOPE-1", matched=False), line(2, "NOPE-2", matched=False))), None),
    "price": (facts(price_lines=(LinePriceFacts(1, "SKU-A", D("0.01"), CATALOGUE, "EUR"),
                                 LinePriceFacts(2, "SKU-B", None, None, "EUR"))), None),
}


@pytest.mark.parametrize("case", CASES)
def test_every_reason_keeps_a_template_that_reads_as_its_message(case):
    review_facts, rule_settings = CASES[case]
    decision = review_order(review_facts, *(() if rule_settings is None else (rule_settings,)))
    assert decision.reasons
    for reason in decision.reasons:
        assert isinstance(reason.text, Text)
        assert str(reason.text) == reason.message
        stored = json.loads(json.dumps(reason.as_document()))
        assert stored["message"] == reason.message
        assert str(Text.from_json(stored["text"])) == reason.message
        # every template is looked up, nested ones included
        looked_up = []
        render(Text.from_json(stored["text"]), lambda template: looked_up.append(template) or template)
        assert any("%(" in template for template in looked_up)


def test_the_figures_of_a_reason_are_values_not_words():
    reason = review_order(*CASES["credit_limit with rates"][:1]).reasons[0]
    marked = render(reason.text, lambda template: f"<{template}>")
    assert marked == ("<<exposure 1000.00 GBP (outstanding 0.00 + open orders 0.00 + this order 1000.00) exceeds"
                      " <the credit limit 500.00 GBP> by 500.00 GBP><; ><at EUR 0.90<, >GBP 0.80 per USD>>")
    assert "EUR 0.90, GBP 0.80" in reason.message


def test_a_missing_rate_keeps_its_template_and_anything_else_stays_as_written():
    odd = facts(missing_rates=("rates offline",))
    reason = review_order(CASES["exchange_rate for both"][0]).reasons[0]
    assert reason.message == ("no exchange rate for HKD on or before 2024-05-06; no exchange rate for JPY on or before"
                              " 2024-05-06: the exposure of ACME in EUR and the group exposure of distributor DST in"
                              " EUR cannot be checked against its limit")
    marked = render(reason.text, lambda template: template.replace("no exchange rate for", "NO RATE FOR"))
    assert marked.startswith("NO RATE FOR HKD on or before 2024-05-06; NO RATE FOR JPY on or before 2024-05-06: ")
    assert review_order(odd).reasons[0].message.startswith("rates offline: the exposure of ACME")


def test_a_stored_review_keeps_the_template_and_the_api_document_reads_as_before(any_db):
    make_world(credit_limit="1000.00")
    rates(EUR="0.90")
    held = placed("HKD-T", "10.00", "HKD")
    assert review(held) == {held: "hold"}
    stored = latest_review(held)
    reason = stored.reasons[0]
    assert str(Text.from_json(reason["text"])) == reason["message"]
    assert [sorted(item) for item in stored.as_document()["reasons"]] == [
        ["code", "message", "numbers", "release_roles"]]
    with pytest.raises(PermissionDenied) as refused:
        check_may_decide(held, "ops_agent")
    assert str(refused.value) == ("the role ops_agent may not decide an order held for exchange_rate; a credit_controller"
                                  " or ops_admin must")
    message = refused.value.args[0]
    assert isinstance(message, TextMessage) and str(message.text) == str(refused.value)
