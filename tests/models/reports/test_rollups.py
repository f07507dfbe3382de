"""The report rollups the pipeline keeps equal a rebuild from the raw rows and the figures computed here from
those rows, on SQLite and PostgreSQL: orders shipped, delivered, and moved back by a cancelled waybill."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.intake.entry import place_order
from models.orders.tables import Order
from models.pricing.rules import PriceBook, PriceBreak, PriceList
from models.pricing.tax_tables import TaxRateRow
from models.pricing.versions import save_price_book
from models.reports.rollup_sql import Selection, add_sales
from models.reports.sales_rollup import rebuild_rollups
from models.reports.tables import CycleTimeDay, SalesDay, SkuDay
from models.shipping.tables import Shipment
from models.shipping.waybill_changes import record_waybill_cancellation
from schemas.orders import order_schema
from tests.factories import (
    allow_repeat_orders,
    book_waybills,
    delivered_order,
    make_world,
    order_body,
)
from tests.models.reports.raw_figures import kept_rollups, raw_rollups


def shipped_order(ref: str, **body) -> Order:
    order, _ = place_order(order_schema.load(order_body(ref, **body)), actor="test")
    book_waybills(order)
    order = Order.get_by_id(order.id)
    assert order.status == "shipped"
    return order


@pytest.fixture
def orders(any_db):
    make_world(on_hand=500)
    allow_repeat_orders()
    delivered = [delivered_order(f"PO-D{n}") for n in range(3)]
    shipped = [shipped_order("PO-S1", channel="portal", region="R2"),
               shipped_order("PO-S2", lines=[{"sku": "WIDGET", "quantity": 5, "unit_price": "10.50"}])]
    return delivered, shipped


def test_kept_rollups_equal_the_raw_figures_and_a_rebuild(orders):
    kept = kept_rollups()
    assert kept == raw_rollups()
    sales, skus, cycles, *_ = kept
    assert sum(orders for orders, _, _ in sales.values()) == 5
    assert {step for _, step, _ in cycles} == {"received_to_approved", "approved_to_allocated",
                                               "allocated_to_shipped", "received_to_shipped",
                                               "shipped_to_delivered"}
    assert sum(count for (_, step, _), count in cycles.items() if step == "shipped_to_delivered") == 3
    rebuild_rollups()
    assert kept_rollups() == kept


def test_revenue_of_an_order_priced_with_tax_included_is_net_of_its_tax(orders):
    book = PriceBook((PriceList("CAT", "USD", "catalogue", entries={"WIDGET": (PriceBreak(1, Decimal("12.00")),)},
                                tax_included=True),))
    save_price_book(book, expected_version=None, actor="test")
    TaxRateRow.create(tax_class="standard", country="US", rate=Decimal("0.2000"), name="VAT")
    gross = shipped_order("PO-GROSS", lines=[{"sku": "WIDGET", "quantity": 3}])
    assert (gross.prices_include_tax, gross.subtotal, gross.tax_total) == (True, Decimal("36.00"), Decimal("6.00"))
    kept = kept_rollups()
    assert kept == raw_rollups()
    sales, skus, *_ = kept
    assert sum(revenue for _, _, revenue in sales.values()) == Decimal("30.00") + sum(
        order.subtotal for order in Order.select().where(Order.id != gross.id, Order.status.in_(("shipped", "delivered"))))
    rebuild_rollups()
    assert kept_rollups() == kept


def test_a_cancelled_waybill_takes_the_order_away_again(orders):
    _, (first, _) = orders
    shipment = Shipment.get(Shipment.order == first.id)
    assert record_waybill_cancellation(shipment.id, actor="ops@example.com", reason="wrong carrier")
    kept = kept_rollups()
    assert kept == raw_rollups()
    assert sum(orders for orders, _, _ in kept[0].values()) == 4
    assert all(orders > 0 for orders, _, _ in kept[0].values())
    rebuild_rollups()
    assert kept_rollups() == kept


def test_a_rebuild_of_a_range_keeps_the_other_days(orders):
    delivered, _ = orders
    for change in StatusChange.select().where(StatusChange.entity == "order",
                                              StatusChange.entity_id == delivered[0].id):
        StatusChange.update(at=change.at - timedelta(days=40)).where(StatusChange.id == change.id).execute()
    Order.update(created_at=delivered[0].created_at - timedelta(days=40)).where(
        Order.id == delivered[0].id).execute()
    today = max(day for day, *_ in kept_rollups()[0])
    rebuild_rollups(since=today - timedelta(days=10), until=today)
    assert SalesDay.select().where(SalesDay.day < today - timedelta(days=10)).count() == 0  # never kept there
    rebuild_rollups(since=today - timedelta(days=60), until=today - timedelta(days=11))
    assert kept_rollups() == raw_rollups()
    assert SkuDay.select().where(SkuDay.day < today - timedelta(days=10)).count() == 2
    assert CycleTimeDay.select().where(CycleTimeDay.day < today - timedelta(days=10)).count() >= 1


def test_orders_just_shipped_are_named_by_their_ids():
    with pytest.raises(ValueError, match="needs the ids"):
        add_sales(Selection(just_shipped=True))
