"""Drop-ship: the supplier ships a sales order's lines straight to the customer; its ASN becomes the shipment.

The ASN's carrier and tracking number become the shipment's issued waybill, so the customer is mailed, tracks the
parcel and is invoiced exactly as for a warehouse shipment. The supplier (or ops) posts the parcel's tracking events
against the ASN; a carrier named exactly as a configured one also reaches it through that carrier's webhook, which
finds waybills by carrier and number. Polled carriers are not polled for a supplier's parcel."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from models.core.audit_reasons import DROPSHIP_OF, say
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import record_creation, transition
from models.inventory.tables import Product
from models.orders.states import ORDER_CANCELLED, ORDER_REJECTED
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.shipping.completion import (
    SETTLED_PURCHASE_STATES,
    awaiting_supplier,
    ship_order_when_complete,
)
from models.shipping.events import record_shipment_event
from models.shipping.rules import service_level_for
from models.shipping.states import SHIPMENT_DISPATCHED, SHIPMENT_READY, WAYBILL_ISSUED
from models.shipping.tables import Shipment, ShipmentLine, Waybill
from models.shipping.tracking import (
    CarrierEvent,
    TrackingResult,
    record_tracking_events,
)
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
)
from models.supply.views import visible_purchase_order

__all__ = ["DropShipPart", "SupplierEvent", "awaiting_supplier", "dropship_parts", "record_supplier_events",
           "ship_dropship_asn", "supplier_parcel"]

CARRIER_LENGTH = 32  # Shipment.carrier and Waybill.carrier; the ASN keeps the supplier's full text
SUPPLIER_TRACKING = "supplier"  # Waybill.tracking_mode: the supplier posts the parcel's events


@dataclass(frozen=True)
class DropShipPart:
    """One drop-ship purchase order of a sales order, as ops read it on the order."""

    number: str
    status: str
    supplier_code: str
    supplier_name: str
    ordered: int
    shipped: int  # units the supplier announced as shipped (its ASNs)
    confirm_by: datetime | None

    @property
    def awaiting_supplier(self) -> bool:
        return self.status not in SETTLED_PURCHASE_STATES and self.shipped < self.ordered


@dataclass(frozen=True)
class SupplierEvent:
    """A tracking event of a drop-ship parcel as its supplier reports it."""

    code: str
    occurred_at: datetime  # naive UTC
    location: str = ""
    description: str = ""
    event_id: str = ""  # the supplier's own id of the event, when it has one


def ship_dropship_asn(asn_id: int, *, actor: str) -> int:
    """Turn a drop-ship PO's ASN into the sales order's shipment (inside the caller's transaction); its id.

    The shipment (no warehouse; the supplier ships it) is dispatched with the ASN's carrier and its tracking number
    as the issued waybill, the customer's "shipped" event is written, and the order is shipped (and invoiced) when
    nothing else of it is left. A second call for the same ASN returns the same shipment."""
    with database.atomic():
        asn = (AdvanceShippingNotice.select(AdvanceShippingNotice, PurchaseOrder, Partner)
               .join(PurchaseOrder).join(Partner).where(AdvanceShippingNotice.id == asn_id).first())
        if asn is None:
            raise NotFound(f"no advance shipping notice {asn_id}")
        purchase = asn.purchase_order
        if not purchase.dropship or purchase.sales_order_id is None:
            raise ValidationFailed({"asn": [TextMessage(Text(
                "%(number)s is a stock order: its deliveries go to a warehouse", number=purchase.number))]})
        order = Order.locked(purchase.sales_order_id)
        if asn.shipment_id is not None:
            return asn.shipment_id
        if order.status in (ORDER_CANCELLED, ORDER_REJECTED):
            raise ValidationFailed({"asn": [TextMessage(Text(
                "order %(order)s of %(number)s is %(status)s: do not ship it", order=order.external_ref,
                number=purchase.number, status=Text(order.status)))]})
        tracking_number = _free_tracking_number(asn)
        units, weight = _units_per_order_line(asn, order)
        carrier = (asn.carrier.strip() or purchase.supplier.code)[:CARRIER_LENGTH]
        shipment = Shipment.create(order=order.id, warehouse=None, supplier=purchase.supplier_id, carrier=carrier,
                                   service_level=service_level_for(order.priority), weight_kg=weight,
                                   status=SHIPMENT_READY)
        why = f"shipped by supplier {purchase.supplier.code} with {carrier} {tracking_number} (ASN {asn.reference})"
        record_creation("shipment", shipment.id, SHIPMENT_READY, actor=actor,
                        reason=say(DROPSHIP_OF, purchase_order=purchase.number))
        ShipmentLine.insert_many([{"shipment": shipment.id, "order_line": line_id, "quantity": quantity}
                                  for line_id, quantity in sorted(units.items())]).execute()
        _issue_waybill(shipment, asn, tracking_number, reason=why)
        transition("shipment", shipment.id, SHIPMENT_DISPATCHED, actor=actor, reason=why[:500],
                   expected=SHIPMENT_READY)
        record_shipment_event(shipment.id, "shipped")
        (AdvanceShippingNotice.update(shipment=shipment.id, shipped_at=asn.shipped_at or utc_now())
         .where(AdvanceShippingNotice.id == asn.id).execute())
        ship_order_when_complete(order, actor=actor)
    return shipment.id


def _free_tracking_number(asn: AdvanceShippingNotice) -> str:
    """The ASN's tracking number, required and not already another shipment's waybill number."""
    number = asn.tracking_number.strip()
    if not number:
        raise ValidationFailed({"tracking_number": [TextMessage(Text(
            "a drop-ship delivery needs the carrier's tracking number: the customer follows the parcel with it"))]})
    if Waybill.select().where(Waybill.waybill_number == number).exists():
        raise ValidationFailed({"tracking_number": [_tracking_number_taken(number)]})
    return number


def _units_per_order_line(asn: AdvanceShippingNotice, order: Order) -> tuple[dict[int, int], Decimal]:
    """The ASN's units per sales-order line (through each PO line's link, else by SKU) and their weight."""
    rows = list(AdvanceShippingNoticeLine.select(AdvanceShippingNoticeLine, PurchaseOrderLine, Product)
                .join(PurchaseOrderLine).join(Product).where(AdvanceShippingNoticeLine.asn == asn.id))
    if not rows:
        raise ValidationFailed({"lines": [TextMessage(Text("the delivery has no lines"))]})
    by_product = {line.product_id: line.id for line in OrderLine.select(OrderLine.id, OrderLine.product)
                  .where(OrderLine.order == order.id, OrderLine.product.is_null(False))}
    units: dict[int, int] = {}
    weight = Decimal("0")
    for row in rows:
        purchase_line = row.purchase_order_line
        line_id = purchase_line.order_line_id or by_product.get(purchase_line.product_id)
        if line_id is None:
            raise ValidationFailed({"lines": [TextMessage(Text("%(sku)s is not on order %(order)s",
                                                               sku=purchase_line.product.sku,
                                                               order=order.external_ref))]})
        units[line_id] = units.get(line_id, 0) + row.quantity
        weight += purchase_line.product.weight_kg * row.quantity
    return units, weight


def _issue_waybill(shipment: Shipment, asn: AdvanceShippingNotice, tracking_number: str, *, reason: str) -> None:
    """The supplier's consignment as the shipment's issued waybill, keyed to the ASN."""
    try:
        with database.atomic():
            Waybill.create(shipment=shipment.id, carrier=shipment.carrier, idempotency_key=f"asn-{asn.id}",
                           status=WAYBILL_ISSUED, waybill_number=tracking_number, issued_at=utc_now(),
                           service_level=shipment.service_level, choice_reason=reason[:500],
                           tracking_mode=SUPPLIER_TRACKING)
    except peewee.IntegrityError:  # the same number recorded by a concurrent delivery
        raise ValidationFailed({"tracking_number": [_tracking_number_taken(tracking_number)]}) from None


def _tracking_number_taken(number: str) -> TextMessage:
    return TextMessage(Text("tracking number %(number)s is already on another shipment; give this parcel's own "
                            "tracking number", number=number))


def dropship_parts(order_ids: Iterable[int]) -> dict[int, list[DropShipPart]]:
    """Order id -> its drop-ship purchase orders (oldest first) with units ordered and announced as shipped."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    announced = (AdvanceShippingNoticeLine
                 .select(peewee.fn.COALESCE(peewee.fn.SUM(AdvanceShippingNoticeLine.quantity), 0))
                 .join(PurchaseOrderLine)
                 .where(PurchaseOrderLine.purchase_order == PurchaseOrder.id))
    ordered = (PurchaseOrderLine.select(peewee.fn.COALESCE(peewee.fn.SUM(PurchaseOrderLine.quantity), 0))
               .where(PurchaseOrderLine.purchase_order == PurchaseOrder.id))
    rows = (PurchaseOrder.select(PurchaseOrder.sales_order, PurchaseOrder.number, PurchaseOrder.status,
                                 PurchaseOrder.confirm_by, Partner.code, Partner.name,
                                 ordered.alias("ordered"), announced.alias("shipped"))
            .join(Partner).where(PurchaseOrder.dropship == True,  # noqa: E712
                                 PurchaseOrder.sales_order.in_(ids)).order_by(PurchaseOrder.id).dicts())
    parts: dict[int, list[DropShipPart]] = {}
    for row in rows:
        parts.setdefault(row["sales_order"], []).append(DropShipPart(
            number=row["number"], status=row["status"], supplier_code=row["code"], supplier_name=row["name"],
            ordered=int(row["ordered"] or 0), shipped=int(row["shipped"] or 0), confirm_by=row["confirm_by"]))
    return parts


def supplier_parcel(number: str, asn_id: int, *, supplier_id: int | None) -> Waybill:
    """The issued waybill of drop-ship ASN ``asn_id`` of purchase order ``number``. NotFound for another supplier's
    purchase order (``supplier_id``; None for ops) or an ASN not on it; ValidationFailed for a stock delivery."""
    purchase = visible_purchase_order(number, supplier_id=supplier_id)
    asn = AdvanceShippingNotice.get_or_none(AdvanceShippingNotice.id == asn_id,
                                            AdvanceShippingNotice.purchase_order == purchase.id)
    if asn is None:
        raise NotFound(f"no delivery {asn_id} on purchase order {number}")
    waybill = Waybill.get_or_none(Waybill.shipment == asn.shipment_id) if asn.shipment_id else None
    if waybill is None or not waybill.waybill_number:
        raise ValidationFailed({"asn": [f"delivery {asn_id} of {number} goes to a warehouse: the receipt records "
                                        "its arrival, not tracking events"]})
    return waybill


def record_supplier_events(number: str, asn_id: int, events: list[SupplierEvent], *, supplier_id: int | None,
                           actor: str) -> TrackingResult:
    """Store the tracking events a supplier (``supplier_id``; None for ops) reports for the parcel of one of its
    drop-ship ASNs, as a carrier's would be: the shipment and the order move on, the customer is told. An event
    is keyed by the ASN and the supplier's event (its id, else its code and time), so a repeated post is ignored."""
    waybill = supplier_parcel(number, asn_id, supplier_id=supplier_id)
    return record_tracking_events(waybill.carrier, [CarrierEvent(
        event_id=_event_key(asn_id, event), waybill_number=waybill.waybill_number, code=event.code,
        occurred_at=event.occurred_at, description=event.description, location=event.location)
        for event in events], actor=actor)


def _event_key(asn_id: int, event: SupplierEvent) -> str:
    own = event.event_id.strip() or f"{event.code}@{event.occurred_at:%Y-%m-%dT%H:%M:%S.%f}"
    return f"asn-{asn_id}:{own}"[:128]
