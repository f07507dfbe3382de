"""The supplier returns scorecard: per supplier, the units of its SKUs shipped, returned and found defective,
the defective rate, and the SKUs behind the defects. Read only; four grouped queries whatever the number
of suppliers."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import peewee

from models.inventory.tables import Product
from models.orders.tables import OrderLine
from models.partners.tables import Partner
from models.returns.tables import ReturnLine
from models.shipping.states import (
    SHIPMENT_DELIVERED,
    SHIPMENT_DISPATCHED,
    SHIPMENT_EXCEPTION,
    SHIPMENT_IN_TRANSIT,
    SHIPMENT_RETURNED,
)
from models.shipping.tables import Shipment, ShipmentLine

# Shipments whose units have left the warehouse (a "returned" parcel left too, and came back).
SHIPPED_STATUSES = (SHIPMENT_DISPATCHED, SHIPMENT_IN_TRANSIT, SHIPMENT_EXCEPTION, SHIPMENT_DELIVERED,
                    SHIPMENT_RETURNED)
TOP_SKUS = 5
RATE_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class DefectiveSku:
    sku: str
    name: str
    units: int


@dataclass(frozen=True)
class SupplierScore:
    supplier_id: int
    code: str
    name: str
    units_shipped: int
    units_returned: int
    units_defective: int
    defective_rate: Decimal | None  # defective / shipped; None when nothing shipped
    top_defective: tuple[DefectiveSku, ...]


def supplier_scorecards(*, since: datetime | None = None, supplier_id: int | None = None) -> list[SupplierScore]:
    """Every supplier's score (or only ``supplier_id``'s), by name. ``since`` (naive UTC) keeps shipments
    created and return lines inspected from then on; None counts everything."""
    suppliers = Partner.select(Partner.id, Partner.code, Partner.name).where(Partner.kind == "supplier")
    if supplier_id is not None:
        suppliers = suppliers.where(Partner.id == supplier_id)
    suppliers = list(suppliers.order_by(Partner.name, Partner.code))
    if not suppliers:
        return []
    shipped = _units_shipped(since, supplier_id)
    returned = _units_returned(since, supplier_id)
    defects = _defective_skus(since, supplier_id)
    scores = []
    for supplier in suppliers:
        skus = defects.get(supplier.id, [])
        defective = sum(sku.units for sku in skus)
        units = shipped.get(supplier.id, 0)
        scores.append(SupplierScore(
            supplier_id=supplier.id, code=supplier.code, name=supplier.name, units_shipped=units,
            units_returned=returned.get(supplier.id, 0), units_defective=defective,
            defective_rate=_rate(defective, units), top_defective=tuple(skus[:TOP_SKUS])))
    return scores


def _rate(defective: int, shipped: int) -> Decimal | None:
    if not shipped:
        return None
    return (Decimal(defective) / Decimal(shipped)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _units_shipped(since: datetime | None, supplier_id: int | None) -> dict[int, int]:
    """Units of each supplier's SKUs on shipments that left the warehouse, by the supplier the SKU has now."""
    query = (ShipmentLine.select(Product.supplier, peewee.fn.SUM(ShipmentLine.quantity))
             .join(Shipment, on=(ShipmentLine.shipment == Shipment.id)).switch(ShipmentLine)
             .join(OrderLine, on=(ShipmentLine.order_line == OrderLine.id))
             .join(Product, on=(OrderLine.product == Product.id))
             .where(Shipment.status.in_(SHIPPED_STATUSES), Product.supplier.is_null(False)))
    if since is not None:
        query = query.where(Shipment.created_at >= since)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    return {supplier: int(units) for supplier, units in query.group_by(Product.supplier).tuples()}


def _units_returned(since: datetime | None, supplier_id: int | None) -> dict[int, int]:
    """Inspected returned units of each supplier's SKUs, whatever their condition."""
    query = (ReturnLine.select(Product.supplier, peewee.fn.SUM(ReturnLine.quantity))
             .join(OrderLine, on=(ReturnLine.order_line == OrderLine.id))
             .join(Product, on=(OrderLine.product == Product.id))
             .where(ReturnLine.inspected_at.is_null(False), Product.supplier.is_null(False)))
    if since is not None:
        query = query.where(ReturnLine.inspected_at >= since)
    if supplier_id is not None:
        query = query.where(Product.supplier == supplier_id)
    return {supplier: int(units) for supplier, units in query.group_by(Product.supplier).tuples()}


def _defective_skus(since: datetime | None, supplier_id: int | None) -> dict[int, list[DefectiveSku]]:
    """Defective units per supplier and SKU, most first. The supplier is the one charged at inspection
    (ReturnLine.supplier), so a SKU that changed supplier later stays on the old one's card."""
    units = peewee.fn.SUM(ReturnLine.quantity)
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
