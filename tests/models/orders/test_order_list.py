"""The order list: keyset pages, filters, search by reference or customer name, and status counts."""
from __future__ import annotations

import functools
from types import SimpleNamespace

import pytest

from models.core.db import database
from models.orders import order_list
from models.orders.count_rules import plan_status_counts
from models.orders.order_list import (
    OrderListFilter,
    customer_filter,
    order_page,
    status_counts,
)
from models.orders.tables import Order
from models.partners.tables import Partner
from tests.factories import make_world

OPS = SimpleNamespace(is_ops=True, role="ops_admin", partner_id=None)
STATUSES = ("delivered", "delivered", "shipped", "delivered", "on_hold", "cancelled", "delivered")


def _dist(code: str) -> SimpleNamespace:
    return SimpleNamespace(is_ops=False, role="distributor", partner_id=Partner.get(Partner.code == code).id)


@pytest.fixture
def book(any_db) -> dict[str, list[int]]:
    """137 orders of three customers (ids by customer code, newest first); one customer of another distributor."""
    world = make_world()
    other = Partner.create(code="DIST2", name="Distributor Two", kind="distributor", region="R2")
    harbor = Partner.create(code="C-0417", name="Harbor Supply Co", kind="customer", region="R1",
                            distributor=world["distributor"])
    Partner.create(code="C-0999", name="Northwind Harbor Traders", kind="customer", region="R2", distributor=other)
    customers = [world["customer"], harbor, Partner.get(Partner.code == "C-0999")]
    rows = [{"channel": "api" if n % 3 else "file", "external_ref": f"SO-2026-{n:05d}",
             "customer": customers[n % 3].id, "currency": "USD", "status": STATUSES[n % len(STATUSES)],
             "ship_to_name": "Dock", "ship_to_address": "1 Dock Road", "ship_to_city": "Springfield",
             "ship_to_region": "R1", "ship_to_country": "US"} for n in range(137)]
    Order.insert_many(rows).execute()
    ids: dict[str, list[int]] = {}
    for order_id, code in (Order.select(Order.id, Partner.code).join(Partner, on=Order.customer)
                           .order_by(Order.id.desc()).tuples()):
        ids.setdefault(code, []).append(order_id)
    return ids


def _every_page(user, **wanted) -> list[int]:
    """Walk the list by ``before`` to its end; every id in the order listed."""
    listed, before = [], None
    while True:
        page = order_page(user, OrderListFilter(before=before, limit=7, **wanted))
        listed += [order.id for order in page.orders]
        if page.next_before is None:
            return listed
        assert page.next_before == listed[-1]
        before = page.next_before


def _all_ids(**where) -> list[int]:
    query = Order.select(Order.id).order_by(Order.id.desc())
    for name, value in where.items():
        query = query.where(getattr(Order, name) == value)
    return [order_id for (order_id,) in query.tuples()]


def test_pages_by_before_neither_repeat_nor_skip_an_order(book):
    assert _every_page(OPS) == _all_ids()
    assert _every_page(OPS, status="delivered") == _all_ids(status="delivered")
    assert _every_page(OPS, channel="file") == _all_ids(channel="file")
    assert _every_page(OPS, customer=customer_filter("C-0417"), status="on_hold") == \
        _all_ids(customer=Partner.get(Partner.code == "C-0417").id, status="on_hold")


def test_an_unknown_customer_code_lists_nothing(book):
    assert order_page(OPS, OrderListFilter(customer=customer_filter("NOPE"))).orders == []


def test_search_by_customer_name_finds_that_customers_orders(book):
    found = _every_page(OPS, search="supply co")
    assert found == book["C-0417"]
    assert _every_page(OPS, search="HARBOR") == sorted(book["C-0417"] + book["C-0999"], reverse=True)


def test_search_by_a_fragment_of_the_reference_or_the_customer_code(book):
    assert [o.external_ref for o in order_page(OPS, OrderListFilter(search="6-0012")).orders] == \
        [f"SO-2026-{n:05d}" for n in range(129, 119, -1)]
    assert _every_page(OPS, search="c-0999") == book["C-0999"]


def test_a_distributor_searching_finds_only_its_own_book(book):
    mine = _dist("DIST1")
    assert _every_page(mine, search="harbor") == book["C-0417"]
    assert _every_page(mine) == sorted(book["CUST1"] + book["C-0417"], reverse=True)
    assert _every_page(_dist("DIST2"), search="supply") == []


def test_counts_of_a_small_book_are_exact(book):
    counts = status_counts(OPS, OrderListFilter())
    expected = {status: len(_all_ids(status=status)) for status in set(STATUSES)}
    assert {status: count.value for status, count in counts.by_status.items()} == expected
    assert not any(count.estimated for count in counts.by_status.values())
    assert counts.total_text == "137"
    searched = status_counts(OPS, OrderListFilter(search="supply co"))
    assert searched.total.value == len(book["C-0417"]) and not searched.total.estimated


def test_counts_of_a_scoped_list_stop_at_the_cap(book, monkeypatch):
    monkeypatch.setattr(order_list, "COUNT_CAP", 50)
    counts = status_counts(OPS, OrderListFilter(search="harbor"))  # 91 orders
    assert counts.capped and counts.by_status == {} and counts.total_text == "50+"
    under = status_counts(_dist("DIST2"), OrderListFilter())  # 45 orders
    assert not under.capped and under.total_text == "45" == str(len(book["C-0999"]))


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_on_postgres_a_big_status_is_estimated_from_statistics_and_small_ones_counted(book, monkeypatch):
    monkeypatch.setattr(order_list, "plan_status_counts", functools.partial(plan_status_counts, exact_below=30))
    monkeypatch.setattr(order_list, "_statistics", {})  # read after this ANALYZE
    database.execute_sql('ANALYZE "order"')
    statements = []
    original = type(database.obj).execute_sql
    monkeypatch.setattr(type(database.obj), "execute_sql",
                        lambda self, sql, *args, **kw: statements.append(sql) or original(self, sql, *args, **kw))
    counts = status_counts(OPS, OrderListFilter())
    delivered = counts.by_status["delivered"]
    assert delivered.estimated and abs(delivered.value - len(_all_ids(status="delivered"))) <= 2
    assert str(delivered).startswith("≈ ")
    assert {s: c.value for s, c in counts.by_status.items() if not c.estimated} == \
        {s: len(_all_ids(status=s)) for s in ("shipped", "on_hold", "cancelled")}
    assert counts.total.estimated
    counting = [sql for sql in statements if "COUNT" in sql.upper()]
    assert len(counting) == 1 and "delivered" not in counting[0]  # the big status is never counted


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_without_the_trigram_index_a_reference_is_searched_by_its_beginning(book, monkeypatch):
    indexes = {name for (name,) in database.execute_sql("SELECT indexname FROM pg_indexes").fetchall()}
    assert {"order_open_status_id", "order_reference_trgm", "partner_name_trgm", "partner_code_trgm"} <= indexes
    assert "order_external_ref_trgm" not in indexes  # on the order table it was rewritten at every status
    assert [o.external_ref for o in order_page(OPS, OrderListFilter(search="6-00129")).orders] == ["SO-2026-00129"]
    database.execute_sql('DROP INDEX "order_reference_trgm"')  # as where pg_trgm could not be created
    monkeypatch.setattr(order_list, "_trigram_by_database", {})
    assert order_page(OPS, OrderListFilter(search="6-00129")).orders == []
    assert [o.external_ref for o in order_page(OPS, OrderListFilter(search="SO-2026-00129")).orders] == \
        ["SO-2026-00129"]
    assert _every_page(OPS, search="supply co") == book["C-0417"]  # customers are still matched anywhere


@pytest.mark.parametrize("any_db", ["postgres"], indirect=True)
def test_on_postgres_each_reference_is_searched_beside_the_order_written_once_and_kept_when_corrected(book):
    references = dict(database.execute_sql('SELECT "order_id", "external_ref" FROM "order_reference"').fetchall())
    assert references == dict(Order.select(Order.id, Order.external_ref).tuples())  # every insert path, by trigger
    newest = max(references)
    Order.update(status="shipped").where(Order.id == newest).execute()  # a status change: not rewritten
    Order.update(external_ref="SO-FIXED-1").where(Order.id == newest).execute()
    assert [o.id for o in order_page(OPS, OrderListFilter(search="FIXED")).orders] == [newest]
    assert order_page(OPS, OrderListFilter(search=references[newest])).orders == []  # the old one is gone
    Order.delete().where(Order.id == newest).execute()
    assert database.execute_sql('SELECT count(*) FROM "order_reference" WHERE "order_id" = %s',
                                (newest,)).fetchone() == (0,)


def test_a_search_matches_percent_and_underscore_as_written(any_db, book):
    Order.update(external_ref="PO_100%").where(Order.id == min(book["C-0417"])).execute()
    assert [o.external_ref for o in order_page(OPS, OrderListFilter(search="_100%")).orders] == ["PO_100%"]
    assert order_page(OPS, OrderListFilter(search="O-2026_0")).orders == []  # "_" is not any character
