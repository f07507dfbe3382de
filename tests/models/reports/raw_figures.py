"""Report figures computed in the test straight from the raw rows (orders, lines, audit trail), in Python, to
compare with what the rollups and the report loaders answer."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from models.core.audit import StatusChange
from models.orders.tables import Order, OrderLine
from models.reports.cycle_rules import bucket_of
from models.reports.tables import (
    CycleTimeDay,
    SalesDay,
    SalesSummaryDay,
    SkuDay,
    SkuSummaryDay,
)


def trails() -> dict[int, list[tuple[str, object]]]:
    found = defaultdict(list)
    for entity_id, to_status, at in (StatusChange.select(StatusChange.entity_id, StatusChange.to_status,
                                                         StatusChange.at)
                                     .where(StatusChange.entity == "order").tuples()):
        found[entity_id].append((to_status, at))
    return found


def counted_orders() -> list[tuple[Order, object]]:
    """Orders shipped or delivered, each with the moment it last shipped."""
    trail = trails()
    found = []
    for order in Order.select().where(Order.status.in_(("shipped", "delivered"))):
        shipped = [at for status, at in trail[order.id] if status == "shipped"]
        found.append((order, max(shipped)))
    return found


def sales_rows() -> dict[tuple, tuple[int, int, Decimal]]:
    units = defaultdict(int)
    for order_id, quantity in OrderLine.select(OrderLine.order, OrderLine.quantity).tuples():
        units[order_id] += quantity
    rows = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for order, shipped_at in counted_orders():
        key = (shipped_at.date(), order.channel, order.ship_to_region, order.customer_id, order.placed_by_id or 0,
               order.currency)
        rows[key][0] += 1
        rows[key][1] += units[order.id]
        rows[key][2] += order.subtotal - (order.tax_total if order.prices_include_tax else 0)
    return {key: tuple(value) for key, value in rows.items()}


def sku_rows() -> dict[tuple, tuple[int, int, Decimal]]:
    lines = defaultdict(list)
    for line in OrderLine.select():
        lines[line.order_id].append(line)
    rows = defaultdict(lambda: [set(), 0, Decimal("0.00")])
    for order, shipped_at in counted_orders():
        for line in lines[order.id]:
            key = (shipped_at.date(), line.sku, order.customer_id, order.placed_by_id or 0, order.channel,
                   order.ship_to_region, order.currency)
            rows[key][0].add(order.id)
            rows[key][1] += line.quantity
            rows[key][2] += line.line_total - (line.tax_amount if order.prices_include_tax else 0)
    return {key: (len(ids), units, revenue) for key, (ids, units, revenue) in rows.items()}


def cycle_durations() -> dict[tuple, list[float]]:
    """(day, step) -> the durations in seconds of every counted order."""
    trail = trails()
    found = defaultdict(list)
    for order, shipped_at in counted_orders():
        marks = trail[order.id]
        approved = min((at for status, at in marks if status == "approved"), default=None)
        allocated = min((at for status, at in marks if status in ("allocated", "partially_allocated")), default=None)
        delivered = max((at for status, at in marks if status == "delivered"), default=None)
        day = shipped_at.date()
        for step, start, end in (("received_to_approved", order.created_at, approved),
                                 ("approved_to_allocated", approved, allocated),
                                 ("allocated_to_shipped", allocated, shipped_at),
                                 ("received_to_shipped", order.created_at, shipped_at)):
            if start is not None and end is not None:
                found[(day, step)].append((end - start).total_seconds())
        if order.status == "delivered" and delivered is not None:
            found[(delivered.date(), "shipped_to_delivered")].append((delivered - shipped_at).total_seconds())
    return found


def cycle_rows() -> dict[tuple, int]:
    rows = defaultdict(int)
    for (day, step), durations in cycle_durations().items():
        for seconds in durations:
            rows[(day, step, bucket_of(seconds))] += 1
    return dict(rows)


def kept_sales_rows() -> dict[tuple, tuple[int, int, Decimal]]:
    return {(r.day, r.channel, r.region, r.customer_id, r.placed_by_id, r.currency): (r.orders, r.units, r.revenue)
            for r in SalesDay.select()}


def kept_sku_rows() -> dict[tuple, tuple[int, int, Decimal]]:
    return {(r.day, r.sku, r.customer_id, r.placed_by_id, r.channel, r.region, r.currency):
            (r.orders, r.units, r.revenue) for r in SkuDay.select()}


def kept_cycle_rows() -> dict[tuple, int]:
    return {(r.day, r.step, r.bucket): r.orders for r in CycleTimeDay.select()}


def summed(rows: dict[tuple, tuple[int, int, Decimal]], *positions: int) -> dict[tuple, tuple[int, int, Decimal]]:
    """``rows`` added up over the key's ``positions`` only (orders of a line grain count once per SKU and order,
    so summing line-grain orders over customers stays exact)."""
    found = defaultdict(lambda: [0, 0, Decimal("0.00")])
    for key, figures in rows.items():
        total = found[tuple(key[p] for p in positions)]
        for index, value in enumerate(figures):
            total[index] += value
    return {key: tuple(value) for key, value in found.items()}


def kept_summary_rows() -> tuple[dict, dict]:
    return ({(r.day, r.channel, r.region, r.currency): (r.orders, r.units, r.revenue) for r in SalesSummaryDay.select()},
            {(r.day, r.sku, r.currency): (r.orders, r.units, r.revenue) for r in SkuSummaryDay.select()})


def kept_rollups() -> tuple[dict, dict, dict, dict, dict]:
    return (kept_sales_rows(), kept_sku_rows(), kept_cycle_rows(), *kept_summary_rows())


def raw_rollups() -> tuple[dict, dict, dict, dict, dict]:
    sales, skus = sales_rows(), sku_rows()
    return sales, skus, cycle_rows(), summed(sales, 0, 1, 2, 5), summed(skus, 0, 1, 6)
