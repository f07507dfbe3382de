"""The supplier scorecard's queries. Each is one statement for every supplier at once (or only
``supplier_id``'s), grouped by supplier, or by day for the monthly trend: the number of statements never grows
with the number of suppliers. Dates compare as DATE(timestamp) against date columns, which SQLite and
PostgreSQL both answer."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import peewee
from peewee import JOIN, Case, fn

from models.inventory.tables import Product
from models.orders.tables import OrderLine
from models.returns.tables import ReturnLine
from models.shipping.states import (
    SHIPMENT_LEFT_STATES,
)
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.scorecard_rules import days_between, hours_between
from models.supply.states import (
    PO_CANCELLED,
    PO_CLOSED,
    PO_DRAFT,
    PO_OPEN_STATES,
    PO_RECEIVED,
)
from models.supply.tables import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)

# A purchase order whose delivery is over: what came is all that will come.
PO_SETTLED_STATES = (PO_RECEIVED, PO_CLOSED)


@dataclass(frozen=True)
class DefectiveSku:
    sku: str
    name: str
    units: int


@dataclass(frozen=True)
class Deliveries:
    """What the supplier's receipts counted in."""

    units_received: int = 0  # good units
    units_damaged: int = 0
    units_short: int = 0  # announced on an ASN but missing at the receipt
    units_dated: int = 0  # received on lines with a due date: the on-time measure's base
    units_on_time: int = 0  # of those, received on or before the due date


@dataclass(frozen=True)
class Fill:
    units_ordered: int = 0  # on lines whose delivery is settled or overdue
    units_filled: int = 0  # good units received on them, at most the ordered quantity per line


@dataclass(frozen=True)
class PurchaseCounts:
    purchase_orders: int = 0  # sent in the window
    open_purchase_orders: int = 0  # still waiting for goods now, whenever sent


def due_date() -> peewee.Node:
    """When a line is due: its promised date, else the delivery date the purchase order asked for."""
    return fn.COALESCE(PurchaseOrderLine.promised_date, PurchaseOrder.expected_at)


def fill_date() -> peewee.Node:
    """The day a line counts in fill rate on: its due date, else the day its order was sent (or created)."""
    return fn.COALESCE(PurchaseOrderLine.promised_date, PurchaseOrder.expected_at, fn.DATE(PurchaseOrder.sent_at),
                       fn.DATE(PurchaseOrder.created_at))


def _supplier(query: peewee.ModelSelect, supplier_id: int | None) -> peewee.ModelSelect:
    return query if supplier_id is None else query.where(PurchaseOrder.supplier == supplier_id)


# --- deliveries: the receipts ---------------------------------------------------------------------------------

def _receipt_lines(*columns, since: datetime | None, supplier_id: int | None) -> peewee.ModelSelect:
    query = (PurchaseReceiptLine.select(*columns)
             .join(PurchaseReceipt, on=(PurchaseReceiptLine.receipt == PurchaseReceipt.id)).switch(PurchaseReceiptLine)
             .join(PurchaseOrderLine, on=(PurchaseReceiptLine.purchase_order_line == PurchaseOrderLine.id))
             .join(PurchaseOrder, on=(PurchaseOrderLine.purchase_order == PurchaseOrder.id)))
    if since is not None:
        query = query.where(PurchaseReceipt.received_at >= since)
    return _supplier(query, supplier_id)


def _counted_units() -> peewee.Node:
    return PurchaseReceiptLine.received_quantity + PurchaseReceiptLine.damaged_quantity


def _on_time_columns() -> tuple[peewee.Node, peewee.Node]:
    """Units received on or before their line's due date, and units received on lines with a due date."""
    due, units = due_date(), _counted_units()
    on_time = fn.SUM(Case(None, [(fn.DATE(PurchaseReceipt.received_at) <= due, units)], 0))
    dated = fn.SUM(Case(None, [(due.is_null(False), units)], 0))
    return on_time, dated


def deliveries(since: datetime | None, supplier_id: int | None) -> dict[int, Deliveries]:
    """Units each supplier's receipts counted in since ``since``: good, damaged, short of the ASN, on time."""
    on_time, dated = _on_time_columns()
    announced, units = PurchaseReceiptLine.announced_quantity, _counted_units()
    short = fn.SUM(Case(None, [(announced > units, announced - units)], 0))
    query = _receipt_lines(PurchaseOrder.supplier, fn.SUM(PurchaseReceiptLine.received_quantity),
                           fn.SUM(PurchaseReceiptLine.damaged_quantity), short, dated, on_time,
                           since=since, supplier_id=supplier_id).group_by(PurchaseOrder.supplier)
    return {supplier: Deliveries(*(int(value or 0) for value in values))
            for supplier, *values in query.tuples()}


def on_time_by_day(since: datetime, supplier_id: int | None) -> list[tuple[date | str, int, int]]:
    """(day received, units on time, units dated) for every day with a receipt since ``since``."""
    day = fn.DATE(PurchaseReceipt.received_at).coerce(False)
    query = _receipt_lines(day, *_on_time_columns(), since=since, supplier_id=supplier_id).group_by(day)
    return [(received_on, int(on_time or 0), int(dated or 0)) for received_on, on_time, dated in query.tuples()]


# --- fill: what was ordered against what came -----------------------------------------------------------------

def _settled_lines(*columns, since: datetime | None, today: date, supplier_id: int | None) -> peewee.ModelSelect:
    """Stock purchase-order lines whose delivery is over (order received or closed) or overdue (open and
    past the due date)."""
    settled = (PurchaseOrder.status.in_(PO_SETTLED_STATES)
               | (PurchaseOrder.status.in_(PO_OPEN_STATES) & (due_date() < today)))
    query = (PurchaseOrderLine.select(*columns)
             .join(PurchaseOrder, on=(PurchaseOrderLine.purchase_order == PurchaseOrder.id))
             .where(PurchaseOrder.dropship == False, settled))  # noqa: E712
    if since is not None:
        query = query.where(fill_date() >= since.date())
    return _supplier(query, supplier_id)


def _fill_columns() -> tuple[peewee.Node, peewee.Node]:
    line = PurchaseOrderLine
    filled = fn.SUM(Case(None, [(line.received_quantity > line.quantity, line.quantity)], line.received_quantity))
    return filled, fn.SUM(line.quantity)


def fill(since: datetime | None, today: date, supplier_id: int | None) -> dict[int, Fill]:
    """Units ordered and filled per supplier on lines settled or overdue by ``today``, due since ``since``."""
    filled, ordered = _fill_columns()
    query = _settled_lines(PurchaseOrder.supplier, ordered, filled, since=since, today=today,
                           supplier_id=supplier_id).group_by(PurchaseOrder.supplier)
    return {supplier: Fill(int(ordered or 0), int(filled or 0)) for supplier, ordered, filled in query.tuples()}


def fill_by_day(since: datetime, today: date, supplier_id: int | None) -> list[tuple[date | str, int, int]]:
    """(day the line counts on, units filled, units ordered) for every such day since ``since``."""
    day = fill_date().coerce(False)
    query = _settled_lines(day, *_fill_columns(), since=since, today=today, supplier_id=supplier_id).group_by(day)
    return [(counted_on, int(filled or 0), int(ordered or 0)) for counted_on, filled, ordered in query.tuples()]


# --- purchase orders: late lines, counts, lead times, confirmation ------------------------------------------

def late_lines(since: datetime | None, today: date, supplier_id: int | None) -> dict[int, int]:
    """Stock lines due since ``since`` that came late: a receipt after the due date, or still short of what
    the supplier confirmed (or, unconfirmed, of what was ordered) on an open order past its due date."""
    line, due = PurchaseOrderLine, due_date()
    outstanding = line.received_quantity + line.damaged_quantity < fn.COALESCE(line.confirmed_quantity, line.quantity)
    overdue = PurchaseOrder.status.in_(PO_OPEN_STATES) & (due < today) & outstanding
    late = (fn.DATE(PurchaseReceipt.received_at) > due) | overdue
    query = (line.select(PurchaseOrder.supplier, fn.COUNT(fn.DISTINCT(Case(None, [(late, line.id)]))))
             .join(PurchaseOrder, on=(line.purchase_order == PurchaseOrder.id)).switch(line)
             .join(PurchaseReceiptLine, JOIN.LEFT_OUTER, on=(PurchaseReceiptLine.purchase_order_line == line.id))
             .join(PurchaseReceipt, JOIN.LEFT_OUTER, on=(PurchaseReceiptLine.receipt == PurchaseReceipt.id))
             .where(PurchaseOrder.dropship == False,  # noqa: E712
                    PurchaseOrder.status.not_in((PO_DRAFT, PO_CANCELLED)), due.is_null(False)))
    if since is not None:
        query = query.where(due >= since.date())
    query = _supplier(query, supplier_id).group_by(PurchaseOrder.supplier)
    return {supplier: int(count or 0) for supplier, count in query.tuples()}


def purchase_counts(since: datetime | None, supplier_id: int | None) -> dict[int, PurchaseCounts]:
    """Purchase orders sent to each supplier since ``since``, and those of its orders open now."""
    sent = PurchaseOrder.sent_at.is_null(False) if since is None else PurchaseOrder.sent_at >= since
    query = _supplier(PurchaseOrder.select(
        PurchaseOrder.supplier, fn.SUM(Case(None, [(sent, 1)], 0)),
        fn.SUM(Case(None, [(PurchaseOrder.status.in_(PO_OPEN_STATES), 1)], 0))), supplier_id)
    query = query.where(PurchaseOrder.status != PO_DRAFT).group_by(PurchaseOrder.supplier)
    return {supplier: PurchaseCounts(int(sent or 0), int(open_ or 0)) for supplier, sent, open_ in query.tuples()}


def lead_days(since: datetime | None, supplier_id: int | None) -> dict[int, tuple[list[int], list[int]]]:
    """Per supplier, the promised lead days (promised date − day sent) and the actual ones (first receipt −
    day sent) of each stock line sent since ``since``; one row per line, as an average needs each value."""
    line, first_receipt = PurchaseOrderLine, fn.MIN(PurchaseReceipt.received_at)
    query = (line.select(PurchaseOrder.supplier, PurchaseOrder.sent_at, line.promised_date, first_receipt)
             .join(PurchaseOrder, on=(line.purchase_order == PurchaseOrder.id)).switch(line)
             .join(PurchaseReceiptLine, JOIN.LEFT_OUTER, on=(PurchaseReceiptLine.purchase_order_line == line.id))
             .join(PurchaseReceipt, JOIN.LEFT_OUTER, on=(PurchaseReceiptLine.receipt == PurchaseReceipt.id))
             .where(PurchaseOrder.dropship == False, PurchaseOrder.sent_at.is_null(False)))  # noqa: E712
    if since is not None:
        query = query.where(PurchaseOrder.sent_at >= since)
    query = _supplier(query, supplier_id).group_by(line.id, PurchaseOrder.supplier, PurchaseOrder.sent_at,
                                                   line.promised_date)
    days: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for supplier, sent_at, promised_date, received_at in query.tuples():
        promised, actual = days[supplier]
        if promised_date is not None:
            promised.append(days_between(sent_at, promised_date))
        if received_at is not None:
            actual.append(days_between(sent_at, received_at))
    return dict(days)


def confirmation_hours(since: datetime | None, supplier_id: int | None) -> dict[int, list[Decimal]]:
    """Per supplier, the hours from sending each purchase order (stock or drop-ship) to the supplier's first
    answer, for orders sent since ``since`` and answered; one row per order, as a median needs each value."""
    query = (PurchaseOrder.select(PurchaseOrder.supplier, PurchaseOrder.sent_at, PurchaseOrder.answered_at)
             .where(PurchaseOrder.sent_at.is_null(False), PurchaseOrder.answered_at.is_null(False)))
    if since is not None:
        query = query.where(PurchaseOrder.sent_at >= since)
    hours: dict[int, list[Decimal]] = defaultdict(list)
    for supplier, sent_at, answered_at in _supplier(query, supplier_id).tuples():
        hours[supplier].append(hours_between(sent_at, answered_at))
    return dict(hours)


# --- what customers got: shipments and returns ---------------------------------------------------------------

def units_shipped(since: datetime | None, supplier_id: int | None) -> dict[int, int]:
    """Units of each supplier's SKUs on shipments that left the warehouse, by the supplier the SKU has now."""
    query = (ShipmentLine.select(Product.supplier, fn.SUM(ShipmentLine.quantity))
             .join(Shipment, on=(ShipmentLine.shipment == Shipment.id)).switch(ShipmentLine)
             .join(OrderLine, on=(ShipmentLine.order_line == OrderLine.id))
             .join(Product, on=(OrderLine.product == Product.id))
             .where(Shipment.status.in_(SHIPMENT_LEFT_STATES), Product.supplier.is_null(False)))
    if since is not None:
        query = query.where(Shipment.created_at >= since)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    return {supplier: int(units) for supplier, units in query.group_by(Product.supplier).tuples()}


def units_returned(since: datetime | None, supplier_id: int | None) -> dict[int, int]:
    """Inspected returned units of each supplier's SKUs, whatever their condition."""
    query = (ReturnLine.select(Product.supplier, fn.SUM(ReturnLine.quantity))
             .join(OrderLine, on=(ReturnLine.order_line == OrderLine.id))
             .join(Product, on=(OrderLine.product == Product.id))
             .where(ReturnLine.inspected_at.is_null(False), Product.supplier.is_null(False)))
    if since is not None:
        query = query.where(ReturnLine.inspected_at >= since)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    return {supplier: int(units) for supplier, units in query.group_by(Product.supplier).tuples()}


def defective_skus(since: datetime | None, supplier_id: int | None) -> dict[int, list[DefectiveSku]]:
    """Defective units per supplier and SKU, most first. The supplier is the one charged at inspection
    (ReturnLine.supplier), so a SKU that changed supplier later stays on the old one's card."""
    units = fn.SUM(ReturnLine.quantity)
    query = (ReturnLine.select(ReturnLine.supplier, Product.sku, Product.name, units)
             .join(OrderLine, on=(ReturnLine.order_line == OrderLine.id))
             .join(Product, on=(OrderLine.product == Product.id))
             .where(ReturnLine.condition == "defective", ReturnLine.supplier.is_null(False)))
    if since is not None:
        query = query.where(ReturnLine.inspected_at >= since)
    if supplier_id is not None:
        query = query.where(ReturnLine.supplier == supplier_id)
    query = (query.group_by(ReturnLine.supplier, Product.id, Product.sku, Product.name)
             .order_by(ReturnLine.supplier, units.desc(), Product.sku))
    skus: dict[int, list[DefectiveSku]] = defaultdict(list)
    for supplier, sku, name, total in query.tuples():
        skus[supplier].append(DefectiveSku(sku=sku, name=name, units=int(total)))
    return skus
