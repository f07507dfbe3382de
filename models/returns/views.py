"""Reading returns: one return with its lines, decision, label, refund and history, and who may see it."""
from __future__ import annotations

from models.core.audit import StatusChange
from models.core.errors import NotFound
from models.orders.tables import Order, OrderLine
from models.partners.access import visible_orders
from models.returns.tables import Refund, ReturnLabel, ReturnLine, ReturnRequest


def visible_return(user, return_id: int) -> ReturnRequest:
    """The return if ``user`` may see its order (ops: all; a distributor: its book), else NotFound."""
    if not 0 < return_id < 2**31:  # no such id can exist (and a larger one cannot be bound)
        raise NotFound(f"return {return_id} not found")
    orders = visible_orders(user, Order.id)
    request = (ReturnRequest.select(ReturnRequest, Order).join(Order)
               .where(ReturnRequest.id == return_id, ReturnRequest.order.in_(orders)).first())
    if request is None:
        raise NotFound(f"return {return_id} not found")
    return request


def return_document(request: ReturnRequest) -> dict:
    """The return as the API and the pages show it."""
    lines = list(ReturnLine.select(ReturnLine, OrderLine).join(OrderLine)
                 .where(ReturnLine.return_request == request.id).order_by(OrderLine.line_no))
    label = ReturnLabel.get_or_none(ReturnLabel.return_request == request.id)
    refund = Refund.get_or_none(Refund.return_request == request.id)
    return {
        "id": request.id, "order_id": request.order_id, "order_ref": request.order.external_ref,
        "status": request.status, "resolution": request.resolution, "reason": request.reason,
        "comment": request.comment, "decision": request.decision, "reasons": request.reasons,
        "decision_note": request.decision_note, "decided_by": request.decided_by,
        "rule_set_version": request.rule_set_version, "refund_amount": str(request.refund_amount),
        "currency": request.currency, "replacement_order_id": request.replacement_order_id,
        "requested_via": request.requested_via, "created_at": _iso(request.created_at),
        "lines": [{"id": line.id, "sku": line.order_line.sku, "quantity": line.quantity,
                   "unit_price": str(line.unit_price), "exchange_product_id": line.exchange_product_id,
                   "condition": line.condition or None} for line in lines],
        "label": None if label is None else {"carrier": label.carrier, "status": label.status,
                                             "waybill_number": label.waybill_number,
                                             "tracking_url": label.tracking_url, "last_error": label.last_error},
        "refund": None if refund is None else {"id": refund.id, "amount": str(refund.amount),
                                               "currency": refund.currency, "method": refund.method,
                                               "reference": refund.reference, "status": refund.status},
        "history": [{"from_status": c.from_status, "to_status": c.to_status, "actor": c.actor, "reason": c.reason,
                     "at": _iso(c.at)} for c in StatusChange.trail("return", request.id)],
    }


def payouts_to_make(limit: int = 200) -> list[dict]:
    """Refunds to send back as money (their invoice was paid), oldest first."""
    rows = (Refund.select(Refund, ReturnRequest, Order).join(ReturnRequest).join(Order)
            .where(Refund.method == "payout", Refund.status == "to_pay").order_by(Refund.id).limit(limit))
    return [{"id": r.id, "reference": r.reference, "amount": str(r.amount), "currency": r.currency,
             "return_id": r.return_request_id, "order_ref": r.return_request.order.external_ref,
             "created_at": _iso(r.created_at)} for r in rows]


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds") + "Z"
