"""Concurrent reviews on PostgreSQL: a customer with a credit limit is reviewed one batch at a time; one without is
not locked, so batches sharing it do not queue behind each other."""
from __future__ import annotations

import threading

import pytest

from models.core.db import database
from models.intake.entry import place_order
from models.review import step
from models.review.step import review_orders
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def placed(ref: str, units: int) -> int:
    """An order of ``units`` widgets at 10.00 (different sizes: the duplicate rule would hold repeats)."""
    lines = [{"sku": "WIDGET", "quantity": units, "unit_price": "10.00"}]
    return place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")[0].id


def review_side_by_side(monkeypatch, first_id: int, second_id: int) -> tuple[dict, bool]:
    """Review ``first_id`` in one thread, held for up to 1.5 s once it has its customers; meanwhile review
    ``second_id`` in another. Returns the outcomes and whether the second finished while the first was held."""
    loaded, second_done = threading.Event(), threading.Event()
    held_for_nothing: list[bool] = []
    original = step.ReviewBatch.load

    def load_and_wait(*args, **kwargs):
        batch = original(*args, **kwargs)
        if threading.current_thread().name == "first":
            loaded.set()
            held_for_nothing.append(second_done.wait(1.5))
        return batch

    monkeypatch.setattr(step.ReviewBatch, "load", staticmethod(load_and_wait))
    outcomes: dict[int, str] = {}

    def run(order_id: int, done: threading.Event | None = None) -> None:
        try:
            outcomes.update(review_orders([order_id], actor="test").outcomes)
        finally:
            database.close()
            if done is not None:
                done.set()

    first = threading.Thread(target=run, args=(first_id,), name="first")
    first.start()
    assert loaded.wait(10)
    second = threading.Thread(target=run, args=(second_id, second_done), name="second")
    second.start()
    first.join(15)
    second.join(15)
    return outcomes, held_for_nothing == [True]


def test_two_reviews_of_a_limited_customer_run_one_after_the_other(pg_db, monkeypatch):
    make_world(credit_limit="100.00")  # each order fits alone; both do not
    first_id, second_id = placed("LIMIT-A", 6), placed("LIMIT-B", 5)

    outcomes, second_went_past = review_side_by_side(monkeypatch, first_id, second_id)

    assert not second_went_past  # it waited for the first's lock on the customer
    assert outcomes == {first_id: "approve", second_id: "hold"}


def test_reviews_of_a_customer_without_a_limit_do_not_wait_for_each_other(pg_db, monkeypatch):
    make_world(credit_limit=None)
    first_id, second_id = placed("FREE-A", 6), placed("FREE-B", 5)

    outcomes, second_went_past = review_side_by_side(monkeypatch, first_id, second_id)

    assert second_went_past
    assert outcomes == {first_id: "approve", second_id: "approve"}


@pytest.fixture(autouse=True)
def _no_leftover_connections():
    yield
    database.close()
