"""Reading purchase orders: one order as the API shows it, lists with filters, who may see which, and what waits
for a supplier's action on its home page."""
from __future__ import annotations

from datetime import date, datetime

import peewee

from models.core.errors import NotFound
from models.inventory.tables import Product, Warehouse
from models.partners.tables import Partner
from models.supply.states import (
    PO_CONFIRMED,
    PO_COUNTERED,
    PO_PARTIALLY_CONFIRMED,
    PO_SENT,
)
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
)

MAX_LIST = 500
MAX_ID = 2**63 - 1


def visible_purchase_order(number: str, *, supplier_id: int | None) -> PurchaseOrder:
    """The purchase order ``number``; with ``supplier_id`` (a supplier's user) only one of its own. NotFound
    otherwise, with the same message whether the order is missing or another supplier's."""
    query = PurchaseOrder.select().where(PurchaseOrder.number == number)
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier == supplier_id)
    purchase = query.first()
    if purchase is None:
        raise NotFound(f"purchase order {number} not found")
    return purchase


def list_purchase_orders(*, supplier_id: int | None, status: str | None = None, kind: str | None = None,
                         order_id: int | None = None, supplier_code: str | None = None, after: int | None = None,
                         limit: int = 50, warehouse_code: str | None = None) -> tuple[list[PurchaseOrder], int | None]:
    """Purchase orders newest first, filtered; ``supplier_id`` (a supplier's user) keeps its own only. Keyset
    pages: ``after`` is the id the previous page ended on; the second value is the next page's ``after``."""
    limit = max(1, min(limit, MAX_LIST))
    query = (PurchaseOrder.select(PurchaseOrder, Partner, Warehouse).join(Partner)
             .switch(PurchaseOrder).join(Warehouse, peewee.JOIN.LEFT_OUTER))
    if supplier_id is not None:
        query = query.where(PurchaseOrder.supplier == supplier_id)
    if supplier_code:
        query = query.where(Partner.code == supplier_code)
    if warehouse_code:
        query = query.where(Warehouse.code == warehouse_code)
    if status:
        query = query.where(PurchaseOrder.status == status)
    if kind:
        query = query.where(PurchaseOrder.dropship == (kind == "drop_ship"))
    if order_id is not None:
        query = query.where(PurchaseOrder.sales_order == order_id)
    if after is not None:
        query = query.where(PurchaseOrder.id < min(after, MAX_ID))
    rows = list(query.order_by(PurchaseOrder.id.desc()).limit(limit + 1))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None


def supplier_work(supplier_id: int) -> dict:
    """What waits for the supplier: ``to_confirm`` (sent, unanswered), ``asns_due`` (stock orders confirmed with
    nothing announced), ``dropship_to_ship`` (drop-ship orders not yet shipped), ``counters_waiting`` (its
    counter-proposals ops have not decided). Lists of PurchaseOrder rows, oldest first."""
    mine = (PurchaseOrder.select(PurchaseOrder, Warehouse).join(Warehouse, peewee.JOIN.LEFT_OUTER)
            .where(PurchaseOrder.supplier == supplier_id).order_by(PurchaseOrder.id))
    announced = AdvanceShippingNotice.select(AdvanceShippingNotice.purchase_order)
    unshipped = mine.where(PurchaseOrder.id.not_in(announced))
    answered = (PO_CONFIRMED, PO_PARTIALLY_CONFIRMED)
    return {
        "to_confirm": list(mine.where(PurchaseOrder.status == PO_SENT)),
        "asns_due": list(unshipped.where(PurchaseOrder.status.in_(answered),
                                         PurchaseOrder.dropship == False)),  # noqa: E712
        "dropship_to_ship": list(unshipped.where(PurchaseOrder.status.in_((PO_SENT, *answered)),
                                                 PurchaseOrder.dropship == True)),  # noqa: E712
        "counters_waiting": list(mine.where(PurchaseOrder.status == PO_COUNTERED)),
    }


def purchase_order_resource(purchase: PurchaseOrder) -> dict:
    """The purchase order as GET /api/v1/purchase-orders/<number> answers: JSON-ready values (ISO dates)."""
    return purchase_order_resources([purchase])[0]


def purchase_order_resources(purchases: list[PurchaseOrder]) -> list[dict]:
    """purchase_order_resource of each order, in order, with a fixed number of queries for the whole list."""
    if not purchases:
        return []
    ids = [purchase.id for purchase in purchases]
    suppliers = {p.id: p for p in Partner.select().where(Partner.id.in_({p.supplier_id for p in purchases}))}
    warehouse_ids = {p.warehouse_id for p in purchases if p.warehouse_id}
    warehouses = {w.id: w.code for w in Warehouse.select().where(Warehouse.id.in_(warehouse_ids))} \
        if warehouse_ids else {}
    lines: dict[int, list[PurchaseOrderLine]] = {purchase_id: [] for purchase_id in ids}
    for line in (PurchaseOrderLine.select(PurchaseOrderLine, Product).join(Product)
                 .where(PurchaseOrderLine.purchase_order.in_(ids)).order_by(PurchaseOrderLine.id)):
        lines[line.purchase_order_id].append(line)
    skus = {line.id: line.product.sku for rows in lines.values() for line in rows}
    asns, receipts = _asns(ids, skus), _receipts(ids, skus)
    return [{
        "number": p.number, "kind": p.kind, "supplier": suppliers[p.supplier_id].code,
        "supplier_name": suppliers[p.supplier_id].name, "warehouse": warehouses.get(p.warehouse_id),
        "order_id": p.sales_order_id, "status": p.status, "currency": p.currency,
        "expected_at": iso(p.expected_at), "origin": p.origin, "note": p.note, "revision": p.revision,
        "status_reason": p.status_reason, "created_at": iso(p.created_at), "sent_at": iso(p.sent_at),
        "confirm_by": iso(p.confirm_by), "answered_at": iso(p.answered_at), "closed_at": iso(p.closed_at),
        "lines": [_line(line) for line in lines[p.id]],
        "asns": asns.get(p.id, []), "receipts": receipts.get(p.id, []),
    } for p in purchases]


def _line(line: PurchaseOrderLine) -> dict:
    return {"sku": line.product.sku, "name": line.product.name, "quantity": line.quantity,
            "unit_price": str(line.unit_cost), "confirmed_quantity": line.confirmed_quantity,
            "promised_date": iso(line.promised_date), "proposed_quantity": line.proposed_quantity,
            "proposed_date": iso(line.proposed_date), "confirmed_at": iso(line.confirmed_at),
            "received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity}


def _asns(purchase_ids: list[int], skus: dict[int, str]) -> dict[int, list[dict]]:
    """Each order's notices with their lines, oldest first."""
    asns = list(AdvanceShippingNotice.select().where(AdvanceShippingNotice.purchase_order.in_(purchase_ids))
                .order_by(AdvanceShippingNotice.id))
    lines: dict[int, list[dict]] = {asn.id: [] for asn in asns}
    if asns:
        for line in (AdvanceShippingNoticeLine.select().where(AdvanceShippingNoticeLine.asn.in_(list(lines)))
                     .order_by(AdvanceShippingNoticeLine.id)):
            lines[line.asn_id].append({"sku": skus[line.purchase_order_line_id], "quantity": line.quantity})
    found: dict[int, list[dict]] = {}
    for asn in asns:
        found.setdefault(asn.purchase_order_id, []).append({
            "id": asn.id, "reference": asn.reference, "carrier": asn.carrier,
            "tracking_number": asn.tracking_number, "shipped_at": iso(asn.shipped_at),
            "expected_on": iso(asn.expected_on), "status": asn.status, "received_at": iso(asn.received_at),
            "shipment_id": asn.shipment_id, "lines": lines[asn.id]})
    return found


def _receipts(purchase_ids: list[int], skus: dict[int, str]) -> dict[int, list[dict]]:
    """Each order's receipts with their lines and the lines that differ from the notice, oldest first."""
    receipts = list(PurchaseReceipt.select().where(PurchaseReceipt.purchase_order.in_(purchase_ids))
                    .order_by(PurchaseReceipt.id))
    lines: dict[int, list[dict]] = {receipt.id: [] for receipt in receipts}
    if receipts:
        for line in (PurchaseReceiptLine.select().where(PurchaseReceiptLine.receipt.in_(list(lines)))
                     .order_by(PurchaseReceiptLine.id)):
            lines[line.receipt_id].append({
                "sku": skus[line.purchase_order_line_id], "announced_quantity": line.announced_quantity,
                "received_quantity": line.received_quantity, "damaged_quantity": line.damaged_quantity,
                "discrepancy": line.discrepancy})
    found: dict[int, list[dict]] = {}
    for receipt in receipts:
        found.setdefault(receipt.purchase_order_id, []).append({
            "id": receipt.id, "asn_id": receipt.asn_id, "received_at": iso(receipt.received_at),
            "actor": receipt.actor, "note": receipt.note, "lines": lines[receipt.id],
            "discrepancies": [line for line in lines[receipt.id] if line["discrepancy"]]})
    return found


def iso(value: date | datetime | None) -> str | None:
    """A stored date as ISO 8601; a timestamp (naive UTC) with its Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
