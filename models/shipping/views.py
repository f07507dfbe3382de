"""Reading shipments for the portal: the shipment list, one shipment's page and the shipping-problems queue,
each in a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass

import peewee

from models.core.audit import StatusChange
from models.inventory.tables import Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.access import can_see_order, visible_orders
from models.partners.tables import Partner
from models.shipping.states import SHIPMENT_FAILED
from models.shipping.tables import (
    CancelledWaybill,
    Shipment,
    ShipmentAlert,
    ShipmentLine,
    TrackingEvent,
    Waybill,
)

PAGE_SIZE = 50
PROBLEMS_SHOWN = 200


@dataclass(frozen=True)
class ShipmentFilters:
    """What the shipment list is narrowed to; a blank value does not filter."""

    status: str = ""
    warehouse: str = ""  # warehouse code
    carrier: str = ""
    search: str = ""  # part of the order's external reference


@dataclass(frozen=True)
class ShipmentPage:
    """One page of the list, newest first; ``next_before`` is the ``before`` id of the next (older) page."""

    shipments: list[Shipment]
    next_before: int | None


@dataclass(frozen=True)
class ShippingProblems:
    """Failed shipments and open alerts, the longest waiting first, with their totals."""

    failed: list[Shipment]
    failed_total: int
    alerts: list[ShipmentAlert]
    alerts_total: int


def _with_order_warehouse_waybill() -> peewee.ModelSelect:
    """Shipments joined to their order, warehouse (None when drop-shipped, then ``supplier`` ships it) and (as
    ``waybill``, maybe None) current waybill."""
    shipper = Partner.alias("shipper")
    return (Shipment.select(Shipment, Order, Warehouse, shipper, Waybill)
            .join(Order).switch(Shipment).join(Warehouse, peewee.JOIN.LEFT_OUTER).switch(Shipment)
            .join(shipper, peewee.JOIN.LEFT_OUTER, on=(Shipment.supplier == shipper.id), attr="supplier")
            .switch(Shipment).join(Waybill, peewee.JOIN.LEFT_OUTER, attr="waybill"))


def shipment_page(user, filters: ShipmentFilters, *, before: int | None = None,
                  size: int | None = None) -> ShipmentPage:
    """Shipments of the orders ``user`` may see, newest first, each with ``order``, ``warehouse``, ``waybill``,
    ``last_event_at`` and ``open_alerts``: three queries a page."""
    size = size or PAGE_SIZE
    query = _with_order_warehouse_waybill()
    if not user.is_ops:
        query = query.where(Shipment.order.in_(visible_orders(user, Order.id)))
    if filters.status:
        query = query.where(Shipment.status == filters.status)
    if filters.warehouse:
        query = query.where(Warehouse.code == filters.warehouse)
    if filters.carrier:
        query = query.where(Shipment.carrier == filters.carrier)
    if filters.search:
        query = query.where(Order.external_ref.contains(filters.search))
    if before:
        query = query.where(Shipment.id < before)
    rows = list(query.order_by(Shipment.id.desc()).limit(size + 1))
    shipments = rows[:size]
    _attach_activity(shipments)
    return ShipmentPage(shipments, shipments[-1].id if len(rows) > size else None)


def _attach_activity(shipments: list[Shipment]) -> None:
    """Set ``last_event_at`` (latest tracking event, or None) and ``open_alerts`` (a count) on each shipment."""
    ids = [shipment.id for shipment in shipments]
    if not ids:
        return
    last = dict(TrackingEvent.select(TrackingEvent.shipment, peewee.fn.MAX(TrackingEvent.occurred_at))
                .where(TrackingEvent.shipment.in_(ids)).group_by(TrackingEvent.shipment).tuples())
    alerts = dict(ShipmentAlert.select(ShipmentAlert.shipment, peewee.fn.COUNT(ShipmentAlert.id))
                  .where(ShipmentAlert.shipment.in_(ids), ShipmentAlert.status == "open")
                  .group_by(ShipmentAlert.shipment).tuples())
    for shipment in shipments:
        shipment.last_event_at = last.get(shipment.id)
        shipment.open_alerts = alerts.get(shipment.id, 0)


def visible_shipment(user, shipment_id: int) -> Shipment | None:
    """The shipment with everything its page shows, or None when it is missing or ``user`` may not see its order."""
    shipment = _with_order_warehouse_waybill().where(Shipment.id == shipment_id).first()
    if shipment is None or not can_see_order(user, shipment.order_id):
        return None
    return _load_details(shipment)


def _load_details(shipment: Shipment) -> Shipment:
    """Attach ``loaded_lines``, ``loaded_events`` (oldest first), ``loaded_cancelled``, ``loaded_alerts`` and
    ``loaded_trail`` (the shipment's status changes)."""
    shipment_id = shipment.id
    shipment.loaded_lines = list(ShipmentLine.select(ShipmentLine, OrderLine).join(OrderLine)
                                 .where(ShipmentLine.shipment == shipment_id).order_by(OrderLine.line_no))
    shipment.loaded_events = list(TrackingEvent.select().where(TrackingEvent.shipment == shipment_id)
                                  .order_by(TrackingEvent.occurred_at, TrackingEvent.id))
    shipment.loaded_cancelled = list(CancelledWaybill.select().where(CancelledWaybill.shipment == shipment_id)
                                     .order_by(CancelledWaybill.cancelled_at, CancelledWaybill.id))
    shipment.loaded_alerts = list(ShipmentAlert.select().where(ShipmentAlert.shipment == shipment_id)
                                  .order_by(ShipmentAlert.raised_at, ShipmentAlert.id))
    shipment.loaded_trail = list(StatusChange.trail("shipment", shipment_id))
    return shipment


def shipping_problems(*, limit: int = PROBLEMS_SHOWN) -> ShippingProblems:
    """What ops must act on: failed shipments (oldest failure first) and open alerts (oldest first). A failed
    shipment's own waybill alert is left out of the alerts: its row in the failed list carries it."""
    failed_query = _with_order_warehouse_waybill().where(Shipment.status == SHIPMENT_FAILED)
    failed = list(failed_query.order_by(Shipment.status_changed_at, Shipment.id).limit(limit))
    alerts_query = (ShipmentAlert.select(ShipmentAlert, Shipment, Order)
                    .join(Shipment).switch(ShipmentAlert).join(Order, on=(ShipmentAlert.order == Order.id))
                    .where(ShipmentAlert.status == "open",
                           ~((ShipmentAlert.kind == "waybill_failed") & (Shipment.status == SHIPMENT_FAILED))))
    alerts = list(alerts_query.order_by(ShipmentAlert.raised_at, ShipmentAlert.id).limit(limit))
    return ShippingProblems(failed=failed, failed_total=failed_query.count(),
                            alerts=alerts, alerts_total=alerts_query.count())


def alert_shipment_id(alert_id: int) -> int | None:
    """The shipment an alert is about, or None when there is no such alert."""
    return ShipmentAlert.select(ShipmentAlert.shipment).where(ShipmentAlert.id == alert_id).scalar()


def warehouse_codes() -> list[str]:
    """Every warehouse code, for the list's filter."""
    return [code for (code,) in Warehouse.select(Warehouse.code).order_by(Warehouse.code).tuples()]
