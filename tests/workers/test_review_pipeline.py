"""Order review on the production stack (PostgreSQL, RabbitMQ, `oms worker`/`oms relay` processes):
credit holds released by a credit controller, by a payment, and never two orders under one limit."""
from __future__ import annotations

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker

from models.core.outbox import OutboxMessage
from models.invariants import run_checks
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import ApiToken
from models.review.reviews import latest_review
from portal.app import create_app
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import running_sandbox, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq, pytest.mark.slow]

CREDIT_LIMIT = "100.00"


@pytest.fixture
def api(tmp_path, postgres_url, pg_db):
    """The portal's API on the test database, with a token per ops role."""
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=postgres_url), test_config={"TESTING": True})
    make_world(on_hand=1000, credit_limit=CREDIT_LIMIT)
    tokens = {}
    for role in ("ops_admin", "ops_agent", "credit_controller"):
        user, _ = create_user(f"{role}@example.com", role, password="secret-pass-1")
        tokens[role] = {"Authorization": f"Bearer {ApiToken.issue(user)}"}
    client = app.test_client()
    client.tokens = tokens
    return client


def widgets(external_ref: str, quantity: int) -> dict:
    """An order of ``quantity`` widgets at 10.00."""
    return order_body(external_ref, lines=[{"sku": "WIDGET", "quantity": quantity, "unit_price": "10.00"}])


def status_of(order_id: int) -> str:
    return Order.select(Order.status).where(Order.id == order_id).scalar()


def test_over_limit_order_is_held_then_released_by_a_credit_controller_and_shipped(stack, api):
    with running_sandbox():
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        order_id = api.post("/api/v1/orders", json=widgets("OVER-1", 11), headers=api.tokens["ops_admin"]).get_json()["id"]
        wait_until(lambda: status_of(order_id) == "on_hold", timeout=30, what="the order held")
        review = latest_review(order_id)
        assert review.code_list == ["credit_limit"]
        assert review.reasons[0]["numbers"]["exposure"] == "110.00"

        refused = api.post(f"/api/v1/orders/{order_id}/release", json={"comment": "looks fine"},
                           headers=api.tokens["ops_agent"])
        assert refused.status_code == 403
        assert status_of(order_id) == "on_hold"

        released = api.post(f"/api/v1/orders/{order_id}/release", json={"comment": "customer called, paying today"},
                            headers=api.tokens["credit_controller"])
        assert released.status_code == 200, released.get_json()
        wait_until(lambda: status_of(order_id) == "shipped", timeout=60, what="the released order shipped")
    resource = api.get(f"/api/v1/orders/{order_id}", headers=api.tokens["ops_admin"]).get_json()
    assert [r["outcome"] for r in resource["review"]] == ["hold"]
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_a_payment_sends_a_credit_hold_back_through_review_and_it_ships(stack, api):
    with running_sandbox():
        stack.start("worker", "worker")
        stack.start("relay", "relay")
        order_id = api.post("/api/v1/orders", json=widgets("PAY-1", 12), headers=api.tokens["ops_admin"]).get_json()["id"]
        wait_until(lambda: status_of(order_id) == "on_hold", timeout=30, what="the order held")
        payment = {"customer_code": "CUST1", "amount": "20.00", "currency": "USD", "reference": "BANK-7781",
                   "method": "bank_transfer"}
        answer = api.post("/api/v1/payments", json=payment, headers=api.tokens["credit_controller"])
        assert answer.status_code == 201, answer.get_json()
        assert answer.get_json()["orders_rechecked"] == [order_id]
        wait_until(lambda: status_of(order_id) == "shipped", timeout=60, what="the order shipped after the payment")
    outcomes = [r["outcome"] for r in api.get(f"/api/v1/orders/{order_id}",
                                               headers=api.tokens["ops_admin"]).get_json()["review"]]
    assert outcomes == ["hold", "approve"]
    assert all(not problems for problems in run_checks().values()), run_checks()


def test_parallel_reviews_never_let_two_orders_under_one_credit_limit(stack, api, rabbitmq_url):
    # Each order fits the limit alone (55.50-95.50 of 100.00); no two fit together; no two alike.
    gadget = {"sku": "GADGET", "quantity": 1, "unit_price": "25.50"}
    bodies = [widgets(f"RACE-W{n}", n) for n in (6, 7, 8)]
    bodies += [order_body(f"RACE-G{n}", lines=[widgets("", n)["lines"][0], gadget]) for n in (3, 4, 5, 6, 7)]
    ids = [api.post("/api/v1/orders", json=body, headers=api.tokens["ops_admin"]).get_json()["id"]
           for body in bodies]
    OutboxMessage.update(sent_at=OutboxMessage.created_at).execute()  # no relay: one message per order below
    stack.start("worker", "worker")  # 2 processes x 4 threads
    publisher = RabbitmqBroker(url=rabbitmq_url, confirm_delivery=True)
    for order_id in ids:
        publisher.enqueue(dramatiq.Message(queue_name="oms_review", actor_name="review_orders",
                                           args=([order_id],), kwargs={}, options={}))
    publisher.close()
    wait_until(lambda: Order.select().where(Order.id.in_(ids), Order.status == "reviewing").count() == 0,
               timeout=60, what="every order reviewed")
    approved = [order_id for order_id in ids if latest_review(order_id).outcome == "approve"]
    held = [order_id for order_id in ids if latest_review(order_id).code_list == ["credit_limit"]]
    assert len(approved) == 1 and len(held) == 7, (approved, held)
