"""Goods still to come into our warehouses: per warehouse and SKU, the units open on purchase orders (the confirmed
quantity once the supplier answered) and the date the next of them is due (an ASN's expected date first, then the
promised date, then the date asked for)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import peewee

from models.supply.states import PO_OPEN_STATES
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)


@dataclass(frozen=True)
class IncomingStock:
    units: int
    next_on: date | None  # when the earliest of them is due; None when nobody said


def open_units(line: PurchaseOrderLine) -> int:
    """Units of a line still to arrive: what the supplier confirmed (or was asked for), less what came."""
    expected = line.quantity if line.confirmed_quantity is None else line.confirmed_quantity
    return max(0, expected - line.received_quantity - line.damaged_quantity)


def incoming_by_pair(pairs: set[tuple[int, int]] | None = None) -> dict[tuple[int, int], IncomingStock]:
    """Incoming stock per (warehouse id, product id) on open stock purchase orders; ``pairs`` limits the answer
    (None: every pair). Two grouped queries whatever the number of orders."""
    if pairs is not None and not pairs:
        return {}
    query = (PurchaseOrderLine.select(PurchaseOrderLine, PurchaseOrder.warehouse, PurchaseOrder.expected_at)
             .join(PurchaseOrder)
             .where(PurchaseOrder.status.in_(PO_OPEN_STATES), PurchaseOrder.dropship == False))  # noqa: E712
    if pairs is not None:
        query = query.where(PurchaseOrder.warehouse.in_(sorted({w for w, _ in pairs})),
                            PurchaseOrderLine.product.in_(sorted({p for _, p in pairs})))
    units: dict[tuple[int, int], int] = {}
    dates: dict[tuple[int, int], date] = {}
    line_pairs: dict[int, tuple[int, int]] = {}
    for line in query:
        pair = (line.purchase_order.warehouse_id, line.product_id)
        if (pairs is not None and pair not in pairs) or not open_units(line):
            continue
        units[pair] = units.get(pair, 0) + open_units(line)
        line_pairs[line.id] = pair
        due = line.promised_date or line.purchase_order.expected_at
        if due is not None and (pair not in dates or due < dates[pair]):
            dates[pair] = due
    for pair, due in _asn_dates(line_pairs).items():
        dates[pair] = due  # an ASN's date is the supplier's latest word: it wins over promises
    return {pair: IncomingStock(units=count, next_on=dates.get(pair)) for pair, count in units.items()}


def _asn_dates(line_pairs: dict[int, tuple[int, int]]) -> dict[tuple[int, int], date]:
    if not line_pairs:
        return {}
    rows = (AdvanceShippingNoticeLine.select(AdvanceShippingNoticeLine.purchase_order_line,
                                             peewee.fn.MIN(AdvanceShippingNotice.expected_on))
            .join(AdvanceShippingNotice)
            .where(AdvanceShippingNotice.status == "in_transit", AdvanceShippingNotice.expected_on.is_null(False),
                   AdvanceShippingNoticeLine.purchase_order_line.in_(sorted(line_pairs)))
            .group_by(AdvanceShippingNoticeLine.purchase_order_line).tuples())
    dates: dict[tuple[int, int], date] = {}
    for line_id, due in rows:
        pair = line_pairs[line_id]
        due = due if isinstance(due, date) else date.fromisoformat(str(due)[:10])
        if pair not in dates or due < dates[pair]:
            dates[pair] = due
    return dates
