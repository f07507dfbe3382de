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
    """``ship_order_when_complete`` for many orders in a fixed number of statements: one query finds the complete
    ones, one guarded move ships them, ``issue_invoices`` invoices them. Call under the orders' locks; returns the
    ids shipped now."""
    by_id = {order.id: order for order in orders}
    ids = sorted(by_id)
    if not ids:
        return set()
    of_batch = Shipment.select(Shipment.order).where(among(Shipment.order, ids))
    waiting = of_batch.where(Shipment.status.in_((SHIPMENT_READY, SHIPMENT_FAILED)))
    something_left = of_batch.where(Shipment.status != SHIPMENT_CANCELLED)
    complete = (Order.select(Order.id, Order.status)
                .where(among(Order.id, ids), Order.status.in_(SHIPPABLE_ORDER_STATES), Order.id.not_in(waiting),
                       Order.id.in_(something_left),
                       Order.id.not_in(awaiting_supplier_orders().where(among(PurchaseOrder.sales_order, ids))))
                .tuples())
    moves = [Move(order_id, status, ALL_DISPATCHED) for order_id, status in complete]
    shipped = transition_many("order", moves, ORDER_SHIPPED, actor=actor) if moves else set()
    if shipped:
        issue_invoices([by_id[order_id] for order_id in sorted(shipped)], actor=actor)  # raises the balances
        record_orders_shipped(shipped)
    return shipped
