"""The returns report's figures equal those computed here from the raw rows (return lines, feedback, shipped
reservations), on SQLite and PostgreSQL: by reason, SKU and supplier, and one supplier's SKUs only."""
from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Stock
from models.orders.tables import OrderLine, Reservation
from models.partners.tables import Partner
from models.reports.inventory_rollup import refresh_inventory_rollup
from models.reports.periods import DateRange
from models.reports.returns import returns_report
from models.returns.feedback import record_feedback
from models.returns.tables import ReturnLine, ReturnRequest
from tests.factories import allow_repeat_orders, ask, delivered_order, make_world


@pytest.fixture
def returned(any_db):
    """Four delivered orders (one holding SUP2's BOLT), three rated; returns for damaged, wrong item and no longer
    needed, one rejected, one requested 60 days ago."""
    world = make_world(on_hand=100)
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.50"), supplier=sup2)
    for warehouse in (world["east"], world["west"]):
        Stock.create(warehouse=warehouse, product=bolt, on_hand=100)
    allow_repeat_orders()
    one, two, three = (delivered_order(f"PO-{n}") for n in range(3))
    four = delivered_order("PO-3", lines=[{"sku": "BOLT", "quantity": 6}, {"sku": "WIDGET", "quantity": 1}])
    for order, rating in ((one, 2), (two, 5), (four, 3)):
        assert record_feedback(order.id, rating, "")
    ask(one, "damaged", sku="WIDGET", quantity=2)
    ask(two, "wrong_item", sku="GADGET", quantity=1)
    ask(four, "damaged", sku="BOLT", quantity=4)
    rejected = ask(three, "no_longer_needed", sku="WIDGET", quantity=1)
    ReturnRequest.update(status="rejected").where(ReturnRequest.id == rejected.id).execute()
    old = ask(three, "defective", sku="GADGET", quantity=1)
    ReturnRequest.update(created_at=utc_now() - timedelta(days=60)).where(ReturnRequest.id == old.id).execute()
    refresh_inventory_rollup()
    return world, sup2


def expected(span: DateRange, by: str, supplier_id: int | None = None) -> dict[str, tuple]:
    """key -> (returns, units, refund value by currency, units shipped, ratings, rating total), from raw rows."""
    returns, units, money = defaultdict(set), defaultdict(int), defaultdict(lambda: defaultdict(Decimal))
    for line in ReturnLine.select():
        request, product = line.return_request, line.order_line.product
        if request.status == "rejected" or not span.contains(request.created_at.date()):
            continue
        if supplier_id is not None and product.supplier_id != supplier_id:
            continue
        key = {"reason": request.reason, "sku": product.sku, "supplier": product.supplier.code}[by]
        returns[key].add(request.id)
        units[key] += line.quantity
        money[key][request.currency] += line.quantity * line.unit_price
    shipped = defaultdict(int)
    for reservation in Reservation.select().where(Reservation.status == "fulfilled"):
        product = reservation.order_line.product
        if span.contains(reservation.updated_at.date()) and by != "reason":
            shipped[product.sku if by == "sku" else product.supplier.code] += reservation.quantity
    return {key: (len(ids), units[key], dict(money[key]), None if by == "reason" else shipped[key])
            for key, ids in returns.items()}


def ratings(span: DateRange, by: str, key: str) -> tuple[int, Decimal | None]:
    from models.returns.tables import OrderFeedback

    rated = []
    for feedback in OrderFeedback.select():
        lines = list(OrderLine.select().where(OrderLine.order == feedback.order_id))
        if by == "reason":
            hit = any(r.reason == key and r.status != "rejected" and span.contains(r.created_at.date())
                      for r in ReturnRequest.select().where(ReturnRequest.order == feedback.order_id))
        else:
            hit = span.contains(feedback.created_at.date()) and any(
                (line.product.sku if by == "sku" else line.product.supplier.code) == key for line in lines)
        if hit:
            rated.append(feedback.rating)
    return len(rated), (Decimal(sum(rated)) / len(rated)).quantize(Decimal("0.01")) if rated else None


@pytest.mark.parametrize("by", ["reason", "sku", "supplier"])
def test_figures_equal_the_raw_rows(returned, by):
    today = utc_now().date()
    span = DateRange(today - timedelta(days=29), today)
    rows = returns_report(span, by)
    assert {row.key: (row.returns, row.units, row.refund_value, row.units_shipped) for row in rows} == \
        expected(span, by)
    for row in rows:
        assert (row.ratings, row.average_rating) == ratings(span, by, row.key)
        if row.units_shipped:
            assert row.return_rate == (Decimal(row.units) / row.units_shipped).quantize(Decimal("0.0001"))
    assert [row.units for row in rows] == sorted((row.units for row in rows), reverse=True)


def test_known_figures(returned):
    today = utc_now().date()
    span = DateRange(today - timedelta(days=29), today)
    by_reason = {row.key: row for row in returns_report(span, "reason")}
    assert set(by_reason) == {"damaged", "wrong_item"}  # rejected and old returns left out
    assert (by_reason["damaged"].returns, by_reason["damaged"].units) == (2, 6)
    assert by_reason["damaged"].refund_value == {"USD": Decimal("26.00")}  # 2 × 10.00 + 4 × 1.50
    bolt = next(row for row in returns_report(span, "sku") if row.key == "BOLT")
    assert (bolt.units, bolt.units_shipped, bolt.return_rate) == (4, 6, Decimal("0.6667"))
    assert (bolt.ratings, bolt.average_rating) == (1, Decimal("3.00"))


def test_a_supplier_sees_only_its_own_skus(returned):
    world, sup2 = returned
    today = utc_now().date()
    span = DateRange(today - timedelta(days=29), today)
    for by in ("reason", "sku", "supplier"):
        theirs = returns_report(span, by, supplier_id=sup2.id)
        assert {row.key: (row.returns, row.units, row.refund_value, row.units_shipped) for row in theirs} == \
            expected(span, by, sup2.id)
    assert [row.key for row in returns_report(span, "supplier", supplier_id=sup2.id)] == ["SUP2"]
    assert {row.key for row in returns_report(span, "sku", supplier_id=world["supplier"].id)} == {"WIDGET", "GADGET"}
