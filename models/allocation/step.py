"""The allocation step: plan where an approved (or backordered) order ships from under the allocation
rules in force, reserve the plan's stock in one transaction, order drop-ship lines from their supplier,
and split what cannot ship yet into a linked backorder order when the policy ships what is available."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal

import peewee

from models.allocation.config import current_allocation_rules
from models.allocation.routing import RoutingContext, apply_routing
from models.allocation.rules import (
    AllocationPlan,
    LineDemand,
    SourceOption,
    plan_allocation,
)
from models.core.base import CENT, utc_now
from models.core.db import database, lock_for_update
from models.core.errors import StockMoved
from models.core.stages import SHIPPING
from models.core.transitions import record_creation, transition
from models.inventory.alerts import evaluate_alerts
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.orders.states import ORDER_ALLOCATED, ORDER_APPROVED, ORDER_BACKORDERED
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.states import PO_CANCELLED
from models.supply.tables import PurchaseOrder

ALLOCATABLE = (ORDER_APPROVED, ORDER_BACKORDERED)
# A supplier shipping straight to the customer costs more than our own lanes and is used when they cannot serve.
DROPSHIP_SHIPMENT_COST = Decimal("25.00")
DROPSHIP_DEFAULT_DAYS = 7
DROPSHIP_CONFIRM_WITHIN = timedelta(hours=24)
UNLIMITED = 10**9


def allocate(order_id: int, *, actor: str, attempts: int = 3,
             dropship_confirm_within: timedelta = DROPSHIP_CONFIRM_WITHIN) -> str | None:
    """Allocate the order; re-plan when stock moved between planning and reserving. A drop-ship supplier has
    ``dropship_confirm_within`` to confirm its purchase order (Settings.dropship_confirm_hours)."""
    for _ in range(attempts):
        try:
            return _allocate_once(order_id, actor=actor, confirm_within=dropship_confirm_within)
        except StockMoved:
            continue
    raise StockMoved(f"order {order_id}: stock kept moving while reserving; will retry")


def _allocate_once(order_id: int, *, actor: str, confirm_within: timedelta) -> str | None:
    with database.atomic():
        order = Order.locked(order_id)
        if order is None or order.status not in ALLOCATABLE:
            return None
        lines = list(OrderLine.select(OrderLine, Product).join(Product)
                     .where(OrderLine.order == order.id).order_by(OrderLine.line_no))
        customer_code = Partner.select(Partner.code).where(Partner.id == order.customer_id).scalar()
        rules = current_allocation_rules()
        settings = rules.settings
        policy = settings.policy_for(channel=order.channel, customer_code=customer_code)
        sources, stock_rows = _sources_for(order, lines)
        context = RoutingContext(channel=order.channel, priority=order.priority, region=order.ship_to_region,
                                 customer_code=customer_code, skus=frozenset(line.sku for line in lines),
                                 orders_today=_orders_today() if _uses_caps(settings.routing) else {})
        routed = apply_routing(settings.routing, context, sources, policy)
        demand = [LineDemand(line.id, line.product_id, line.quantity, line.sku) for line in lines]
        plan = None if routed.backorder else plan_allocation(demand, routed.sources, routed.policy)
        _keep_plan(order, plan, routed.notes, rules.version)
        if plan is None or plan.empty:
            why = "; ".join(routed.notes) if plan is None else plan.explanation
            if order.status == ORDER_APPROVED:
                transition("order", order.id, ORDER_BACKORDERED, actor=actor, reason=why[:2000],
                           expected=ORDER_APPROVED)
            return ORDER_BACKORDERED
        touched = _reserve(plan, stock_rows)
        _order_dropship(order, plan, actor=actor, confirm_within=confirm_within)
        if not plan.complete:
            _split_backorder(order, lines, plan, actor=actor)
        transition("order", order.id, ORDER_ALLOCATED, actor=actor, reason=plan.explanation[:2000],
                   expected=order.status)
        SHIPPING.nudge([order.id])
        _after_reserving(touched)
    return ORDER_ALLOCATED


def _sources_for(order: Order, lines: list[OrderLine]) -> tuple[list[SourceOption], dict]:
    """Warehouses with a lane to the order's region (their stock rows locked in id order) and the
    drop-ship suppliers of its SKUs."""
    lanes = list(Lane.select(Lane, Warehouse).join(Warehouse)
                 .where(Lane.region == order.ship_to_region, Warehouse.active == True))  # noqa: E712
    product_ids = sorted({line.product_id for line in lines})
    rows = list(lock_for_update(Stock.select().where(
        Stock.warehouse.in_([lane.warehouse_id for lane in lanes]), Stock.product.in_(product_ids))
        .order_by(Stock.id))) if lanes else []
    stock_rows = {(row.warehouse_id, row.product_id): row for row in rows}
    sources = [SourceOption(
        warehouse_id=lane.warehouse_id, warehouse_code=lane.warehouse.code, cost=lane.cost,
        lead_time_days=lane.lead_time_days,
        available={pid: stock_rows[(lane.warehouse_id, pid)].available
                   for pid in product_ids if (lane.warehouse_id, pid) in stock_rows},
    ) for lane in lanes]
    return sources + _dropship_sources(lines), stock_rows


def _dropship_sources(lines: list[OrderLine]) -> list[SourceOption]:
    by_supplier: dict[int, list[int]] = {}
    for line in lines:
        if line.product.dropship and line.product.supplier_id is not None:
            by_supplier.setdefault(line.product.supplier_id, []).append(line.product_id)
    if not by_supplier:
        return []
    suppliers = Partner.select().where(Partner.id.in_(list(by_supplier)))
    return [SourceOption(warehouse_id=None, warehouse_code=supplier.code, cost=DROPSHIP_SHIPMENT_COST,
                         lead_time_days=supplier.lead_time_days or DROPSHIP_DEFAULT_DAYS,
                         available={pid: UNLIMITED for pid in by_supplier[supplier.id]}, supplier_id=supplier.id)
            for supplier in suppliers]


def _reserve(plan: AllocationPlan, stock_rows: dict) -> list[int]:
    """Reserve every warehouse pick in stock-row order; StockMoved when a row no longer has the units."""
    picks = [pick for pick in plan.picks if pick.warehouse_id is not None]
    touched = []
    for pick in sorted(picks, key=lambda p: stock_rows[(p.warehouse_id, p.product_id)].id):
        stock = stock_rows[(pick.warehouse_id, pick.product_id)]
        reserved = (Stock.update(reserved=Stock.reserved + pick.quantity, updated_at=utc_now())
                    .where(Stock.id == stock.id, Stock.on_hand - Stock.reserved >= pick.quantity).execute())
        if not reserved:
            raise StockMoved(f"stock {stock.id} moved")
        Reservation.create(order_line=pick.line_id, warehouse=pick.warehouse_id, stock=stock.id,
                           quantity=pick.quantity)
        touched.append(stock.id)
    return touched


def _order_dropship(order: Order, plan: AllocationPlan, *, actor: str, confirm_within: timedelta) -> None:
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


def _split_backorder(order: Order, lines: list[OrderLine], plan: AllocationPlan, *, actor: str) -> Order:
    """Move the quantities the plan could not fill into a new linked order waiting in ``backordered``."""
    sequence = Order.select().where(Order.backorder_of == order.id).count() + 1
    child = Order.create(**{name: getattr(order, name) for name in _COPIED},
                         external_ref=f"{order.external_ref}/BO{sequence}"[:128], status=ORDER_BACKORDERED,
                         backorder_of=order.id, status_reason=f"backorder of order {order.id}")
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
                    reason=f"split from order {order.id}: units not available now")
    return child


_COPIED = ("channel", "intake_scope", "customer", "placed_by", "currency", "priority", "ship_to_name", "ship_to_phone",
           "ship_to_email", "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_postcode",
           "ship_to_country", "requested_delivery_date", "notes", "submitted_by", "source_batch",
           "source_message")


def _keep_plan(order: Order, plan: AllocationPlan | None, notes: tuple[str, ...], version: int) -> None:
    document = {"rule_set_version": version, "routing": list(notes), "planned_at": utc_now().isoformat() + "Z",
                "plan": plan.as_document() if plan is not None else None}
    Order.update(allocation_json=json.dumps(document)).where(Order.id == order.id).execute()


def _uses_caps(routing) -> bool:
    return any(rule.enabled and rule.action.daily_order_cap for rule in routing)


def _orders_today() -> dict[str, int]:
    """Orders that got a reservation today (UTC), per warehouse code."""
    midnight = datetime.combine(utc_now().date(), clock.min)
    rows = (Reservation.select(Warehouse.code, peewee.fn.COUNT(peewee.fn.DISTINCT(OrderLine.order)))
            .join(OrderLine).switch(Reservation).join(Warehouse)
            .where(Reservation.created_at >= midnight).group_by(Warehouse.code).tuples())
    return dict(rows)


def _after_reserving(stock_ids: list[int]) -> None:
    """Low-stock alerts for the rows this allocation drew down."""
    if stock_ids:
        evaluate_alerts(stock_ids)
