"""Supply alerts for ops: drop-ship orders the supplier has not confirmed by their deadline, overdue ASNs.

The sweep raises each alert once per purchase order and kind (a resolved one opens again only for a later
deadline) and resolves those no longer true, in one transaction."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import peewee

from models.core.base import utc_now
from models.core.db import database
from models.core.texts import Text
from models.inventory.tables import Warehouse
from models.orders.states import ORDER_CANCELLED, ORDER_REJECTED
from models.orders.tables import Order
from models.partners.tables import Partner
from models.supply.states import PO_CANCELLED, PO_CLOSED, PO_RECEIVED, PO_SENT
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder, SupplyAlert

UNCONFIRMED_DROP_SHIP = "unconfirmed_drop_ship"
ASN_OVERDUE = "asn_overdue"
ASN_GRACE = timedelta(days=2)  # an ASN is overdue this long after its expected day
SWEEPER = "sweeper"
SHOWN = 200


@dataclass(frozen=True)
class DueAlert:
    """An alert the sweep finds true now: its purchase order, message and since when it is due."""

    purchase_order_id: int
    message: Text
    due_since: datetime


def sweep_supply_alerts(now: datetime | None = None) -> int:
    """Raise the alerts now due and resolve those no longer true; returns how many were raised."""
    now = now or utc_now()
    raised = 0
    with database.atomic():
        for kind, due in ((UNCONFIRMED_DROP_SHIP, _unconfirmed_drop_ships(now)), (ASN_OVERDUE, _overdue_asns(now))):
            raised += _raise(kind, due, now)
            _resolve(kind, {alert.purchase_order_id for alert in due}, now)
    return raised


def _unconfirmed_drop_ships(now: datetime) -> list[DueAlert]:
    """Drop-ship purchase orders still unanswered past their confirm-by time, for orders not cancelled."""
    rows = (PurchaseOrder.select(PurchaseOrder, Partner, Order).join(Partner).switch(PurchaseOrder)
            .join(Order, on=(PurchaseOrder.sales_order == Order.id))
            .where(PurchaseOrder.dropship == True, PurchaseOrder.status == PO_SENT,  # noqa: E712
                   PurchaseOrder.confirm_by < now, Order.status.not_in((ORDER_CANCELLED, ORDER_REJECTED))))
    return [DueAlert(row.id, Text("%(number)s: %(supplier)s has not confirmed the drop-ship of order %(order)s, due "
                                  "by %(due)s UTC", number=row.number, supplier=row.supplier.code,
                                  order=row.sales_order.external_ref, due=row.confirm_by.strftime("%Y-%m-%d %H:%M")),
                     row.confirm_by) for row in rows]


def _overdue_asns(now: datetime) -> list[DueAlert]:
    """Stock purchase orders with a delivery still in transit more than ASN_GRACE after its expected day."""
    latest = now.date() - ASN_GRACE
    rows = (AdvanceShippingNotice.select(AdvanceShippingNotice, PurchaseOrder, Partner, Warehouse)
            .join(PurchaseOrder).join(Partner).switch(PurchaseOrder).join(Warehouse, peewee.JOIN.LEFT_OUTER)
            .where(PurchaseOrder.dropship == False, AdvanceShippingNotice.status == "in_transit",  # noqa: E712
                   AdvanceShippingNotice.expected_on < latest,
                   PurchaseOrder.status.not_in((PO_CANCELLED, PO_CLOSED, PO_RECEIVED)))
            .order_by(AdvanceShippingNotice.expected_on, AdvanceShippingNotice.id))
    due: dict[int, DueAlert] = {}
    for asn in rows:  # the earliest overdue delivery speaks for its purchase order
        purchase = asn.purchase_order
        where = purchase.warehouse.code if purchase.warehouse_id else Text("the warehouse")
        message = Text("%(number)s: delivery %(reference)s from %(supplier)s was expected at %(warehouse)s on "
                       "%(day)s and has not been received", number=purchase.number, reference=asn.reference,
                       supplier=purchase.supplier.code, warehouse=where, day=asn.expected_on.isoformat())
        due.setdefault(purchase.id, DueAlert(purchase.id, message, _overdue_at(asn.expected_on)))
    return list(due.values())


def message_json(message: Text) -> str:
    """How a supply alert keeps its message's template and values (SupplyAlert.message_text)."""
    return json.dumps(message.as_json())


def _overdue_at(expected_on: date) -> datetime:
    return datetime.combine(expected_on + ASN_GRACE + timedelta(days=1), time.min)


def _raise(kind: str, due: list[DueAlert], now: datetime) -> int:
    """Insert the alerts new to their purchase order; reopen a resolved one only for a deadline after it."""
    if not due:
        return 0
    existing = {alert.purchase_order_id: alert for alert in SupplyAlert.select().where(
        SupplyAlert.kind == kind, SupplyAlert.purchase_order.in_([d.purchase_order_id for d in due]))}
    fresh = [d for d in due if d.purchase_order_id not in existing]
    if fresh:
        SupplyAlert.insert_many([{"purchase_order": d.purchase_order_id, "kind": kind, "message": str(d.message),
                                  "message_text": message_json(d.message), "raised_at": now}
                                 for d in fresh]).execute()
    reopened = 0
    for d in due:
        alert = existing.get(d.purchase_order_id)
        if alert is not None and alert.status != "open" and alert.resolved_at and alert.resolved_at < d.due_since:
            reopened += (SupplyAlert.update(status="open", message=str(d.message),
                                            message_text=message_json(d.message), raised_at=now, resolved_at=None,
                                            resolved_by="")
                         .where(SupplyAlert.id == alert.id, SupplyAlert.status != "open").execute())
    return len(fresh) + reopened


def _resolve(kind: str, still_due: set[int], now: datetime) -> None:
    """Resolve the open alerts of ``kind`` whose purchase order is no longer among ``still_due``."""
    query = SupplyAlert.update(status="resolved", resolved_at=now, resolved_by=SWEEPER).where(
        SupplyAlert.kind == kind, SupplyAlert.status == "open")
    if still_due:
        query = query.where(SupplyAlert.purchase_order.not_in(sorted(still_due)))
    query.execute()


def open_supply_alerts(*, supplier_id: int | None = None, limit: int = SHOWN) -> list[SupplyAlert]:
    """Open supply alerts, the oldest first, each with its ``purchase_order`` and that order's ``supplier``;
    ``supplier_id`` keeps one supplier's."""
    query = (SupplyAlert.select(SupplyAlert, PurchaseOrder, Partner).join(PurchaseOrder).join(Partner)
             .where(SupplyAlert.status == "open"))
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier == supplier_id)
    return list(query.order_by(SupplyAlert.raised_at, SupplyAlert.id).limit(limit))
