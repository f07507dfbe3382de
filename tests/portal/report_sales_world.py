"""Shipped orders for the report tests: two customers of two distributors, three channels, a SKU of a second
supplier, orders moved back in time so ranges, periods and the previous range all hold some."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.tables import Order
from models.partners.tables import Partner
from models.reports.periods import DateRange, period_start
from models.reports.sales_rollup import rebuild_rollups
from models.shipping.tracking import CarrierEvent, record_tracking_events
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, book_waybills, order_body
from tests.models.reports.raw_figures import sales_rows, sku_rows

SPROCKET = {"sku": "SPROCKET", "quantity": 3, "unit_price": "4.25"}


def ship(ref: str, *, customer: str = "CUST1", placed_by: str | None = None, channel: str = "api",
         region: str = "R1", lines: list[dict] | None = None, deliver: bool = False, days_ago: int = 0) -> Order:
    body = order_body(ref, customer_code=customer, channel=channel, region=region, lines=lines)
    partner = Partner.get(Partner.code == placed_by) if placed_by else None
    order, _ = place_order(order_schema.load(body), actor="test", placed_by=partner)
    numbers = book_waybills(order)
    if deliver:
        record_tracking_events("sandbox", [CarrierEvent(f"ev-{n}", n, "delivered", utc_now()) for n in numbers],
                               actor="worker:test")
    if days_ago:
        for change in StatusChange.select().where(StatusChange.entity == "order", StatusChange.entity_id == order.id):
            StatusChange.update(at=change.at - timedelta(days=days_ago)).where(StatusChange.id == change.id).execute()
        Order.update(created_at=order.created_at - timedelta(days=days_ago)).where(Order.id == order.id).execute()
    return Order.get_by_id(order.id)


def sell_world() -> dict[str, Order]:
    """Orders shipped today and before; the rollups rebuilt for the ones moved back in time."""
    allow_repeat_orders()
    supplier = Partner.create(code="SUP2", name="Supplier Two", kind="supplier", lead_time_days=3)
    sprocket = Product.create(sku="SPROCKET", name="Sprocket", unit_price=Decimal("4.25"),
                              weight_kg=Decimal("0.2"), supplier=supplier)
    for warehouse in Warehouse.select():
        Stock.create(warehouse=warehouse, product=sprocket, on_hand=100)
    orders = {
        "today": ship("PO-T1", deliver=True),
        "dist2": ship("PO-T2", customer="CUST2", placed_by="DIST2", channel="portal", region="R2"),
        "email": ship("PO-T3", placed_by="DIST1", channel="email", lines=[SPROCKET]),
        "week_ago": ship("PO-W1", days_ago=8, lines=[SPROCKET, {"sku": "WIDGET", "quantity": 1}]),
        "previous": ship("PO-P1", days_ago=35, customer="CUST2", region="R2", deliver=True),
    }
    rebuild_rollups()
    return orders


def expected_sales(span: DateRange, group: str, by: str | None, *, customers: set[int] | None = None,
                   skus: set[str] | None = None, sku: str | None = None) -> list[tuple]:
    """(period start, key, orders, units, revenue, currency) from the raw rows, sorted as the report sorts."""
    codes = dict(Partner.select(Partner.id, Partner.code).tuples())
    at_line_grain = by == "sku" or skus is not None or sku is not None
    found: dict[tuple, list] = defaultdict(lambda: [0, 0, Decimal("0.00")])
    if at_line_grain:
        source = ((day, line_sku, customer_id, currency, channel, region, figures)
                  for (day, line_sku, customer_id, _, channel, region, currency), figures in sku_rows().items())
    else:
        source = ((day, None, customer_id, currency, channel, region, figures)
                  for (day, channel, region, customer_id, _, currency), figures in sales_rows().items())
    for day, line_sku, customer_id, currency, channel, region, (orders, units, revenue) in source:
        if not span.contains(day) or (customers is not None and customer_id not in customers):
            continue
        if (skus is not None and line_sku not in skus) or (sku is not None and line_sku != sku):
            continue
        key = {None: "all", "channel": channel, "region": region, "sku": line_sku,
               "customer": codes[customer_id]}[by]
        row = found[(period_start(day, group), key, currency)]
        row[0] += orders
        row[1] += units
        row[2] += revenue
    return sorted((start, key, *figures, currency) for (start, key, currency), figures in found.items())


def answered(rows: list[dict]) -> list[tuple]:
    """API rows as (period, key, orders, units, revenue, currency)."""
    return [(r["period"], r["key"], r["orders"], r["units"], Decimal(r["revenue"]), r["currency"]) for r in rows]


def today() -> date:
    return utc_now().date()
