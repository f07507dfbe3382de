"""The rows webhook events are read from, each written in the transaction of the change it reports, and how a
batch of them becomes events: type, data and the partners that may see it (the access rules of
models.partners.access: a distributor its book's orders, shipments and returns; a supplier its purchase orders
and its products' stock)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import peewee

from models.core.audit import StatusChange
from models.inventory.tables import Product, StockAlert, Warehouse
from models.orders.tables import Order
from models.partners.tables import Partner
from models.returns.tables import Refund, ReturnRequest
from models.shipping.tables import Shipment, TrackingEvent
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder

Customer = Partner.alias()
STATUS_EVENT_TYPES = {"order": "order.status_changed", "shipment": "shipment.status_changed",
                      "return": "return.status_changed", "purchase_order": "purchase_order.status_changed"}


@dataclass(frozen=True)
class EventDraft:
    source_id: int
    event_type: str
    occurred_at: datetime
    data: dict
    partner_ids: frozenset[int]


@dataclass(frozen=True)
class Source:
    name: str
    model: type[peewee.Model]
    written_at: peewee.Field  # when the row was written
    drafts: Callable[[list], list[EventDraft]]


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _order_scopes(order_ids: Iterable[int]) -> dict[int, tuple[str, frozenset[int]]]:
    """Each order's reference and the partners whose book it is in: who placed it, its customer, their distributor."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    rows = (Order.select(Order.id, Order.external_ref, Order.placed_by, Order.customer, Customer.distributor)
            .join(Customer, on=(Order.customer == Customer.id)).where(Order.id.in_(ids)).tuples())
    return {order_id: (ref, frozenset(p for p in (placed_by, customer, distributor) if p is not None))
            for order_id, ref, placed_by, customer, distributor in rows}


def _status_drafts(rows: list[StatusChange]) -> list[EventDraft]:
    wanted = [row for row in rows if row.entity in STATUS_EVENT_TYPES and row.from_status != row.to_status]
    ids = {entity: [row.entity_id for row in wanted if row.entity == entity] for entity in STATUS_EVENT_TYPES}
    shipment_orders = dict(Shipment.select(Shipment.id, Shipment.order).where(Shipment.id.in_(ids["shipment"]))
                           .tuples()) if ids["shipment"] else {}
    return_orders = dict(ReturnRequest.select(ReturnRequest.id, ReturnRequest.order)
                         .where(ReturnRequest.id.in_(ids["return"])).tuples()) if ids["return"] else {}
    orders = _order_scopes([*ids["order"], *shipment_orders.values(), *return_orders.values()])
    pos = {row[0]: row[1:] for row in PurchaseOrder.select(PurchaseOrder.id, PurchaseOrder.number,
                                                           PurchaseOrder.supplier)
           .where(PurchaseOrder.id.in_(ids["purchase_order"])).tuples()} if ids["purchase_order"] else {}
    drafts = []
    for row in wanted:
        data = {"from_status": row.from_status, "to_status": row.to_status, "reason": row.reason,
                "changed_at": _stamp(row.at)}
        order_id = {"order": row.entity_id, "shipment": shipment_orders.get(row.entity_id),
                    "return": return_orders.get(row.entity_id)}.get(row.entity)
        if row.entity == "purchase_order":
            if row.entity_id not in pos:
                continue
            number, supplier = pos[row.entity_id]
            data |= {"purchase_order_id": row.entity_id, "purchase_order_number": number}
            scope = frozenset({supplier})
        else:
            if order_id not in orders:
                continue
            ref, scope = orders[order_id]
            data |= {"order_id": order_id, "order_ref": ref}
            if row.entity != "order":
                data[f"{row.entity}_id"] = row.entity_id
        drafts.append(EventDraft(row.id, STATUS_EVENT_TYPES[row.entity], row.at, data, scope))
    return drafts


def _tracking_drafts(rows: list[TrackingEvent]) -> list[EventDraft]:
    shipment_orders = dict(Shipment.select(Shipment.id, Shipment.order)
                           .where(Shipment.id.in_({row.shipment_id for row in rows})).tuples())
    orders = _order_scopes(shipment_orders.values())
    drafts = []
    for row in rows:
        order_id = shipment_orders.get(row.shipment_id)
        if order_id not in orders:
            continue
        ref, scope = orders[order_id]
        data = {"order_id": order_id, "order_ref": ref, "shipment_id": row.shipment_id, "carrier": row.carrier,
                "code": row.code, "description": row.description, "location": row.location,
                "occurred_at": _stamp(row.occurred_at)}
        drafts.append(EventDraft(row.id, "shipment.tracking", row.received_at, data, scope))
    return drafts


def _stock_drafts(rows: list[StockAlert]) -> list[EventDraft]:
    products = {pid: (sku, supplier) for pid, sku, supplier in Product.select(
        Product.id, Product.sku, Product.supplier).where(Product.id.in_({r.product_id for r in rows})).tuples()}
    warehouses = dict(Warehouse.select(Warehouse.id, Warehouse.code)
                      .where(Warehouse.id.in_({r.warehouse_id for r in rows})).tuples())
    drafts = []
    for row in rows:
        sku, supplier = products.get(row.product_id, ("", None))
        data = {"alert_id": row.id, "sku": sku, "warehouse": warehouses.get(row.warehouse_id, ""),
                "available": row.available, "reorder_point": row.reorder_point}
        drafts.append(EventDraft(row.id, "stock.low", row.raised_at, data,
                                 frozenset({supplier}) if supplier else frozenset()))
    return drafts


def _asn_drafts(rows: list[AdvanceShippingNotice]) -> list[EventDraft]:
    pos = {pid: (number, supplier) for pid, number, supplier in PurchaseOrder.select(
        PurchaseOrder.id, PurchaseOrder.number, PurchaseOrder.supplier)
        .where(PurchaseOrder.id.in_({r.purchase_order_id for r in rows})).tuples()}
    drafts = []
    for row in rows:
        number, supplier = pos[row.purchase_order_id]
        data = {"asn_id": row.id, "purchase_order_id": row.purchase_order_id, "purchase_order_number": number,
                "reference": row.reference, "carrier": row.carrier, "tracking_number": row.tracking_number,
                "shipped_at": _stamp(row.shipped_at),
                "expected_on": row.expected_on.isoformat() if row.expected_on else None}
        drafts.append(EventDraft(row.id, "purchase_order.asn_received", row.created_at, data,
                                 frozenset({supplier})))
    return drafts


def _refund_drafts(rows: list[Refund]) -> list[EventDraft]:
    return_orders = dict(ReturnRequest.select(ReturnRequest.id, ReturnRequest.order)
                         .where(ReturnRequest.id.in_({r.return_request_id for r in rows})).tuples())
    orders = _order_scopes(return_orders.values())
    drafts = []
    for row in rows:
        order_id = return_orders.get(row.return_request_id)
        if order_id not in orders:
            continue
        ref, scope = orders[order_id]
        data = {"return_id": row.return_request_id, "order_id": order_id, "order_ref": ref,
                "refund_id": row.id, "amount": str(row.amount), "currency": row.currency, "method": row.method,
                "reference": row.reference, "status": row.status}
        drafts.append(EventDraft(row.id, "return.refunded", row.created_at, data, scope))
    return drafts


SOURCES = (
    Source("status_change", StatusChange, StatusChange.at, _status_drafts),
    Source("tracking_event", TrackingEvent, TrackingEvent.received_at, _tracking_drafts),
    Source("stock_alert", StockAlert, StockAlert.raised_at, _stock_drafts),
    Source("asn", AdvanceShippingNotice, AdvanceShippingNotice.created_at, _asn_drafts),
    Source("refund", Refund, Refund.created_at, _refund_drafts),
)
