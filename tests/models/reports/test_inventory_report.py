"""The inventory report's figures equal those computed here from the raw rows (reservations, the audit trail,
snapshots, open backorders), on SQLite and PostgreSQL, for every SKU, one warehouse and one supplier's SKUs."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Stock
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.reports.inventory import InventoryFilter, inventory_report
from models.reports.inventory_rollup import refresh_inventory_rollup, take_snapshot
from models.reports.inventory_tables import StockSnapshot
from models.reports.periods import DateRange
from tests.models.reports.test_inventory_rollup import filled_later, moved  # noqa: F401 - the fixture

TWO = Decimal("0.01")


@pytest.fixture
def reported(moved):  # noqa: F811 - the fixture imported above
    """Snapshots from four days ago (carried over the days missed) and today; the backorder filled; the GADGET
    order left waiting, gone to backorder ten days ago; a third SKU of another supplier shipped."""
    world, big = moved
    today = utc_now().date()
    StockSnapshot.delete().execute()
    at_start = {stock.id: stock.on_hand for stock in Stock.select()}
    take_snapshot(today - timedelta(days=4))
    filled_later(big)
    take_snapshot(today)
    Order.update(status_changed_at=utc_now() - timedelta(days=10)).where(Order.external_ref == "PO-WAIT").execute()
    refresh_inventory_rollup()
    return world, today, at_start


def expected_stock(span: DateRange, at_start: dict[int, int]) -> dict[tuple[str, str], tuple]:
    shipped: dict[int, int] = {}
    for reservation in Reservation.select().where(Reservation.status == "fulfilled"):
        if span.contains(reservation.updated_at.date()):
            shipped[reservation.stock_id] = shipped.get(reservation.stock_id, 0) + reservation.quantity
    found = {}
    for stock in Stock.select():
        # four snapshot days in the range from four days ago (three carried) and today's
        days = [at_start[stock.id]] * 4 + [stock.on_hand]
        average = (Decimal(sum(days)) / len(days)).quantize(TWO)
        units = shipped.get(stock.id, 0)
        turnover = (Decimal(units) / average).quantize(TWO) if average else None
        supply = (Decimal(stock.on_hand) * span.days / units).quantize(Decimal("0.1")) if units else None
        found[(stock.product.sku, stock.warehouse.code)] = (units, average, stock.on_hand, turnover, supply)
    return found


def test_stock_figures_equal_the_raw_rows(reported):
    world, today, at_start = reported
    span = DateRange(today - timedelta(days=6), today)
    report = inventory_report(span, InventoryFilter(), today=today)
    got = {(row.sku, row.warehouse): (row.units_shipped, row.average_on_hand, row.on_hand_end, row.turnover,
                                      row.days_of_supply) for row in report.stock}
    assert got == expected_stock(span, at_start)
    east_widget = next(row for row in report.stock if (row.sku, row.warehouse) == ("WIDGET", "EAST"))
    assert east_widget.units_shipped == 22
    assert east_widget.annual_turnover == (east_widget.turnover * 365 / 7).quantize(TWO)


def test_service_figures_equal_the_raw_rows(reported):
    world, today, _ = reported
    report = inventory_report(DateRange(today - timedelta(days=6), today), InventoryFilter(), today=today)
    service = {row.sku: row for row in report.service}
    # WIDGET: PO-1's 2 filled at first allocation, PO-BIG's 20 went to backorder (its later 20 are not counted)
    widget = service["WIDGET"]
    assert (widget.units_demanded, widget.units_filled, widget.units_backordered) == (22, 2, 20)
    assert widget.fill_rate == Decimal("0.0909") and widget.backorder_rate == Decimal("0.9091")
    assert widget.open_backorders == (0, 0, 0, 0)
    gadget = service["GADGET"]
    assert (gadget.units_demanded, gadget.units_filled, gadget.units_backordered) == (51, 1, 50)
    waiting = sum(line.quantity for line in OrderLine.select().join(Order).where(Order.status == "backordered"))
    assert gadget.open_backorders == (0, waiting, 0, 0)  # waiting 10 days: 8-14
    week_totals = sum(week.units_demanded for week in report.weeks)
    assert week_totals == 22 + 51


def test_filters_narrow_the_rows(reported):
    world, today, _ = reported
    span = DateRange(today - timedelta(days=6), today)
    one_warehouse = inventory_report(span, InventoryFilter(warehouse="WEST"), today=today)
    assert {row.warehouse for row in one_warehouse.stock} == {"WEST"}
    one_sku = inventory_report(span, InventoryFilter(sku="GADGET"), today=today)
    assert {row.sku for row in one_sku.stock} == {"GADGET"} and [row.sku for row in one_sku.service] == ["GADGET"]
    other = Partner.create(code="SUP9", name="Supplier Nine", kind="supplier")
    Product.update(supplier=other).where(Product.sku == "GADGET").execute()
    theirs = inventory_report(span, InventoryFilter(supplier_id=other.id), today=today)
    assert {row.sku for row in theirs.stock} == {"GADGET"} and [row.sku for row in theirs.service] == ["GADGET"]
    ours = inventory_report(span, InventoryFilter(supplier_id=world["supplier"].id), today=today)
    assert {row.sku for row in ours.stock} == {"WIDGET"} and [row.sku for row in ours.service] == ["WIDGET"]


def test_a_range_before_any_movement_is_empty(reported):
    _, today, _ = reported
    report = inventory_report(DateRange(today - timedelta(days=90), today - timedelta(days=60)), InventoryFilter(),
                              today=today)
    assert report.stock == []
    assert [row.sku for row in report.service] == ["GADGET"]  # the open backorder, waiting now
    assert all(week.fill_rate is None for week in report.weeks)
