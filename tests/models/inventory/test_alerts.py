import pytest

from models.core.db import database
from models.core.outbox import OutboxMessage
from models.invariants import one_open_alert_per_stock
from models.inventory import alerts as stock_alerts
from models.inventory.alerts import (
    ALERT_MAILS,
    evaluate_alerts,
    mail_stock_alert,
    reorder_point_of,
    sweep_alerts,
)
from models.inventory.moves import adjust_stock, transfer_stock
from models.inventory.tables import Product, Stock, StockAlert, Warehouse
from models.partners.tables import Partner, User
from tests.conftest import settings_for
from tests.factories import make_world

ACTOR = "agent@relay.test"


def stock_row(warehouse: str, sku: str) -> Stock:
    return (Stock.select().join(Warehouse).switch(Stock).join(Product)
            .where(Warehouse.code == warehouse, Product.sku == sku).get())


def set_stock(warehouse: str, sku: str, **values) -> int:
    row = stock_row(warehouse, sku)
    Stock.update(**values).where(Stock.id == row.id).execute()
    return row.id


def alerts() -> list[tuple]:
    rows = (StockAlert.select(StockAlert, Warehouse, Product).join(Warehouse).switch(StockAlert).join(Product)
            .order_by(StockAlert.id))
    return [(a.warehouse.code, a.product.sku, a.status, a.available, a.reorder_point) for a in rows]


def mail_nudges() -> list[list[int]]:
    return [m.args[0] for m in OutboxMessage.select().where(OutboxMessage.queue_name == ALERT_MAILS.queue_name,
                                                            OutboxMessage.actor_name == ALERT_MAILS.actor_name)
            .order_by(OutboxMessage.id)]


@pytest.mark.parametrize("own, product_point, expected", [(None, 20, 20), (5, 20, 5), (0, 20, 0), (None, 0, 0)])
def test_reorder_point_of_prefers_the_warehouse_override(own, product_point, expected):
    assert reorder_point_of(Stock(reorder_point=own), Product(reorder_point=product_point)) == expected


def test_alert_raised_once_cleared_on_recovery_and_raised_again(any_db):
    make_world(on_hand=100)
    Product.update(reorder_point=50).where(Product.sku == "WIDGET").execute()
    adjust_stock("EAST", "WIDGET", -60, reason_code="shrinkage", actor=ACTOR)
    assert alerts() == [("EAST", "WIDGET", "open", 40, 50)]
    first = StockAlert.get()
    assert mail_nudges() == [[first.id]]

    adjust_stock("EAST", "WIDGET", -5, reason_code="damaged", actor=ACTOR)  # still low: no second alert
    assert alerts() == [("EAST", "WIDGET", "open", 40, 50)] and mail_nudges() == [[first.id]]

    adjust_stock("EAST", "WIDGET", 15, reason_code="found", actor=ACTOR)  # 50 available: recovered
    assert alerts() == [("EAST", "WIDGET", "cleared", 40, 50)]
    assert StockAlert.get_by_id(first.id).cleared_at is not None

    adjust_stock("EAST", "WIDGET", -1, reason_code="damaged", actor=ACTOR)
    assert alerts() == [("EAST", "WIDGET", "cleared", 40, 50), ("EAST", "WIDGET", "open", 49, 50)]
    assert len(mail_nudges()) == 2
    assert one_open_alert_per_stock() == []


def test_reserved_units_count_against_the_reorder_point(any_db):
    make_world(on_hand=100)
    stock_id = set_stock("WEST", "GADGET", reorder_point=10, reserved=95)
    raised, cleared = evaluate_alerts([stock_id])
    assert [(a.available, a.reorder_point) for a in raised] == [(5, 10)] and cleared == []
    set_stock("WEST", "GADGET", reserved=0)  # an order cancelled
    raised, cleared = evaluate_alerts([stock_id])
    assert raised == [] and [(a.id, a.status) for a in cleared] == [(StockAlert.get().id, "cleared")]


def test_two_evaluations_in_a_row_raise_one_alert(any_db):
    make_world(on_hand=3)
    stock_id = set_stock("EAST", "GADGET", reorder_point=10)
    assert len(evaluate_alerts([stock_id, stock_id])[0]) == 1
    assert evaluate_alerts([stock_id]) == ([], [])
    assert alerts() == [("EAST", "GADGET", "open", 3, 10)] and len(mail_nudges()) == 1


def test_a_raise_that_loses_the_race_is_skipped_and_the_transaction_goes_on(any_db, monkeypatch):
    make_world(on_hand=3)
    stock_id = set_stock("EAST", "GADGET", reorder_point=10)
    stale = stock_alerts._states(Stock.id == stock_id)  # read before the other writer's alert
    evaluate_alerts([stock_id])
    monkeypatch.setattr(stock_alerts, "_states", lambda *args, **kwargs: stale)
    with database.atomic():
        assert evaluate_alerts([stock_id]) == ([], [])
        assert Stock.get_by_id(stock_id).on_hand == 3  # the unique index refused only the savepoint
    assert len(alerts()) == 1 and len(mail_nudges()) == 1


def test_no_reorder_point_means_no_alert(any_db):
    make_world(on_hand=0)
    assert evaluate_alerts([row.id for row in Stock.select()]) == ([], [])
    assert evaluate_alerts([]) == ([], [])


def test_transfer_evaluates_both_sides(any_db):
    make_world(on_hand=30)
    Product.update(reorder_point=25).where(Product.sku == "WIDGET").execute()
    transfer_stock("EAST", "WEST", "WIDGET", 10, reason_code="rebalance", actor=ACTOR)
    assert alerts() == [("EAST", "WIDGET", "open", 20, 25)]
    transfer_stock("WEST", "EAST", "WIDGET", 10, reason_code="rebalance", actor=ACTOR)
    assert [a[2] for a in alerts()] == ["cleared"]


def test_sweep_raises_and_clears_what_drifted(any_db):
    make_world(on_hand=10)
    set_stock("EAST", "WIDGET", reorder_point=20)
    recovered = set_stock("WEST", "WIDGET", reorder_point=20)
    evaluate_alerts([recovered])
    set_stock("WEST", "WIDGET", on_hand=50)  # changed without an evaluation
    Product.update(reorder_point=15).where(Product.sku == "GADGET").execute()  # two more rows now low
    assert sweep_alerts() == (3, 1)
    assert sorted(a[:3] for a in alerts() if a[2] == "open") == [
        ("EAST", "GADGET", "open"), ("EAST", "WIDGET", "open"), ("WEST", "GADGET", "open")]
    assert sweep_alerts() == (0, 0)
    set_stock("EAST", "WIDGET", reorder_point=0)  # alerting switched off for the row
    assert sweep_alerts() == (0, 1)
    assert one_open_alert_per_stock() == []


def test_mail_goes_to_the_supplier_and_ops(any_db, tmp_path, monkeypatch):
    make_world(on_hand=4)
    Partner.update(email="orders@sup1.example").where(Partner.code == "SUP1").execute()
    for email, role in (("b-admin@relay.test", "ops_admin"), ("a-agent@relay.test", "ops_agent"),
                        ("credit@relay.test", "credit_controller")):
        User.create(email=email, password_hash="x", role=role)
    sent = []
    monkeypatch.setattr(stock_alerts, "send_mail", lambda settings, to, subject, body: sent.append((to, subject, body)))
    (alert,), _ = evaluate_alerts([set_stock("EAST", "WIDGET", reorder_point=5)])
    assert mail_stock_alert(alert.id, settings_for(tmp_path)) == 2
    assert [(to, subject) for to, subject, _ in sent] == [
        ("orders@sup1.example", "Low stock: WIDGET in EAST"),
        ("a-agent@relay.test, b-admin@relay.test", "Low stock: WIDGET in EAST")]
    assert "4 unit(s) available, below its reorder point of 5" in sent[0][2]


def test_no_mail_for_an_alert_cleared_before_it_went_out_nor_to_a_supplier_without_email(any_db, tmp_path,
                                                                                          monkeypatch):
    make_world(on_hand=4)
    User.create(email="admin@relay.test", password_hash="x", role="ops_admin")
    sent = []
    monkeypatch.setattr(stock_alerts, "send_mail", lambda settings, to, subject, body: sent.append(to))
    stock_id = set_stock("EAST", "WIDGET", reorder_point=5)
    (alert,), _ = evaluate_alerts([stock_id])
    assert mail_stock_alert(alert.id, settings_for(tmp_path)) == 1 and sent == ["admin@relay.test"]
    set_stock("EAST", "WIDGET", on_hand=50)
    evaluate_alerts([stock_id])
    assert mail_stock_alert(alert.id, settings_for(tmp_path)) == 0 and sent == ["admin@relay.test"]
    assert mail_stock_alert(999_999, settings_for(tmp_path)) == 0
