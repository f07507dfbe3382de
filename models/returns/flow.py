"""A return after approval: the replacement order, the parcel back, receipt and inspection at the warehouse,
then the refund or the exchange, and closing. Each step is a guarded transition, safe to run twice."""
from __future__ import annotations

from dataclasses import dataclass

from models.core.audit_reasons import PARCEL_RECEIVED, REPLACEMENT_ORDER, SETTLED, say
from models.core.base import utc_now
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.core.stages import RETURN_MAILS, RETURNS
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import transition
from models.inventory.moves import move_on_hand, quarantine
from models.inventory.tables import Product, Warehouse
from models.orders.tables import OrderLine
from models.returns.exchanges import create_exchange_order
from models.returns.refunds import issue_refund
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_CLOSED,
    RETURN_EXCHANGED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
    RETURN_REFUNDED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
)
from models.returns.tables import ReturnLine, ReturnRequest

CONDITIONS = ("resellable", "damaged", "defective")
RECEIVABLE = (RETURN_APPROVED, RETURN_LABEL_ISSUED, RETURN_IN_TRANSIT)


@dataclass(frozen=True)
class Inspected:
    line_id: int
    condition: str
    note: str = ""


def prepare_approved(return_id: int, *, actor: str) -> None:
    """What an approved return needs before its label: an exchange's replacement order (its stock is then
    reserved by the pipeline)."""
    request = ReturnRequest.get_or_none(ReturnRequest.id == return_id)
    if (request is not None and request.resolution == "exchange"
            and request.status not in (RETURN_REQUESTED, RETURN_REJECTED)):
        create_exchange_order(return_id, actor=actor)


def receive_return(return_id: int, *, actor: str) -> bool:
    """The parcel reached the warehouse; False if it was received already."""
    with database.atomic():
        status = ReturnRequest.select(ReturnRequest.status).where(ReturnRequest.id == return_id).scalar()
        if status is None:
            raise NotFound(f"return {return_id} not found")
        if status not in RECEIVABLE:
            return False
        if not transition("return", return_id, RETURN_RECEIVED, actor=actor, reason=PARCEL_RECEIVED,
                          expected=RECEIVABLE):
            return False
        RETURN_MAILS.nudge(return_id, RETURN_RECEIVED)
    return True


def inspect_return(return_id: int, inspected: list[Inspected], *, actor: str) -> bool:
    """Record each line's condition: resellable units go back on hand (waking backorders), damaged and
    defective ones into quarantine, defective ones charged to the SKU's supplier; then settle the return."""
    with database.atomic():
        request = ReturnRequest.locked(return_id)
        if request is None:
            raise NotFound(f"return {return_id} not found")
        if request.status != RETURN_RECEIVED:
            return False
        lines = {line.id: line for line in ReturnLine.select(ReturnLine, OrderLine, Product).join(OrderLine)
                 .join(Product).where(ReturnLine.return_request == return_id)}
        _check_inspection(lines, inspected)
        warehouse = Warehouse.get_by_id(request.warehouse_id)
        for item in sorted(inspected, key=lambda i: lines[i.line_id].order_line.product_id):
            line = lines[item.line_id]
            _put_away(line, item, warehouse, request, actor)
        transition("return", return_id, RETURN_INSPECTED, actor=actor, reason=_inspection_summary(lines, inspected))
        RETURNS.nudge([return_id])
        RETURN_MAILS.nudge(return_id, RETURN_INSPECTED)
    return True


def _check_inspection(lines: dict[int, ReturnLine], inspected: list[Inspected]) -> None:
    errors: dict[str, list[str]] = {}
    given = [item.line_id for item in inspected]
    for index, item in enumerate(inspected):
        if item.line_id not in lines:
            errors[f"lines[{index}].line_id"] = [TextMessage(Text("line %(line)s is not on this return",
                                                                  line=item.line_id))]
        elif given.count(item.line_id) > 1:
            errors[f"lines[{index}].line_id"] = [TextMessage(Text("line %(line)s is inspected twice",
                                                                  line=item.line_id))]
        if item.condition not in CONDITIONS:
            errors[f"lines[{index}].condition"] = [TextMessage(Text("one of %(choices)s",
                                                                    choices=", ".join(CONDITIONS)))]
    missing = sorted(set(lines) - set(given))
    if missing:
        errors["lines"] = [TextMessage(Text("every line needs a condition; missing line %(lines)s",
                                            lines=", ".join(map(str, missing))))]
    if errors:
        raise ValidationFailed(errors)


def _put_away(line: ReturnLine, item: Inspected, warehouse: Warehouse, request: ReturnRequest, actor: str) -> None:
    product = line.order_line.product
    supplier = product.supplier_id if item.condition == "defective" else None
    (ReturnLine.update(condition=item.condition, inspection_note=item.note, inspected_at=utc_now(),
                       supplier=supplier).where(ReturnLine.id == line.id).execute())
    if item.condition == "resellable":
        move_on_hand(warehouse, product, line.quantity, field=f"line {line.id}", kind="return",
                     reason_code="return", actor=actor, note=f"return {request.id}, resellable",
                     reference=f"RET-{request.id}")
        return
    quarantine(warehouse, product, line.quantity, actor=actor, note=f"return {request.id}, {item.condition}",
               reference=f"RET-{request.id}")


def _inspection_summary(lines: dict[int, ReturnLine], inspected: list[Inspected]) -> str:
    return ", ".join(f"{lines[i.line_id].order_line.sku} × {lines[i.line_id].quantity} {i.condition}"
                     for i in inspected)[:500]


def settle_return(return_id: int, *, actor: str) -> bool:
    """An inspected return is refunded (once) or exchanged, then closed."""
    with database.atomic():
        request = ReturnRequest.locked(return_id)
        if request is None or request.status != RETURN_INSPECTED:
            return False
        if request.resolution == "refund":
            refund = issue_refund(return_id, actor=actor)
            how = f"refund {refund.amount} {refund.currency} by {refund.method}" if refund else "nothing to refund"
            transition("return", return_id, RETURN_REFUNDED, actor=actor, reason=how, expected=RETURN_INSPECTED)
        else:
            # Normally made on approval; a parcel received before the worker got to it still gets its order.
            replacement = create_exchange_order(return_id, actor=actor)
            transition("return", return_id, RETURN_EXCHANGED, actor=actor,
                       reason=say(REPLACEMENT_ORDER, ref=replacement.external_ref), expected=RETURN_INSPECTED)
        transition("return", return_id, RETURN_CLOSED, actor=actor, reason=SETTLED)
        RETURN_MAILS.nudge(return_id, RETURN_CLOSED)
    return True
