"""The review step on a real database: facts loaded from orders, stock, lanes and receivables, the
decision recorded under the rule-set version in force, and holds re-checked or cancelled."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from models.core.audit import StatusChange
from models.core.outbox import OutboxMessage
from models.intake.entry import place_order
from models.inventory.tables import Product
from models.orders.flow import review, start_review
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from models.receivables.payments import record_payment
from models.review.facts import ReviewBatch
from models.review.hold_decisions import (
    cancel_stale_holds,
    held_orders,
    recheck_held_orders,
)
from models.review.reviews import (
    OrderReview,
    current_rule_set,
    latest_review,
    save_rule_set,
)
from models.review.rules import DEFAULT_SETTINGS, CreditOverride
from models.review.step import review_orders
from schemas.orders import order_schema
from tests.factories import make_world, order_body

ACTOR = "worker:test"


def reviewed(ref: str, **body) -> tuple[int, str]:
    order, _ = place_order(order_schema.load(order_body(ref, **body)), actor="test")
    start_review(order.id, actor=ACTOR)
    return order.id, review(order.id, actor=ACTOR)


def widgets(quantity: int) -> list[dict]:
    return [{"sku": "WIDGET", "quantity": quantity, "unit_price": "10.00"}]


def codes(order_id: int) -> list[str]:
    return latest_review(order_id).code_list


def rules(**changes) -> None:
    save_rule_set(replace(DEFAULT_SETTINGS, **changes), actor="ops@example.com", note="test")


def test_a_decision_records_the_rule_set_version_in_force(any_db):
    make_world()
    first, outcome = reviewed("V-1", lines=widgets(1))
    assert outcome == "approve" and latest_review(first).rule_set_id == current_rule_set().id
    rules(amount_hold_threshold=Decimal("15.00"))
    second, outcome = reviewed("V-2", lines=widgets(2))
    assert outcome == "hold" and codes(second) == ["amount"]
    assert latest_review(second).rule_set_id == current_rule_set().id != latest_review(first).rule_set_id
    assert Order.get_by_id(second).status_reason.startswith("amount: ")


def test_same_lines_within_the_window_from_another_ref_is_a_suspected_duplicate(any_db):
    make_world()
    first, _ = reviewed("DUP-1", lines=widgets(3))
    second, outcome = reviewed("DUP-2", lines=widgets(3))
    third, other = reviewed("DUP-3", lines=widgets(4))
    assert (outcome, codes(second), other) == ("hold", ["suspected_duplicate"], "approve")
    assert str(first) in latest_review(second).reasons[0]["numbers"]["duplicate_of"]


def test_the_distributor_and_ops_keying_one_reference_make_a_suspected_duplicate(any_db):
    world = make_world()
    sent, _ = place_order(order_schema.load(order_body("PO-TWICE", lines=widgets(3))), actor="dist1@example.com",
                          placed_by=world["distributor"])
    start_review(sent.id, actor=ACTOR)
    review(sent.id, actor=ACTOR)
    keyed, outcome = reviewed("PO-TWICE", lines=widgets(3))  # ops: another submitter, so another order
    assert keyed != sent.id
    assert (outcome, codes(keyed)) == ("hold", ["suspected_duplicate"])


def test_an_order_placed_outside_the_window_is_not_a_duplicate(any_db):
    make_world()
    first, _ = reviewed("OLD-1", lines=widgets(3))
    placed_at = Order.get_by_id(first).created_at
    Order.update(created_at=placed_at - timedelta(minutes=61)).where(Order.id == first).execute()
    assert reviewed("OLD-2", lines=widgets(3))[1] == "approve"


def test_a_line_no_source_can_fill_is_held_only_when_backorders_are_not_allowed(any_db):
    world = make_world(on_hand=10)  # 20 widgets across both warehouses
    assert reviewed("BO-1", lines=widgets(25))[1] == "approve"  # backorders allowed: allocation backorders it
    Partner.update(allow_backorders=False).where(Partner.id == world["customer"].id).execute()
    order_id, outcome = reviewed("BO-2", lines=widgets(26))
    assert (outcome, codes(order_id)) == ("hold", ["stock"])
    assert latest_review(order_id).reasons[0]["numbers"]["line_1_shortfall"] == "6"
    Product.update(dropship=True).where(Product.id == world["widget"].id).execute()  # the supplier ships any amount
    assert reviewed("BO-3", lines=widgets(27))[1] == "approve"


def test_a_region_no_warehouse_serves_is_held(any_db):
    make_world()
    order_id, outcome = reviewed("NOWHERE-1", region="R9")
    assert (outcome, codes(order_id)) == ("hold", ["ship_to_undeliverable"])


def test_overdue_invoices_hold_the_customer_and_a_bypass_lets_orders_through(any_db):
    world = make_world()
    customer = world["customer"]
    Invoice.create(number="INV-OLD", customer=customer.id, currency="USD", amount=Decimal("50.00"),
                   issued_at=datetime(2020, 1, 1), due_on=datetime(2020, 1, 31).date())
    order_id, outcome = reviewed("LATE-1", lines=widgets(1))
    assert (outcome, codes(order_id)) == ("hold", ["overdue"])
    rules(overrides={"CUST1": CreditOverride(bypass=True, note="agreed payment plan")})
    assert reviewed("LATE-2", lines=widgets(2))[1] == "approve"


def test_a_temporary_limit_applies_until_it_expires(any_db):
    make_world(credit_limit="100.00")
    rules(overrides={"CUST1": CreditOverride(temporary_limit=Decimal("500.00"),
                                             expires_at=datetime(2999, 1, 1))})
    assert reviewed("TMP-1", lines=widgets(30))[1] == "approve"
    rules(overrides={"CUST1": CreditOverride(temporary_limit=Decimal("500.00"),
                                             expires_at=datetime(2000, 1, 1))})
    order_id, outcome = reviewed("TMP-2", lines=widgets(31))
    assert (outcome, codes(order_id)) == ("hold", ["credit_limit"])


def test_a_payment_sends_only_credit_holds_back_to_review(any_db):
    world = make_world(credit_limit="100.00")
    credit_held, _ = reviewed("CR-1", lines=widgets(11))
    region_held, _ = reviewed("R9-1", region="R9", lines=widgets(1))
    assert (codes(credit_held), codes(region_held)) == (["credit_limit"], ["ship_to_undeliverable"])
    OutboxMessage.delete().execute()
    payment, created = record_payment(world["customer"], amount=Decimal("20.00"), currency="USD",
                                      reference="BANK-1", method="bank_transfer", actor="credit@example.com")
    assert created and payment.orders_rechecked == (credit_held,)
    assert Order.get_by_id(credit_held).status == "reviewing"
    assert Order.get_by_id(region_held).status == "on_hold"
    assert [m.args for m in OutboxMessage.select()] == [[[credit_held]]]
    assert review(credit_held, actor=ACTOR) == "approve"  # exposure -20 + 110 = 90 ≤ 100
    assert recheck_held_orders(world["customer"].id, actor="again") == []


def test_holds_older_than_the_configured_age_are_cancelled_with_the_reason(any_db):
    make_world(credit_limit="100.00")
    old, _ = reviewed("STALE-1", lines=widgets(11))
    young, _ = reviewed("STALE-2", lines=widgets(12))
    assert cancel_stale_holds() == []  # 0 days: never
    rules(hold_max_age_days=7)
    held_at = Order.get_by_id(old).status_changed_at
    Order.update(status_changed_at=held_at - timedelta(days=8)).where(Order.id == old).execute()
    assert cancel_stale_holds() == [old]
    cancelled = Order.get_by_id(old)
    assert cancelled.status == "cancelled" and "on hold for more than 7 days" in cancelled.status_reason
    assert [order.id for order in held_orders()] == [young]


def test_the_hold_queue_filters_on_the_latest_review(any_db):
    make_world(credit_limit="100.00")
    credit, _ = reviewed("Q-1", lines=widgets(11))
    region, _ = reviewed("Q-2", region="R9", lines=widgets(1))
    assert [o.id for o in held_orders()] == [credit, region]
    assert [o.id for o in held_orders("credit_limit")] == [credit]
    assert [o.id for o in held_orders("ship_to_undeliverable")] == [region]
    assert [o.id for o in held_orders("amount")] == []


# The review stage's batch step: a fixed number of statements per batch, the same decisions as one by one.

def placed(ref: str, **body) -> int:
    return place_order(order_schema.load(order_body(ref, **body)), actor="test")[0].id


def reviews_count() -> int:
    return OrderReview.select().count()


def test_a_batch_costs_the_same_statements_whatever_its_size(any_db, statements):
    make_world()
    Partner.create(code="CUST2", name="Customer Two", kind="customer", region="R1", credit_limit=Decimal("10000"))
    kinds = [("CUST1", "R1"), ("CUST1", "R9"), ("CUST2", "R1")]  # approved; held (no lane to R9); rejected
    placed_ids = [placed(f"MIX-{n}", customer_code=kinds[n % 3][0], region=kinds[n % 3][1], lines=widgets(n + 1))
                  for n in range(18)]  # every order other lines: no duplicates
    small, large = placed_ids[:6], placed_ids[6:]
    Partner.update(blocked=True).where(Partner.code == "CUST2").execute()
    costs = []
    for batch in (small, large):
        statements.clear()
        outcomes = review_orders(batch, actor=ACTOR).outcomes
        costs.append(len(statements))
        assert sorted(outcomes.values()) == sorted(["approve", "hold", "reject"] * (len(batch) // 3))
    # 10 reads (one the exchange rates) and 4 for pricing (price book, distributors, lines, tax rates), the lines'
    # prices, then per outcome reached one guarded update (status and totals) and its audit rows, the decisions,
    # the allocation nudge; on PostgreSQL one more locks the customers with a credit limit (read first, unlocked)
    assert costs[0] == costs[1] <= 24, costs


def test_two_orders_of_one_customer_in_a_batch_cannot_both_pass_a_limit_only_one_fits(any_db):
    make_world(credit_limit="100.00")
    first, second = placed("LIM-1", lines=widgets(6)), placed("LIM-2", lines=widgets(5))  # 60 and 50: each fits
    assert review_orders([second, first], actor=ACTOR).outcomes == {first: "approve", second: "hold"}
    assert codes(second) == ["credit_limit"]
    assert latest_review(second).reasons[0]["numbers"]["open_orders"] == "60.00"


def test_a_duplicate_pair_in_one_batch_is_held_as_reviewing_them_one_by_one_holds_it(any_db):
    make_world()
    one_by_one = [placed("SEQ-1", lines=widgets(3)), placed("SEQ-2", lines=widgets(3))]
    together = [placed("BAT-1", lines=widgets(4)), placed("BAT-2", lines=widgets(4))]
    sequential = [review(order_id, actor=ACTOR) for order_id in one_by_one]
    batched = review_orders(together, actor=ACTOR).outcomes
    assert sequential == [batched[order_id] for order_id in together] == ["hold", "hold"]
    assert [codes(order_id) for order_id in one_by_one + together] == [["suspected_duplicate"]] * 4
    duplicate_of = [latest_review(order_id).reasons[0]["numbers"]["duplicate_of"] for order_id in together]
    assert duplicate_of == [str(together[1]), str(together[0])]


def test_a_rejected_order_earlier_in_the_batch_is_no_duplicate_of_a_later_one(any_db):
    world = make_world()
    first, second = placed("REJ-1", lines=widgets(3)), placed("REJ-2", lines=widgets(3))
    Partner.update(blocked=True).where(Partner.id == world["customer"].id).execute()
    assert review_orders([first, second], actor=ACTOR).outcomes == {first: "reject", second: "reject"}
    assert codes(first) == ["customer_blocked", "suspected_duplicate"]
    assert codes(second) == ["customer_blocked"]  # the first was rejected: no longer a live order


def test_a_redelivered_batch_changes_nothing(any_db):
    make_world()
    batch = [placed("AGAIN-1", lines=widgets(1)), placed("AGAIN-2", lines=widgets(2))]
    assert review_orders(batch, actor=ACTOR).outcomes == dict.fromkeys(batch, "approve")
    trail, decisions, nudges = StatusChange.select().count(), reviews_count(), OutboxMessage.select().count()
    again = review_orders(batch, actor=ACTOR)
    assert (again.outcomes, again.failed) == ({}, {})
    assert (StatusChange.select().count(), reviews_count(), OutboxMessage.select().count()) == (
        trail, decisions, nudges)


def test_an_order_whose_facts_fail_is_set_aside_and_the_rest_commit(any_db, monkeypatch):
    make_world()
    batch = [placed(f"PART-{n}", lines=widgets(n)) for n in (1, 2, 3)]
    facts_for = ReviewBatch.facts_for

    def broken(self, order, **also):
        if order.id == batch[1]:
            raise ValueError("unreadable order")
        return facts_for(self, order, **also)

    monkeypatch.setattr(ReviewBatch, "facts_for", broken)
    result = review_orders(batch, actor=ACTOR)
    assert result.outcomes == {batch[0]: "approve", batch[2]: "approve"}
    assert list(result.failed) == [batch[1]] and isinstance(result.failed[batch[1]], ValueError)
    assert Order.get_by_id(batch[1]).status == "reviewing" and latest_review(batch[1]) is None
    assert [m.args for m in OutboxMessage.select().where(OutboxMessage.actor_name == "allocate_orders")] == [
        [[batch[0], batch[2]]]]
