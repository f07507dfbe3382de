"""One purchase order as its pages show it: lines with what was confirmed, announced and received, its ASNs, its
receipts with their discrepancies, the audit trail and, for a drop-ship order, the sales order it serves.
Read only; a fixed number of queries whatever the size of the order."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import peewee

from models.core.audit import StatusChange
from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.supply.tables import (
    AdvanceShippingNotice,
    AdvanceShippingNoticeLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    SupplyAlert,
)


@dataclass
class PurchaseOrderView:
    purchase: PurchaseOrder
    lines: list[PurchaseOrderLine]
    announced: dict[int, int]  # PO line id -> units on its ASNs
    asns: list[AdvanceShippingNotice]
    asn_lines: dict[int, list[AdvanceShippingNoticeLine]]  # ASN id -> its lines (with PO line and product)
    receipts: list[PurchaseReceipt]
    receipt_lines: dict[int, list[PurchaseReceiptLine]]  # receipt id -> its lines
    trail: list[StatusChange]
    open_alerts: list[SupplyAlert]
    sales_order: Order | None = None
    order_lines: dict[int, OrderLine] = field(default_factory=dict)  # order line id -> line (drop-ship)

    @property
    def has_counter(self) -> bool:
        return any(line.proposed_quantity is not None for line in self.lines)

    def announced_on(self, asn_id: int) -> dict[int, int]:
        """PO line id -> units announced on one ASN."""
        return {asn_line.purchase_order_line_id: asn_line.quantity for asn_line in self.asn_lines.get(asn_id, [])}


def load_purchase_order_view(purchase_id: int) -> PurchaseOrderView:
    """Everything one purchase order's page shows."""
    purchase = PurchaseOrder.get_by_id(purchase_id)
    lines = list(PurchaseOrderLine.select(PurchaseOrderLine, Product).join(Product)
                 .where(PurchaseOrderLine.purchase_order == purchase_id).order_by(PurchaseOrderLine.id))
    by_id = {line.id: line for line in lines}
    asns = list(AdvanceShippingNotice.select().where(AdvanceShippingNotice.purchase_order == purchase_id)
                .order_by(AdvanceShippingNotice.id))
    asn_lines: dict[int, list[AdvanceShippingNoticeLine]] = defaultdict(list)
    announced: dict[int, int] = defaultdict(int)
    if asns:
        for asn_line in (AdvanceShippingNoticeLine.select()
                         .where(AdvanceShippingNoticeLine.asn.in_([asn.id for asn in asns]))
                         .order_by(AdvanceShippingNoticeLine.id)):
            asn_line.purchase_order_line = by_id[asn_line.purchase_order_line_id]
            asn_lines[asn_line.asn_id].append(asn_line)
            announced[asn_line.purchase_order_line_id] += asn_line.quantity
    receipts = list(PurchaseReceipt.select().where(PurchaseReceipt.purchase_order == purchase_id)
                    .order_by(PurchaseReceipt.id))
    receipt_lines: dict[int, list[PurchaseReceiptLine]] = defaultdict(list)
    if receipts:
        for receipt_line in (PurchaseReceiptLine.select()
                             .where(PurchaseReceiptLine.receipt.in_([receipt.id for receipt in receipts]))
                             .order_by(PurchaseReceiptLine.id)):
            receipt_line.purchase_order_line = by_id[receipt_line.purchase_order_line_id]
            receipt_lines[receipt_line.receipt_id].append(receipt_line)
    alerts = list(SupplyAlert.select().where(SupplyAlert.purchase_order == purchase_id,
                                             SupplyAlert.status == "open").order_by(SupplyAlert.id))
    view = PurchaseOrderView(purchase=purchase, lines=lines, announced=dict(announced), asns=asns,
                             asn_lines=dict(asn_lines), receipts=receipts, receipt_lines=dict(receipt_lines),
                             trail=list(StatusChange.trail("purchase_order", purchase_id)), open_alerts=alerts)
    if purchase.sales_order_id is not None:
        view.sales_order = Order.get_by_id(purchase.sales_order_id)
        wanted = [line.order_line_id for line in lines if line.order_line_id is not None]
        if wanted:
            view.order_lines = {line.id: line for line in OrderLine.select(OrderLine)
                                .where(OrderLine.id.in_(wanted))}
    return view


def line_counts(purchase_ids: list[int]) -> dict[int, int]:
    """Number of lines of each purchase order."""
    if not purchase_ids:
        return {}
    rows = (PurchaseOrderLine.select(PurchaseOrderLine.purchase_order, peewee.fn.COUNT(PurchaseOrderLine.id))
            .where(PurchaseOrderLine.purchase_order.in_(purchase_ids))
            .group_by(PurchaseOrderLine.purchase_order).tuples())
    return dict(rows)
