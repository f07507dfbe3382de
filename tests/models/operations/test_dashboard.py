"""The home dashboard's loaders on real rows (SQLite and PostgreSQL), checked against figures counted here from
the rows themselves; and on PostgreSQL, that today's figures read an index range, not the whole trail."""
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import peewee
import pytest

import models.operations.dashboard as dashboard
from models.core.audit import StatusChange
from models.core.base import utc_now
from models.core.transitions import transition
from models.intake.entry import place_order
from models.operations.dashboard import (
    dashboard_for,
    hold_groups,
    overdue_customers,
    today_figures,
)
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from models.returns.tables import ReturnRequest
from models.review.reviews import current_rule_set, record_review
from models.review.rules import CREDIT_ROLES, HOLD, ReviewDecision, ReviewReason
from models.shipping.tables import Shipment
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, make_world, order_body

THRESHOLD = timedelta(minutes=2)


def placed(ref: str, currency: str = "USD") -> Order:
    body = order_body(ref)
    body["currency"] = currency
    for line in body["lines"]:
        line["unit_price"] = "10.00"
    order, created = place_order(order_schema.load(body), actor="test")
    assert created
    return order


def ship(order: Order) -> None:
    for step in ("approved", "allocated", "shipped"):
        assert transition("order", order.id, step, actor="test")


def hold(order: Order, code: str | None) -> None:
    if code:
        reason = ReviewReason(code, code, release_roles=CREDIT_ROLES if code == "credit_limit" else ())
        record_review(order.id, ReviewDecision(HOLD, (reason,)), current_rule_set(), actor="test")
    assert transition("order", order.id, "on_hold", actor="test")


@pytest.fixture
def world(any_db):
    make_world()
    allow_repeat_orders()
    return any_db


def test_today_figures_equal_the_rows(world):
    now = utc_now()
    usd, eur, old = placed("PO-1"), placed("PO-2", "EUR"), placed("PO-3")
    for order in (usd, eur, old):
        ship(order)
    placed("PO-4")
    # PO-3 was received and shipped yesterday.
    StatusChange.update(at=now - timedelta(days=1)).where(StatusChange.entity_id == old.id).execute()
    figures = today_figures(now)
    trail = list(StatusChange.select().where(StatusChange.entity == "order"))
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert figures.received == len({c.entity_id for c in trail if c.to_status == "received" and c.at >= start}) == 3
    shipped = {c.entity_id for c in trail if c.to_status == "shipped" and c.at >= start}
    assert figures.shipped == len(shipped) == 2
    expected: dict[str, Decimal] = {}
    for order in Order.select().where(Order.id.in_(shipped)):
        expected[order.currency] = expected.get(order.currency, Decimal(0)) + order.total
    assert figures.revenue == expected == {"EUR": eur.total, "USD": usd.total}
    assert figures.open_holds == 0


def test_an_order_shipped_twice_today_counts_once(world):
    order = placed("PO-1")
    ship(order)
    assert transition("order", order.id, "allocated", actor="test")  # waybill cancelled before pickup
    assert transition("order", order.id, "shipped", actor="test")
    figures = today_figures(utc_now())
    assert (figures.shipped, figures.revenue) == (1, {"USD": order.total})


def test_hold_groups_by_newest_review(world):
    credit, duplicate, by_hand = placed("PO-1"), placed("PO-2"), placed("PO-3")
    record_review(credit.id, ReviewDecision(HOLD, (ReviewReason("duplicate", "d"),)), current_rule_set(),
                  actor="test")  # an older review: the newest one speaks
    hold(credit, "credit_limit")
    hold(duplicate, "duplicate")
    hold(by_hand, None)
    groups = {(g.codes.strip() if g.codes else None, g.outcome): g.count for g in hold_groups()}
    assert groups == {("credit_limit", "hold"): 1, ("duplicate", "hold"): 1, (None, None): 1}
    assert today_figures(utc_now()).open_holds == 3


def test_overdue_customers_count_each_customer_once(world):
    today = utc_now().date()
    customer = Partner.get(Partner.code == "CUST1")
    other = Partner.create(code="CUST9", name="Nine", kind="customer")
    for number, who, due, status in (("I-1", customer, today - timedelta(days=3), "open"),
                                     ("I-2", customer, today - timedelta(days=1), "open"),
                                     ("I-3", other, today - timedelta(days=5), "paid"),
                                     ("I-4", other, today + timedelta(days=5), "open")):
        Invoice.create(number=number, customer=who, currency="USD", amount=Decimal("10"), due_on=due, status=status)
    assert overdue_customers(utc_now()) == 1


def test_each_role_gets_its_items(world, monkeypatch):
    monkeypatch.setattr(dashboard, "dead_letter_count", lambda: None)
    held = placed("PO-1")
    hold(held, "duplicate")
    agent = dashboard_for(SimpleNamespace(role="ops_agent", partner_id=None, is_ops=True), stuck_after=THRESHOLD)
    counts = {item.key: item.count for item in agent.actions}
    assert counts["holds"] == 1 and counts["dead_letters"] is None and counts["stuck"] == 0
    assert agent.today is not None and agent.today.open_holds == 1
    credit = dashboard_for(SimpleNamespace(role="credit_controller", partner_id=None, is_ops=True),
                           stuck_after=THRESHOLD)
    assert {item.key: item.count for item in credit.actions} == {"credit_holds": 0, "overdue_customers": 0}
    dist = Partner.get(Partner.code == "DIST1")
    mine = dashboard_for(SimpleNamespace(role="distributor", partner_id=dist.id, is_ops=False), stuck_after=THRESHOLD)
    assert {item.key: item.count for item in mine.actions} == {"my_on_hold": 1, "my_backordered": 0,
                                                             "my_returns_to_send": 0}
    assert mine.today is None
    other = Partner.create(code="DIST9", name="Nine", kind="distributor")
    theirs = dashboard_for(SimpleNamespace(role="distributor", partner_id=other.id, is_ops=False),
                           stuck_after=THRESHOLD)
    assert theirs.actions[0].count == 0  # another distributor's hold is not counted


def test_dead_letters_unknown_without_the_store(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "models.operations.dead_letters":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    assert dashboard.dead_letter_count() is None


def test_today_figures_read_index_ranges_on_postgres(pg_db):
    make_world()
    order = placed("PO-1")
    start = utc_now() - timedelta(days=60)
    rows = [{"entity": "order", "entity_id": order.id, "from_status": None, "to_status": status,
             "actor": "test", "reason": "", "at": start + timedelta(minutes=15 * n)}
            for n in range(5000) for status in ("received", "shipped")][:8000]
    StatusChange.insert_many(rows).execute()
    pg_db.execute_sql("ANALYZE status_change")
    pg_db.execute_sql('ANALYZE "order"')
    now = utc_now()
    query = StatusChange.select(StatusChange.entity_id).where(
        StatusChange.entity == "order", StatusChange.at >= now.replace(hour=0, minute=0, second=0, microsecond=0),
        StatusChange.to_status == "received")
    sql, params = query.sql()

    def plan() -> str:
        return "\n".join(row[0] for row in pg_db.execute_sql("EXPLAIN " + sql, params).fetchall())

    assert "statuschange_entity_to_status_at" in plan(), plan()
    assert "Seq Scan on status_change" not in plan(), plan()
    assert today_figures(now).received >= 1
    pg_db.execute_sql('DROP INDEX "statuschange_entity_to_status_at"')
    fallback = plan()  # without it, every order's trail is read: the table, or the other index whole for 'order'
    assert "statuschange_entity_to_status_at" not in fallback, fallback
    assert "Seq Scan on status_change" in fallback or "statuschange_entity_entity_id_at" in fallback, fallback


def test_stuck_counts_read_the_status_indexes_on_postgres(pg_db):
    from models.operations.stuck_work import _orders, _returns, _shipments

    make_world()
    customer = Partner.get(Partner.code == "CUST1")
    old = utc_now() - timedelta(days=30)
    rows = [{"channel": "api", "external_ref": f"R-{n}", "customer": customer.id, "currency": "USD",
             "ship_to_name": "A", "ship_to_address": "B", "ship_to_city": "C", "ship_to_region": "R1",
             "ship_to_country": "US", "status": "delivered" if n % 50 else "reviewing", "status_changed_at": old}
            for n in range(5000)]
    Order.insert_many(rows).execute()
    ids = [order_id for (order_id,) in Order.select(Order.id).tuples()]
    Shipment.insert_many([{"order": order_id, "warehouse": 1, "status": "delivered" if n % 50 else "ready",
                           "status_changed_at": old} for n, order_id in enumerate(ids)]).execute()
    ReturnRequest.insert_many([{"order": order_id, "customer": customer.id, "resolution": "refund",
                                "reason": "damaged", "status": "closed" if n % 50 else "approved",
                                "status_changed_at": old} for n, order_id in enumerate(ids)]).execute()
    for table in ("order", "shipment", "return_request"):
        pg_db.execute_sql(f'ANALYZE "{table}"')
    cutoff = utc_now() - timedelta(minutes=2)
    for query, table in ((_orders(cutoff), "order"), (_shipments(cutoff), "shipment"),
                         (_returns(cutoff), "return_request")):
        sql, params = query.select(peewee.fn.COUNT(1)).sql()
        plan = "\n".join(row[0] for row in pg_db.execute_sql("EXPLAIN " + sql, params).fetchall())
        assert f'Seq Scan on "{table}"' not in plan and f"Seq Scan on {table}" not in plan, plan
