"""The returns report read from the raw rows (returns are few next to orders; ReturnRequest.created_at and
OrderFeedback.created_at are indexed, migration 0019): by reason, SKU or supplier, with units, refund value,
return rate against the units shipped (the inventory rollup) and feedback. Five queries whatever the range.
Definitions: models.reports.returns_rules."""
from __future__ import annotations

from datetime import datetime, time, timedelta

import peewee

from models.inventory.tables import Product
from models.orders.tables import OrderLine
from models.partners.tables import Partner
from models.reports.inventory_tables import InventoryDay
from models.reports.periods import DateRange
from models.reports.returns_rules import ReturnFigures, figures, ranked, refund_values
from models.returns.states import RETURN_REJECTED
from models.returns.tables import OrderFeedback, ReturnLine, ReturnRequest

Supplier = Partner.alias("supplier")
NO_SUPPLIER = "(none)"


def returns_report(span: DateRange, by: str, *, supplier_id: int | None = None) -> list[ReturnFigures]:
    """Returns requested in ``span`` grouped ``by`` reason, sku or supplier, most units first; with
    ``supplier_id`` only the lines of that supplier's SKUs (and its shipments and feedback) count."""
    start, end = _bounds(span)
    key = _key(by)
    returned = _scoped(ReturnLine.select(key, ReturnRequest.currency,
                                         peewee.fn.COUNT(ReturnRequest.id.distinct()),
                                         peewee.fn.SUM(ReturnLine.quantity),
                                         peewee.fn.SUM(ReturnLine.quantity * ReturnLine.unit_price))
                       .join(ReturnRequest).switch(ReturnLine).join(OrderLine).join(Product)
                       .join(Supplier, peewee.JOIN.LEFT_OUTER, on=(Product.supplier == Supplier.id))
                       .where(ReturnRequest.created_at >= start, ReturnRequest.created_at < end,
                              ReturnRequest.status != RETURN_REJECTED), supplier_id)
    counts: dict[str, list[int]] = {}
    money = []
    for name, currency, requests, units, value in returned.group_by(key, ReturnRequest.currency).tuples():
        name = name or NO_SUPPLIER
        total = counts.setdefault(name, [0, 0])
        total[0] += int(requests)
        total[1] += int(units or 0)
        money.append((name, currency, value))
    values = refund_values(money)
    shipped = _shipped(span, by, supplier_id)
    ratings = _ratings(by, start, end, supplier_id)
    names = _names(by, set(counts))
    return ranked(figures(name, name=names.get(name, ""), returns=requests, units=units,
                          refund_value=values.get(name, {}),
                          units_shipped=None if shipped is None else shipped.get(name, 0),
                          ratings=ratings.get(name, (0, None))[0], rating_total=ratings.get(name, (0, None))[1])
                  for name, (requests, units) in counts.items())


def _key(by: str) -> peewee.Node:
    if by == "reason":
        return ReturnRequest.reason
    if by == "sku":
        return Product.sku
    if by == "supplier":
        return Supplier.code
    raise ValueError(f"unknown grouping {by!r}")


def _shipped(span: DateRange, by: str, supplier_id: int | None) -> dict[str, int] | None:
    """Units shipped in ``span`` per SKU or supplier code, from the inventory rollup, for the SKUs (or the suppliers'
    SKUs) returned in the range only; None by reason."""
    if by == "reason":
        return None
    start, end = _bounds(span)
    returned = _scoped(ReturnLine.select(OrderLine.product).join(ReturnRequest).switch(ReturnLine).join(OrderLine)
                       .join(Product).where(ReturnRequest.created_at >= start, ReturnRequest.created_at < end,
                                            ReturnRequest.status != RETURN_REJECTED), supplier_id)
    if by == "supplier":
        returned = _scoped(Product.select(Product.id).where(
            Product.supplier.in_(Product.select(Product.supplier).where(Product.id.in_(returned)))), supplier_id)
    query = (InventoryDay.select(InventoryDay.product, peewee.fn.SUM(InventoryDay.units_shipped))
             .where(InventoryDay.day.between(span.start, span.end), InventoryDay.product.in_(returned))
             .group_by(InventoryDay.product))
    units = dict(query.tuples())
    if not units:
        return {}
    key = _key(by)
    keys = dict(Product.select(Product.id, key).join(Supplier, peewee.JOIN.LEFT_OUTER,
                                                     on=(Product.supplier == Supplier.id))
                .where(Product.id.in_(sorted(units))).tuples())
    shipped: dict[str, int] = {}
    for product, total in units.items():
        name = keys.get(product) or NO_SUPPLIER
        shipped[name] = shipped.get(name, 0) + int(total or 0)
    return shipped


def _ratings(by: str, start: datetime, end: datetime, supplier_id: int | None) -> dict[str, tuple[int, int]]:
    """(count, total) of ratings per key: for a reason the ratings of the orders returned for it in the range;
    for a SKU or supplier the ratings given in the range to orders holding its SKUs, each order once per key.
    Driven from the feedback (or returns) of the range, by their date index."""
    key = _key(by)
    rated = OrderFeedback.select(OrderFeedback.id, OrderFeedback.rating, key.alias("key"))
    if by == "reason":
        rated = (rated.join(ReturnRequest, on=(ReturnRequest.order == OrderFeedback.order)).join(ReturnLine)
                 .join(OrderLine)
                 .where(ReturnRequest.created_at >= start, ReturnRequest.created_at < end,
                        ReturnRequest.status != RETURN_REJECTED))
    else:
        rated = (rated.join(OrderLine, on=(OrderLine.order == OrderFeedback.order))
                 .where(OrderFeedback.created_at >= start, OrderFeedback.created_at < end))
    rated = _scoped(rated.join(Product, on=(OrderLine.product == Product.id))
                    .join(Supplier, peewee.JOIN.LEFT_OUTER, on=(Product.supplier == Supplier.id)),
                    supplier_id).distinct().alias("rated")
    query = (OrderFeedback.select(rated.c.key, peewee.fn.COUNT(rated.c.id), peewee.fn.SUM(rated.c.rating))
             .from_(rated).group_by(rated.c.key))
    return {name or NO_SUPPLIER: (int(count), int(total or 0)) for name, count, total in query.tuples()}


def _names(by: str, keys: set[str]) -> dict[str, str]:
    if by == "sku" and keys:
        return dict(Product.select(Product.sku, Product.name).where(Product.sku.in_(sorted(keys))).tuples())
    if by == "supplier" and keys:
        return dict(Partner.select(Partner.code, Partner.name).where(Partner.code.in_(sorted(keys))).tuples())
    return {}


def _scoped(query: peewee.ModelSelect, supplier_id: int | None) -> peewee.ModelSelect:
    return query if supplier_id is None else query.where(Product.supplier == supplier_id)


def _bounds(span: DateRange) -> tuple[datetime, datetime]:
    """The range as [start, end) in naive UTC datetimes."""
    return datetime.combine(span.start, time.min), datetime.combine(span.end + timedelta(days=1), time.min)
