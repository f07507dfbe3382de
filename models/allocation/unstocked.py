"""What an allocation does not ship from our own stock now: drop-ship lines become purchase orders to their supplier,
and units no source has become a linked backorder order when the policy ships what is available. Both run per
order inside the allocation's transaction."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from models.allocation.rules import AllocationPlan
from models.core.audit_reasons import BACKORDER_OF, SPLIT_FROM, say
from models.core.base import CENT
from models.core.transitions import record_creation
from models.inventory.tables import Product
from models.orders.states import ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.states import PO_CANCELLED
from models.supply.tables import PurchaseOrder


def order_dropship(order: Order, plan: AllocationPlan, *, actor: str, confirm_within: timedelta) -> None:
    """One drop-ship purchase order per supplier for the lines it ships to the order's address, sent at once with
    ``confirm_within`` to confirm; a supplier that already has one for this order (a repeated run) gets none."""
    units: dict[int, dict[int, int]] = {}  # supplier -> order line -> units
    for pick in plan.picks:
        if pick.supplier_id is not None:
            per_line = units.setdefault(pick.supplier_id, {})
            per_line[pick.line_id] = per_line.get(pick.line_id, 0) + pick.quantity
    if not units:
        return
    ordered = {supplier_id for (supplier_id,) in PurchaseOrder.select(PurchaseOrder.supplier).where(
        PurchaseOrder.sales_order == order.id, PurchaseOrder.dropship == True,  # noqa: E712
        PurchaseOrder.status != PO_CANCELLED).tuples()}
    suppliers = dict(Partner.select(Partner.id, Partner.code).where(Partner.id.in_(list(units))).tuples())
    skus = dict(OrderLine.select(OrderLine.id, Product.sku).join(Product)
                .where(OrderLine.order == order.id).tuples())  # the catalogue's SKU, not the line's as written
    for supplier_id, per_line in sorted(units.items()):
        if supplier_id in ordered:
            continue
        purchase = create_purchase_order(
            supplier_code=suppliers[supplier_id], warehouse_code=None, actor=actor, origin="drop_ship",
            sales_order_id=order.id, currency=order.currency,
            note=f"Drop-ship for order {order.external_ref}: ship straight to the customer's address.",
            lines=[PurchaseLineInput(skus[line_id], quantity, order_line_id=line_id)
                   for line_id, quantity in sorted(per_line.items())])
        send_purchase_order(purchase.number, actor=actor, answer_within=confirm_within)


def split_backorder(order: Order, lines: list[OrderLine], plan: AllocationPlan, *, actor: str) -> Order:
    """Move the quantities the plan could not fill into a new linked order waiting in ``backordered``."""
    sequence = Order.select().where(Order.backorder_of == order.id).count() + 1
    child = Order.create(**{name: getattr(order, name) for name in _COPIED},
                         external_ref=f"{order.external_ref}/BO{sequence}"[:128], status=ORDER_BACKORDERED,
                         backorder_of=order.id, status_reason=say(BACKORDER_OF, order=order.id))
    kept_total, moved_total, line_no = Decimal(0), Decimal(0), 0
    for line in lines:
        short = plan.shortfall.get(line.id, 0)
        if short:
            line_no += 1
            moved = (line.unit_price * short).quantize(CENT)
            OrderLine.create(order=child.id, line_no=line_no, product=line.product_id, sku=line.sku,
                             quantity=short, unit_price=line.unit_price, line_total=moved)
            moved_total += moved
        kept = line.quantity - short
        if kept == 0:
            OrderLine.delete().where(OrderLine.id == line.id).execute()
        elif short:
            total = (line.unit_price * kept).quantize(CENT)
            OrderLine.update(quantity=kept, line_total=total).where(OrderLine.id == line.id).execute()
            kept_total += total
        else:
            kept_total += line.line_total
    Order.update(subtotal=kept_total, total=kept_total + order.shipping_total).where(Order.id == order.id).execute()
    Order.update(subtotal=moved_total, total=moved_total, shipping_total=0).where(Order.id == child.id).execute()
    record_creation("order", child.id, ORDER_BACKORDERED, actor=actor,
                    reason=say(SPLIT_FROM, order=order.id))
    return child


_COPIED = ("channel", "intake_scope", "customer", "placed_by", "currency", "priority", "ship_to_name", "ship_to_phone",
           "ship_to_email", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_postcode",
           "ship_to_country", "requested_delivery_date", "notes", "submitted_by", "source_batch",
           "source_message")
