"""Asking for a return: checked against what was delivered, decided by the return rules, stored with its
decision in one transaction with the nudge that moves an approved return on."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.base import CENT, utc_now
from models.core.db import database, lock_for_update
from models.core.errors import NotFound, ValidationFailed
from models.core.stages import RETURN_MAILS, RETURNS
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import record_creation, transition
from models.inventory.tables import Lane, Product, Warehouse
from models.orders.states import ORDER_DELIVERED
from models.orders.tables import Order, OrderLine
from models.returns.refunds import issue_refund
from models.returns.rules import (
    APPROVE,
    LineFacts,
    ReturnDecision,
    ReturnFacts,
    decide_return,
)
from models.returns.settings import current_return_rules
from models.returns.states import RETURN_APPROVED, RETURN_REJECTED, RETURN_REQUESTED
from models.returns.tables import ReturnLine, ReturnRequest
from models.shipping.states import SHIPMENT_DELIVERED
from models.shipping.tables import Shipment, ShipmentLine

OPEN_RETURN = ReturnRequest.status != RETURN_REJECTED


@dataclass(frozen=True)
class RequestedLine:
    sku: str
    quantity: int
    exchange_sku: str | None = None


def request_return(order_id: int, *, resolution: str, reason: str, comment: str, lines: list[RequestedLine],
                   via: str, actor: str, now: datetime | None = None) -> ReturnRequest:
    """Check, decide and store a return; an approved one is nudged on in the same transaction.

    ValidationFailed names the field (``order_id``, ``lines[i].quantity``…) when the order was not delivered,
    a SKU is not on it, more units are asked than are still returnable, or an exchange SKU does not fit.
    """
    now = now or utc_now()
    with database.atomic():
        order = lock_for_update(Order.select().where(Order.id == order_id)).first()
        if order is None:
            raise NotFound(f"order {order_id} not found")
        if order.status != ORDER_DELIVERED:
            raise ValidationFailed({"order_id": [TextMessage(Text(
                "order %(ref)s is %(status)s: only delivered orders can be returned", ref=order.external_ref,
                status=Text(order.status)))]})
        chosen = _checked_lines(order, lines, resolution)
        rule_set, settings = current_return_rules()
        facts = _facts(order, chosen, resolution=resolution, reason=reason, now=now)
        decision = decide_return(facts, settings)
        request = ReturnRequest.create(
            order=order.id, customer=order.customer_id, resolution=resolution, reason=reason, comment=comment,
            decision="auto_approved" if decision.outcome == APPROVE else "manual",
            decision_reasons=json.dumps(decision.stored_reasons()), refund_amount=facts.refund_amount,
            currency=order.currency, rule_set_version=rule_set.version, requested_via=via, requested_by=actor,
            warehouse=_return_warehouse(order, chosen), decided_at=now if decision.outcome == APPROVE else None,
            decided_by="rules" if decision.outcome == APPROVE else "")
        ReturnLine.insert_many([
            {"return_request": request.id, "order_line": c.line.id, "quantity": c.quantity,
             "unit_price": c.line.unit_price, "exchange_product": c.exchange_product_id} for c in chosen
        ]).execute()
        record_creation("return", request.id, RETURN_REQUESTED, actor=actor, reason=f"{reason}: {resolution}")
        if decision.outcome == APPROVE:
            _approve(request.id, actor="rules", reason=_summary(decision), early_refund=decision.refund_on_approval)
        else:
            RETURN_MAILS.nudge(request.id, RETURN_REQUESTED)
    return ReturnRequest.get_by_id(request.id)


def approve_return(return_id: int, *, actor: str, note: str = "") -> bool:
    """A person approves a return from the review queue; False when it is not waiting for a decision."""
    with database.atomic():
        request = ReturnRequest.locked(return_id)
        if request is None:
            raise NotFound(f"return {return_id} not found")
        if request.status != RETURN_REQUESTED:
            return False
        _, settings = current_return_rules()
        early = (request.resolution == "refund" and settings.refund_on_approval_below > 0
                 and request.refund_amount < settings.refund_on_approval_below)
        (ReturnRequest.update(decision="approved", decided_by=actor, decided_at=utc_now(), decision_note=note)
         .where(ReturnRequest.id == return_id).execute())
        return _approve(return_id, actor=actor, reason=note or "approved by ops", early_refund=early)


def reject_return(return_id: int, *, actor: str, note: str) -> bool:
    """A person rejects a return; the note (required) tells the customer why."""
    if not note.strip():
        raise ValidationFailed({"note": [TextMessage(Text("say why the return is rejected"))]})
    with database.atomic():
        if ReturnRequest.get_or_none(ReturnRequest.id == return_id) is None:
            raise NotFound(f"return {return_id} not found")
        if not transition("return", return_id, RETURN_REJECTED, actor=actor, reason=note[:500],
                          expected=RETURN_REQUESTED):
            return False
        (ReturnRequest.update(decision="rejected", decided_by=actor, decided_at=utc_now(), decision_note=note)
         .where(ReturnRequest.id == return_id).execute())
        RETURN_MAILS.nudge(return_id, RETURN_REJECTED)
    return True


def _approve(return_id: int, *, actor: str, reason: str, early_refund: bool) -> bool:
    if not transition("return", return_id, RETURN_APPROVED, actor=actor, reason=reason[:500],
                      expected=RETURN_REQUESTED):
        return False
    RETURNS.nudge([return_id])
    RETURN_MAILS.nudge(return_id, RETURN_APPROVED)
    if early_refund:
        issue_refund(return_id, actor=actor)
    return True


def _return_warehouse(order: Order, chosen: list[_Chosen]) -> int | None:
    """Where the parcel goes back: the warehouse that shipped the returned units; for units a supplier drop-shipped,
    the active warehouse with the cheapest lane from the order's region (the OMS holds no supplier's address)."""
    shipped_from = next((c.warehouse_id for c in chosen if c.warehouse_id is not None), None)
    if shipped_from is not None:
        return shipped_from
    return (Lane.select(Lane.warehouse).join(Warehouse)
            .where(Lane.region == order.ship_to_region, Warehouse.active == True)  # noqa: E712
            .order_by(Lane.cost, Lane.warehouse).scalar())


def _summary(decision: ReturnDecision) -> str:
    return "approved by the return rules" if not decision.reasons else "; ".join(r.message for r in decision.reasons)


@dataclass(frozen=True)
class _Chosen:
    line: OrderLine
    quantity: int
    returned_before: int
    warehouse_id: int | None
    exchange_product_id: int | None
    final_sale: bool


def _checked_lines(order: Order, lines: list[RequestedLine], resolution: str) -> list[_Chosen]:
    order_lines = {line.sku: line for line in OrderLine.select(OrderLine, Product)
                   .join(Product, peewee.JOIN.LEFT_OUTER).where(OrderLine.order == order.id)}
    delivered = dict(ShipmentLine.select(ShipmentLine.order_line, peewee.fn.SUM(ShipmentLine.quantity))
                     .join(Shipment).where(Shipment.order == order.id, Shipment.status == SHIPMENT_DELIVERED)
                     .group_by(ShipmentLine.order_line).tuples())
    warehouses = dict(ShipmentLine.select(ShipmentLine.order_line, peewee.fn.MIN(Shipment.warehouse))
                      .join(Shipment).where(Shipment.order == order.id, Shipment.status == SHIPMENT_DELIVERED)
                      .group_by(ShipmentLine.order_line).tuples())
    before = dict(ReturnLine.select(ReturnLine.order_line, peewee.fn.SUM(ReturnLine.quantity))
                  .join(ReturnRequest).where(ReturnRequest.order == order.id, OPEN_RETURN)
                  .group_by(ReturnLine.order_line).tuples())
    errors: dict[str, list[str]] = {}
    chosen: list[_Chosen] = []
    seen: set[str] = set()
    for index, asked in enumerate(lines):
        where = f"lines[{index}]"
        line = order_lines.get(asked.sku)
        if line is None:
            errors[f"{where}.sku"] = [TextMessage(Text("%(sku)s is not on order %(ref)s", sku=asked.sku,
                                                       ref=order.external_ref))]
            continue
        if asked.sku in seen:
            errors[f"{where}.sku"] = [TextMessage(Text("%(sku)s is listed twice", sku=asked.sku))]
            continue
        seen.add(asked.sku)
        returned = int(before.get(line.id) or 0)
        left = int(delivered.get(line.id) or 0) - returned
        if asked.quantity > left:
            errors[f"{where}.quantity"] = [TextMessage(Text(
                "only %(left)s of %(delivered)s delivered units of %(sku)s can still be returned", left=max(left, 0),
                delivered=int(delivered.get(line.id) or 0), sku=asked.sku))]
            continue
        exchange_id = _exchange_product(asked, line, resolution, errors, where)
        chosen.append(_Chosen(line=line, quantity=asked.quantity, returned_before=returned,
                              warehouse_id=warehouses.get(line.id), exchange_product_id=exchange_id,
                              final_sale=bool(line.product and line.product.final_sale)))
    if errors:
        raise ValidationFailed(errors)
    return chosen


def _exchange_product(asked: RequestedLine, line: OrderLine, resolution: str, errors: dict, where: str) -> int | None:
    if asked.exchange_sku is None or asked.exchange_sku == asked.sku:
        return None
    if resolution != "exchange":
        errors[f"{where}.exchange_sku"] = [TextMessage(Text("only an exchange names a replacement SKU"))]
        return None
    product = Product.get_or_none(Product.sku == asked.exchange_sku, Product.active == True)  # noqa: E712
    if product is None:
        errors[f"{where}.exchange_sku"] = [TextMessage(Text("unknown SKU %(sku)s", sku=asked.exchange_sku))]
        return None
    if product.unit_price != line.unit_price:
        errors[f"{where}.exchange_sku"] = [TextMessage(Text(
            "%(sku)s costs %(price)s, not %(original)s: an exchange is for an item of equal price", sku=product.sku,
            price=product.unit_price, original=line.unit_price))]
        return None
    return product.id


def _facts(order: Order, chosen: list[_Chosen], *, resolution: str, reason: str, now: datetime) -> ReturnFacts:
    delivered_at = (StatusChange.select(peewee.fn.MAX(StatusChange.at))
                    .where(StatusChange.entity == "order", StatusChange.entity_id == order.id,
                           StatusChange.to_status == ORDER_DELIVERED).scalar()) or order.status_changed_at
    value = sum((c.line.unit_price * c.quantity for c in chosen), Decimal("0")).quantize(CENT)
    delivered_orders = Order.select().where(Order.customer == order.customer_id,
                                            Order.status == ORDER_DELIVERED).count()
    returns = ReturnRequest.select().where(ReturnRequest.customer == order.customer_id, OPEN_RETURN).count()
    return ReturnFacts(
        reason=reason, resolution=resolution, requested_at=now, delivered_at=delivered_at, refund_amount=value,
        currency=order.currency, customer_delivered_orders=delivered_orders, customer_returns=returns,
        lines=tuple(LineFacts(sku=c.line.sku, quantity=c.quantity, final_sale=c.final_sale,
                              returned_before=c.returned_before) for c in chosen))
