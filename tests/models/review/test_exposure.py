"""Credit exposure across currencies in review, on SQLite and PostgreSQL: each amount converted from its own
currency into the customer's at the review day's rate, a missing rate holding the order rather than guessed, and a
distributor's cap on its whole group."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from models.currency.rate_import import import_rates
from models.currency.rates import set_rates
from models.intake.entry import place_order
from models.orders.flow import start_review
from models.orders.states import ORDER_REVIEWING
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import set_opening_balance
from models.review.reviews import latest_review
from models.review.rules import CREDIT_ROLES
from models.review.step import review_orders
from schemas.exchange_rates import rate_row_schema
from schemas.orders import order_schema
from tests.factories import make_world, order_body

D = Decimal
ACTOR = "worker:test"
RATES_DAY = date(2020, 1, 1)  # on or before any review day


def placed(ref: str, amount: str, currency: str, customer_code: str = "CUST1", unit: str = "10.00") -> int:
    """An order of ``amount`` (a whole number of widgets at ``unit``) in ``currency``, in review."""
    body = order_body(ref, customer_code=customer_code,
                      lines=[{"sku": "WIDGET", "quantity": int(D(amount) / D(unit)), "unit_price": unit}])
    body["currency"] = currency
    order, _ = place_order(order_schema.load(body), actor="test")
    start_review(order.id, actor=ACTOR)
    return order.id


def review(*order_ids: int) -> dict[int, str]:
    return review_orders(list(order_ids), actor=ACTOR).outcomes


def rates(**by_currency: str) -> None:
    set_rates([{"day": RATES_DAY, "currency": c, "rate": D(r)} for c, r in by_currency.items()], actor="test")


def test_a_customer_with_debts_in_three_currencies_is_weighed_in_its_own(any_db):
    make_world(credit_limit="1000.00")
    Partner.update(currency="EUR").where(Partner.code == "CUST1").execute()
    rates(EUR="0.90", GBP="0.80")
    customer = Partner.get(Partner.code == "CUST1")
    set_opening_balance(customer, D("450.00"), currency="GBP")  # 450 / 0.80 * 0.90 = 506.25 EUR
    first = placed("USD-1", "200.00", "USD")  # 180.00 EUR, approved: an open order from now on
    assert review(first) == {first: "approve"}
    fits = placed("EUR-FITS", "310.00", "EUR")  # 506.25 + 180.00 + 310.00 = 996.25 EUR
    assert review(fits) == {fits: "approve"}
    over = placed("EUR-OVER", "20.00", "EUR")  # 996.25 + 20.00 = 1016.25 EUR
    assert review(over) == {over: "hold"}
    reason = latest_review(over).reasons[0]
    assert reason["code"] == "credit_limit"
    assert reason["message"] == ("exposure 1016.25 EUR (outstanding 506.25 + open orders 490.00 + this order 20.00)"
                                 " exceeds the credit limit 1000.00 EUR by 16.25 EUR; at EUR 0.90000000,"
                                 " GBP 0.80000000 per USD")
    assert reason["numbers"]["rate_GBP"] == "0.80000000" and reason["numbers"]["currency"] == "EUR"


def test_orders_of_one_batch_in_other_currencies_count_against_the_next(any_db):
    make_world(credit_limit="100.00")
    rates(EUR="0.50")
    first, second = placed("B-1", "40.00", "EUR"), placed("B-2", "40.00", "EUR", unit="20.00")  # 80 USD each
    assert review(first, second) == {first: "approve", second: "hold"}


def test_a_currency_without_a_rate_holds_for_exchange_rate_and_only_credit_roles_release(any_db):
    make_world(credit_limit="1000.00")
    rates(EUR="0.90")
    held = placed("HKD-1", "10.00", "HKD")
    assert review(held) == {held: "hold"}
    reason = latest_review(held).reasons[0]
    assert reason["code"] == "exchange_rate"
    assert reason["message"].startswith("no exchange rate for HKD on or before ")
    assert "the exposure of CUST1 in USD cannot be checked" in reason["message"]
    assert tuple(reason["release_roles"]) == CREDIT_ROLES
    Partner.update(credit_limit=None).where(Partner.code == "CUST1").execute()
    free = placed("HKD-2", "10.00", "HKD", unit="5.00")
    assert review(free) == {free: "approve"}  # no limit: nothing needs the rate


def test_a_distributor_caps_the_exposure_of_the_customers_it_serves(any_db):
    world = make_world(credit_limit=None)
    Partner.update(group_credit_limit=D("500.00"), currency="EUR").where(Partner.code == "DIST1").execute()
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=world["distributor"])
    rates(EUR="0.50")
    other = placed("C2-1", "400.00", "USD", customer_code="CUST2")  # 200.00 EUR of the group's 500.00
    assert review(other) == {other: "approve"}
    fits = placed("C1-1", "200.00", "EUR")  # 400.00 EUR
    assert review(fits) == {fits: "approve"}
    over = placed("C1-2", "110.00", "EUR")  # 510.00 EUR
    assert review(over) == {over: "hold"}
    reason = latest_review(over).reasons[0]
    assert reason["code"] == "distributor_limit"
    assert reason["message"].startswith("exposure 510.00 EUR of distributor DIST1 and the customers it serves"
                                        " (400.00 + this order 110.00) exceeds the group credit limit 500.00 EUR"
                                        " by 10.00 EUR")
    assert tuple(reason["release_roles"]) == CREDIT_ROLES


def test_two_customers_of_one_distributor_in_one_batch_cannot_both_pass_its_cap(any_db):
    world = make_world(credit_limit=None)
    Partner.update(group_credit_limit=D("300.00")).where(Partner.code == "DIST1").execute()
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=world["distributor"])
    first, second = placed("G-1", "200.00", "USD"), placed("G-2", "200.00", "USD", customer_code="CUST2")
    assert review(first, second) == {first: "approve", second: "hold"}
    assert Order.get_by_id(second).status == "on_hold"



def test_an_order_held_for_a_missing_rate_is_reviewed_again_once_the_rate_is_imported(any_db):
    make_world(credit_limit="1000.00")
    # 100.00 HKD a unit: once the rate is there the price check sees the USD catalogue price converted, and
    # this order must pass it
    held = placed("HKD-3", "100.00", "HKD", unit="100.00")
    assert review(held) == {held: "hold"}
    import_rates(io.StringIO("day,currency,rate\n2020-01-01,HKD,7.8\n"), row_schema=rate_row_schema, actor="t")
    assert Order.get_by_id(held).status == ORDER_REVIEWING
    assert review(held) == {held: "approve"}


def test_a_batch_with_currencies_and_a_group_cap_costs_the_same_statements_whatever_its_size(any_db, statements):
    world = make_world(credit_limit="100000.00")
    Partner.update(group_credit_limit=D("100000.00"), currency="EUR").where(Partner.code == "DIST1").execute()
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=world["distributor"],
                   currency="GBP", credit_limit=D("100000.00"))
    rates(EUR="0.90", GBP="0.80")
    kinds = [("CUST1", "EUR"), ("CUST2", "USD"), ("CUST2", "GBP")]
    ids = [placed(f"N-{n}", f"{10 * (n + 1)}.00", kinds[n % 3][1], customer_code=kinds[n % 3][0])
           for n in range(18)]
    costs = []
    for batch in (ids[:6], ids[6:]):
        statements.clear()
        assert set(review(*batch).values()) == {"approve"}
        costs.append(len(statements))
    assert costs[0] == costs[1]


def test_only_customers_whose_limit_a_rule_weighs_have_their_exposure_read(any_db, monkeypatch):
    from models.review import exposure
    world = make_world(credit_limit="100.00")
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", distributor=world["distributor"])
    set_opening_balance(Partner.get(Partner.code == "CUST2"), D("5000.00"), currency="USD")
    set_opening_balance(Partner.get(Partner.code == "CUST1"), D("5.00"), currency="USD")
    summed: list[set[int]] = []  # the partners each exposure query found something for

    def recorded(key, partners):
        found = real(key, partners)
        summed.append(set(found))
        return found
    real = exposure.exposures_of
    monkeypatch.setattr(exposure, "exposures_of", recorded)
    limited, unlimited = placed("L-1", "90.00", "USD"), placed("U-1", "90.00", "USD", customer_code="CUST2")
    over = placed("L-2", "20.00", "USD")
    assert review(limited, unlimited, over) == {limited: "approve", unlimited: "approve", over: "hold"}
    cust1, cust2 = (Partner.get(Partner.code == code).id for code in ("CUST1", "CUST2"))
    assert summed == [{cust1}]  # CUST2 owes 5,000 and has no limit: never summed, and its order approved
