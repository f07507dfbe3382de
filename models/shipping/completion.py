"""When an order counts as shipped: every warehouse shipment handed to its carrier and every drop-ship part handed
by its supplier to theirs. The waybill path (models.shipping.dispatch) and the drop-ship path (models.supply.dropship)
both end in ``ship_orders_when_complete``."""
from __future__ import annotations

from collections.abc import Iterable

import peewee

from models.core.audit_reasons import ALL_DISPATCHED
from models.core.bulk import Move, transition_many
from models.core.bulk_values import among
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_PARTIALLY_ALLOCATED,
    ORDER_SHIPPED,
)
from models.orders.tables import Order
from models.receivables.ledger import issue_invoices
from models.reports.sales_rollup import record_orders_shipped
from models.shipping.states import SHIPMENT_CANCELLED, SHIPMENT_FAILED, SHIPMENT_READY
from models.shipping.tables import Shipment
from models.supply.states import PO_CANCELLED, PO_CLOSED, PO_RECEIVED
from models.supply.tables import (
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)

SHIPPABLE_ORDER_STATES = (ORDER_ALLOCATED, ORDER_PARTIALLY_ALLOCATED)
# A drop-ship purchase order in one of these no longer holds back its sales order: ops cancelled or closed it.
SETTLED_PURCHASE_STATES = (PO_CANCELLED, PO_CLOSED, PO_RECEIVED)
AWAITING_SUPPLIER = "awaiting supplier"  # what the completeness query says of a drop-ship part still to ship


def awaiting_supplier_purchases() -> peewee.ModelSelect:
    """The ids of open drop-ship purchase orders with a line the supplier has not all announced as shipped (a
    query, to filter with ``in_`` or narrow further)."""
    announced = (AdvanceShippingNoticeLine
                 .select(peewee.fn.COALESCE(peewee.fn.SUM(AdvanceShippingNoticeLine.quantity), 0))
                 .where(AdvanceShippingNoticeLine.purchase_order_line == PurchaseOrderLine.id))
    return (PurchaseOrder.select(PurchaseOrder.id).join(PurchaseOrderLine)
            .where(PurchaseOrder.dropship == True, PurchaseOrder.sales_order.is_null(False),  # noqa: E712
                   PurchaseOrder.status.not_in(SETTLED_PURCHASE_STATES), PurchaseOrderLine.quantity > announced)
            .distinct())


def awaiting_supplier_orders() -> peewee.ModelSelect:
    """The ids of sales orders that wait for a drop-ship supplier to ship some of their units (a query)."""
    return awaiting_supplier_purchases().select(PurchaseOrder.sales_order)


def awaiting_supplier(order_ids: Iterable[int]) -> set[int]:
    """Those of ``order_ids`` that still wait for a drop-ship supplier to ship some of their units."""
    ids = sorted(set(order_ids))
    if not ids:
        return set()
    query = awaiting_supplier_orders().where(among(PurchaseOrder.sales_order, ids))
    return {order_id for (order_id,) in query.tuples()}


def ship_order_when_complete(order: Order, *, actor: str) -> bool:
    """allocated → shipped, with the order's invoice, once something has left, no warehouse shipment waits for a
    waybill and no drop-ship part waits for its supplier. Call under the order's lock, in the transaction that
    shipped the last part; False while a part is left (or when the order was shipped already)."""
    return order.id in ship_orders_when_complete([order], actor=actor)


def ship_orders_when_complete(orders: Iterable[Order], *, actor: str) -> set[int]:
    """``ship_order_when_complete`` for many orders in a fixed number of statements: one query reads the orders'
    shipments and open drop-ship parts, one guarded move ships the complete ones, ``issue_invoices`` invoices them.
    Call under the orders' locks, with the orders as read under them; returns the ids shipped now.

    Both halves of the query start from the batch's ids (the shipments' order index, the purchase orders' sales
    order): one query nesting the three conditions under the orders was planned from the table's statistics, and
    right after a burst of allocations those said no order was allocated yet, so it scanned every shipment once
    per order (80 ms for 500 orders)."""
    by_id = {order.id: order for order in orders}
    ids = sorted(by_id)
    if not ids:
        return set()
    shipments = Shipment.select(Shipment.order, Shipment.status).where(among(Shipment.order, ids))
    held = (awaiting_supplier_purchases().where(among(PurchaseOrder.sales_order, ids))
            .select(PurchaseOrder.sales_order, peewee.Value(AWAITING_SUPPLIER)))
    waiting, something_left = set(), set()
    for order_id, status in shipments.union_all(held).tuples():
        if status in (SHIPMENT_READY, SHIPMENT_FAILED, AWAITING_SUPPLIER):
            waiting.add(order_id)
        if status != SHIPMENT_CANCELLED:
            something_left.add(order_id)
    moves = [Move(order_id, by_id[order_id].status, ALL_DISPATCHED) for order_id in ids
             if by_id[order_id].status in SHIPPABLE_ORDER_STATES and order_id in something_left
             and order_id not in waiting]
    shipped = transition_many("order", moves, ORDER_SHIPPED, actor=actor) if moves else set()
    if shipped:
        issue_invoices([by_id[order_id] for order_id in sorted(shipped)], actor=actor)  # raises the balances
        record_orders_shipped(shipped)
    return shipped
