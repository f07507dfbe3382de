"""What the printed shipment documents show: a dispatch note per shipment and a pick list per warehouse batch.

Loaders only: they read the database into plain dataclasses and leave layout to the portal.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.errors import NotFound, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.inventory.tables import Product, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.shipping.states import (
    SHIPMENT_CANCELLED,
    SHIPMENT_DISPATCHED,
    SHIPMENT_READY,
    WAYBILL_ISSUED,
)
from models.shipping.tables import Shipment, ShipmentLine, Waybill

PICKABLE = (SHIPMENT_READY, SHIPMENT_DISPATCHED)  # packed or handed a waybill, not yet picked up by the carrier
MAX_PICK_SHIPMENTS = 500  # a batch chosen by hand; the default batch has no limit
NO_WEIGHT = Decimal("0.000")


@dataclass(frozen=True)
class ShipFrom:
    code: str
    name: str
    address: str
    kind: str = "warehouse"  # or "supplier": a drop-ship shipment leaves from its supplier


@dataclass(frozen=True)
class ShipTo:
    name: str
    phone: str
    address: str
    city: str
    region: str
    postcode: str
    country: str


@dataclass(frozen=True)
class DispatchLine:
    line_no: int
    sku: str
    product_name: str  # "" while the line's SKU is not matched to a product
    quantity: int
    unit_weight_kg: Decimal
    line_weight_kg: Decimal


@dataclass(frozen=True)
class OrderValue:
    currency: str
    subtotal: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    prices_include_tax: bool  # the tax is inside the prices ("incl."), not added to them


@dataclass(frozen=True)
class DispatchNote:
    """One shipment as its paper dispatch note shows it; ``waybill_number`` is None until issued."""

    shipment_id: int
    order_id: int
    order_ref: str
    wave: int
    status: str
    carrier: str
    service_level: str
    waybill_number: str | None
    ship_from: ShipFrom
    ship_to: ShipTo
    lines: tuple[DispatchLine, ...]
    total_weight_kg: Decimal  # the sum of the lines, so the printed note adds up
    parcels: int
    printed_at: datetime  # UTC, naive like every stored timestamp
    order_value: OrderValue | None = None  # the whole order's totals and tax, as its invoice will show them
    language: str = ""  # the customer's (Partner.locale): the note is printed in it

    @property
    def shipment_ref(self) -> str:
        return f"S{self.shipment_id}"

    @property
    def total_quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class PickNeed:
    """How many units of a SKU one shipment of the batch needs."""

    shipment_id: int
    order_id: int
    order_ref: str
    quantity: int


@dataclass(frozen=True)
class PickItem:
    sku: str
    product_name: str
    total_quantity: int
    needs: tuple[PickNeed, ...]


@dataclass(frozen=True)
class PickShipment:
    shipment_id: int
    order_id: int
    order_ref: str
    wave: int
    status: str


@dataclass(frozen=True)
class PickList:
    """A batch of one warehouse's shipments, their lines summed per SKU and sorted by SKU.

    Sorted by SKU because bin locations are not recorded anywhere yet: a picker walks the SKU order.
    """

    warehouse: ShipFrom
    shipments: tuple[PickShipment, ...]
    items: tuple[PickItem, ...]
    printed_at: datetime

    @property
    def total_quantity(self) -> int:
        return sum(item.total_quantity for item in self.items)


def dispatch_note_data(shipment_id: int) -> DispatchNote | None:
    """The dispatch note of a shipment, or None when no such shipment exists."""
    shipment = (Shipment.select(Shipment, Order, Warehouse).join(Order).switch(Shipment)
                .join(Warehouse, peewee.JOIN.LEFT_OUTER).where(Shipment.id == shipment_id).first())
    if shipment is None:
        return None
    waybill = Waybill.get_or_none(Waybill.shipment == shipment_id)
    issued = waybill is not None and waybill.status == WAYBILL_ISSUED and bool(waybill.waybill_number)
    lines = tuple(_dispatch_line(row) for row in _lines_of([shipment_id]))
    order = shipment.order
    return DispatchNote(
        shipment_id=shipment.id, order_id=order.id, order_ref=order.external_ref, wave=shipment.wave,
        status=shipment.status,
        carrier=waybill.carrier if waybill else shipment.carrier,  # the waybill holds the carrier chosen
        service_level=waybill.service_level if waybill else shipment.service_level,
        waybill_number=waybill.waybill_number if issued else None,
        ship_from=_ship_from(shipment.warehouse) if shipment.warehouse_id else _dropship_from(shipment),
        ship_to=ShipTo(name=order.ship_to_name, phone=order.ship_to_phone, address=order.ship_to_address,
                       city=order.ship_to_city, region=order.ship_to_region, postcode=order.ship_to_postcode,
                       country=order.ship_to_country),
        lines=lines, total_weight_kg=sum((line.line_weight_kg for line in lines), NO_WEIGHT),
        parcels=1, printed_at=utc_now(),
        order_value=OrderValue(order.currency, order.subtotal, order.shipping_total, order.tax_total, order.total,
                               order.prices_include_tax),
        language=Partner.select(Partner.locale).where(Partner.id == order.customer_id).scalar() or "")


def pick_list_data(warehouse_code: str, shipment_ids: list[int] | None = None) -> PickList:
    """The pick list of ``shipment_ids`` (default: every shipment of the warehouse not yet picked up)."""
    warehouse = Warehouse.get_or_none(Warehouse.code == warehouse_code)
    if warehouse is None:
        raise NotFound(f"warehouse {warehouse_code} not found")
    if shipment_ids is None:
        selected = Shipment.select(Shipment.id).where(Shipment.warehouse == warehouse.id,
                                                      Shipment.status.in_(PICKABLE))
    else:
        if len(set(shipment_ids)) > MAX_PICK_SHIPMENTS:
            raise ValidationFailed({"shipment": [TextMessage(Text("at most %(most)s shipments per pick list",
                                                                  most=MAX_PICK_SHIPMENTS))]})
        selected = sorted(set(shipment_ids))
    shipments = list(Shipment.select(Shipment, Order).join(Order).where(Shipment.id.in_(selected))
                     .order_by(Shipment.created_at, Shipment.id))
    if shipment_ids is not None:
        _check_batch(warehouse, shipments, set(shipment_ids))
    batch = tuple(PickShipment(shipment_id=s.id, order_id=s.order.id, order_ref=s.order.external_ref,
                               wave=s.wave, status=s.status) for s in shipments)
    return PickList(warehouse=_ship_from(warehouse), shipments=batch,
                    items=_pick_items(shipments, selected), printed_at=utc_now())


def _check_batch(warehouse: Warehouse, shipments: list[Shipment], asked: set[int]) -> None:
    found = {s.id for s in shipments}
    problems = [TextMessage(Text("shipment %(id)s does not exist", id=i)) for i in sorted(asked - found)]
    problems += [TextMessage(Text("shipment %(id)s is drop-shipped by its supplier: nothing to pick", id=s.id))
                 if s.warehouse_id is None
                 else TextMessage(Text("shipment %(id)s ships from another warehouse, not %(warehouse)s", id=s.id,
                                       warehouse=warehouse.code))
                 for s in shipments if s.warehouse_id != warehouse.id]
    problems += [TextMessage(Text("shipment %(id)s is cancelled", id=s.id))
                 for s in shipments if s.status == SHIPMENT_CANCELLED]
    if problems:
        raise ValidationFailed({"shipment": problems}, "shipments cannot be picked together")


def _pick_items(shipments: list[Shipment], selected: list[int] | peewee.SelectQuery) -> tuple[PickItem, ...]:
    orders = {s.id: s.order for s in shipments}
    units: dict[str, dict[int, int]] = {}  # sku -> shipment id -> units (an order may repeat a SKU)
    names: dict[str, str] = {}
    for row in _lines_of(selected):
        if row.shipment_id not in orders:  # joined the default batch between the two queries
            continue
        sku = row.order_line.sku
        per_shipment = units.setdefault(sku, {})
        per_shipment[row.shipment_id] = per_shipment.get(row.shipment_id, 0) + row.quantity
        names[sku] = names.get(sku) or _product_name(row)
    items = []
    for sku in sorted(units):
        needs = tuple(PickNeed(shipment_id=shipment_id, order_id=orders[shipment_id].id,
                               order_ref=orders[shipment_id].external_ref, quantity=quantity)
                      for shipment_id, quantity in sorted(units[sku].items()))
        items.append(PickItem(sku=sku, product_name=names[sku], total_quantity=sum(n.quantity for n in needs),
                              needs=needs))
    return tuple(items)


def _lines_of(shipment_ids: list[int] | peewee.SelectQuery) -> list[ShipmentLine]:
    """The lines of the shipments (ids or a query of them) with their order line and product if matched."""
    if isinstance(shipment_ids, list) and not shipment_ids:
        return []
    return list(ShipmentLine.select(ShipmentLine, OrderLine, Product).join(OrderLine)
                .join(Product, peewee.JOIN.LEFT_OUTER)
                .where(ShipmentLine.shipment.in_(shipment_ids))
                .order_by(ShipmentLine.shipment, OrderLine.line_no))


def _dispatch_line(row: ShipmentLine) -> DispatchLine:
    product = row.order_line.product if row.order_line.product_id else None
    unit = product.weight_kg if product is not None else NO_WEIGHT
    return DispatchLine(line_no=row.order_line.line_no, sku=row.order_line.sku, product_name=_product_name(row),
                        quantity=row.quantity, unit_weight_kg=unit, line_weight_kg=unit * row.quantity)


def _product_name(row: ShipmentLine) -> str:
    return row.order_line.product.name if row.order_line.product_id else ""


def _ship_from(warehouse: Warehouse) -> ShipFrom:
    return ShipFrom(code=warehouse.code, name=warehouse.name, address=warehouse.address)


def _dropship_from(shipment: Shipment) -> ShipFrom:
    """A drop-ship shipment leaves from its supplier, whose address the OMS does not keep."""
    supplier = Partner.get_by_id(shipment.supplier_id) if shipment.supplier_id else None
    if supplier is None:
        return ShipFrom(code="", name="Supplier", address="", kind="supplier")
    return ShipFrom(code=supplier.code, name=supplier.name, address="", kind="supplier")
