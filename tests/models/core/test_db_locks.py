"""Row locks on PostgreSQL: a lock taken to serialize the work on a customer (or the distributor whose group limit
it counts against) never blocks orders placed for it or by it."""
import threading

import peewee
import pytest

from models.core.db import database, lock_against_writers, lock_for_update
from models.intake.batch_entry import place_orders
from models.partners.tables import Partner
from schemas.orders import order_schema
from tests.factories import make_world, order_body


def place_while_customer_locked(lock, code: str = "CUST1", *, placed_by: str | None = None) -> list:
    """Place two orders for CUST1 (by the partner ``placed_by``, else by ops) while another transaction holds the
    partner ``code`` with ``lock`` (2 s lock timeout)."""
    held, release, failures = threading.Event(), threading.Event(), []

    def holder() -> None:
        try:
            with database.atomic():
                list(lock(Partner.select().where(Partner.code == code)))
                held.set()
                release.wait(10)
        finally:
            database.close()

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(5)
    try:
        with database.atomic():
            database.execute_sql("SET LOCAL lock_timeout = '2s'")
            placer = Partner.get(Partner.code == placed_by) if placed_by else None
            results = place_orders([order_schema.load(order_body(f"LOCKED-{n}")) for n in range(2)], actor="test",
                                   placed_by=placer)
    except peewee.OperationalError as exc:
        failures.append(exc)
        results = []
    finally:
        release.set()
        thread.join()
    return failures or results


def test_a_customer_locked_against_writers_still_takes_new_orders(pg_db):
    make_world()
    results = place_while_customer_locked(lock_against_writers)
    assert [result.created for result in results] == [True, True]


def test_a_distributor_locked_against_writers_still_places_orders_for_its_customers(pg_db):
    make_world()
    results = place_while_customer_locked(lock_against_writers, "DIST1", placed_by="DIST1")
    assert [result.created for result in results] == [True, True]


def test_a_plain_row_lock_would_hold_new_orders_back(pg_db):
    """Why the review does not lock its customers and their distributors FOR UPDATE: the key from an order to the
    partner who placed it is checked with a lock such a lock would block (and a batch inserting for several partners
    in another order than the review's would deadlock with it). The key to the customer itself went in migration
    0037, so it is the distributor placing orders that shows it."""
    make_world()
    [failure] = place_while_customer_locked(lock_for_update, "DIST1", placed_by="DIST1")
    assert isinstance(failure, peewee.OperationalError) and "lock timeout" in str(failure)


@pytest.fixture(autouse=True)
def _no_leftover_connections():
    yield
    database.close()
