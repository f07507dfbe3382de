"""The order pipeline steps: each loads one order by id, applies a rule, and persists the result with
the next stage's outbox row in one transaction. Every step is safe to run twice."""
from __future__ import annotations

from decimal import Decimal

from models.allocation.step import allocate  # noqa: F401 - the allocation stage's step
from models.core.db import database, lock_for_update
from models.core.stages import ALLOCATION, REVIEW, WAYBILLS
from models.core.transitions import transition
from models.inventory.tables import Product
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_ON_HOLD,
    ORDER_RECEIVED,
    ORDER_REJECTED,
    ORDER_REVIEWING,
)
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import Partner
from models.review.facts import load_review_facts
from models.review.reviews import current_rule_set, record_review
from models.review.rules import APPROVE, HOLD, review_order
from models.shipping.completion import ship_order_when_complete
from models.shipping.dispatch import waits_for_ops
from models.shipping.rules import service_level_for
from models.shipping.states import SHIPMENT_READY, WAYBILL_REQUESTED
from models.shipping.tables import Shipment, ShipmentLine, Waybill


def start_review(order_id: int, *, actor: str) -> bool:
    """received → reviewing, and nudge the review stage."""
    with database.atomic():
        if not transition("order", order_id, ORDER_REVIEWING, actor=actor, expected=ORDER_RECEIVED):
            return False
        REVIEW.nudge([order_id])
    return True


def review(order_id: int, *, actor: str) -> str | None:
    """Decide approve/hold/reject for an order in review under the rule set in force; returns the
    outcome, or None if the order is not in review."""
    with database.atomic():
        order = Order.locked(order_id)
        if order is None or order.status != ORDER_REVIEWING:
            return None
        # Locking the customer serializes reviews of one customer, so two orders cannot both
        # squeeze under the same credit limit.
        customer = lock_for_update(Partner.select().where(Partner.id == order.customer_id)).get()
        rule_set = current_rule_set()
        decision = review_order(load_review_facts(order, customer, rule_set.settings), rule_set.settings)
        record_review(order.id, decision, rule_set, actor=actor)
        target = {APPROVE: ORDER_APPROVED, HOLD: ORDER_ON_HOLD}.get(decision.outcome, ORDER_REJECTED)
        transition("order", order.id, target, actor=actor, reason=decision.summary(), expected=ORDER_REVIEWING)
        if target == ORDER_APPROVED:
            ALLOCATION.nudge([order.id])
    return decision.outcome


def create_shipments(order_id: int, *, actor: str) -> list[int]:
    """One shipment per warehouse holding active reservations; returns the shipments still needing a waybill."""
    with database.atomic():
        order = Order.locked(order_id)
        if order is None or order.status != ORDER_ALLOCATED:
            return []
        reservations = list(Reservation.select(Reservation, OrderLine, Product).join(OrderLine).join(Product)
                            .where(OrderLine.order == order.id, Reservation.status == "active"))
        by_warehouse: dict[int, list[Reservation]] = {}
        for reservation in reservations:
            by_warehouse.setdefault(reservation.warehouse_id, []).append(reservation)
        pending = []
        for warehouse_id, held in sorted(by_warehouse.items()):
            shipment, created = Shipment.get_or_create(
                order=order.id, warehouse=warehouse_id, wave=1,
                defaults={"service_level": service_level_for(order.priority)})
            if created:
                ShipmentLine.insert_many([{"shipment": shipment.id, "order_line": r.order_line_id,
                                           "quantity": r.quantity} for r in held]).execute()
                weight = sum((r.order_line.product.weight_kg * r.quantity for r in held), Decimal("0"))
                Shipment.update(weight_kg=weight).where(Shipment.id == shipment.id).execute()
            if shipment.status == SHIPMENT_READY and _awaits_waybill(shipment):
                pending.append(shipment.id)
        if pending:
            WAYBILLS.nudge(pending)
        else:  # e.g. a drop-ship purchase order ops closed after its supplier shipped part of it
            ship_order_when_complete(order, actor=actor)
    return pending


def _awaits_waybill(shipment: Shipment) -> bool:
    """No waybill issued yet, and not a shipment whose booking ops cancelled (it waits for them to book again)."""
    waybill_status = Waybill.select(Waybill.status).where(Waybill.shipment == shipment.id).scalar()
    if waybill_status is not None:
        return waybill_status == WAYBILL_REQUESTED
    return not waits_for_ops(shipment)
