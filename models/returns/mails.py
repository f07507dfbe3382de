"""The customer's mail at each step of a return, sent after the step is committed (see RETURN_MAILS)."""
from __future__ import annotations

import logging
from decimal import Decimal
from urllib.parse import quote, urlencode

from models.core.config import Settings
from models.core.mailer import send_mail
from models.orders.tables import Order, OrderLine
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_CLOSED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
    RETURN_REJECTED,
    RETURN_REQUESTED,
)
from models.returns.tables import Refund, ReturnLabel, ReturnLine, ReturnRequest

logger = logging.getLogger(__name__)

SUBJECTS = {
    RETURN_REQUESTED: "We received your return request for order {ref}",
    RETURN_APPROVED: "Your return for order {ref} is approved",
    RETURN_REJECTED: "Your return for order {ref} was not accepted",
    RETURN_LABEL_ISSUED: "Your return label for order {ref}",
    RETURN_IN_TRANSIT: "Your return for order {ref} is on its way to us",
    RETURN_RECEIVED: "Your returned items for order {ref} have arrived",
    RETURN_INSPECTED: "Your returned items for order {ref} have been checked",
    RETURN_CLOSED: "Your return for order {ref} is complete",
}
REFUND_METHODS = {"credit_note": "as a credit note on your account", "payout": "paid back to you"}


def mail_return_update(return_id: int, status: str, settings: Settings) -> bool:
    """Mail the customer what ``status`` means for their return; False when there is no one to tell.

    Delivery is at least once (a redelivered message mails again): a lost mail would be worse.
    An SMTP failure is raised so that the actor retries.
    """
    if status not in SUBJECTS:
        logger.warning("no return mail for status %r (return %s)", status, return_id)
        return False
    request = (ReturnRequest.select(ReturnRequest, Order).join(Order, on=(ReturnRequest.order == Order.id))
               .where(ReturnRequest.id == return_id).first())
    if request is None or not request.order.ship_to_email:
        return False
    subject, body = return_mail_text(request, status, settings)
    send_mail(settings, request.order.ship_to_email, subject, body)
    return True


def return_mail_text(request: ReturnRequest, status: str, settings: Settings) -> tuple[str, str]:
    """The subject and plain-text body of the mail for one step of a return."""
    order = request.order
    ref = order.external_ref
    lines = [f"Hello {order.ship_to_name},", "", *_news(request, status), "", f"Return number: R{request.id}",
             "Items:"]
    lines += [f"  {line.order_line.sku} × {line.quantity}" for line in
              ReturnLine.select(ReturnLine, OrderLine).join(OrderLine)
              .where(ReturnLine.return_request == request.id).order_by(OrderLine.line_no)]
    lines += ["", f"Follow your order and its return on our tracking page: {track_link(order, settings)}",
              "", f"Questions? Reply to this e-mail or write to {settings.mail_from}."]
    one_line_ref = " ".join(ref.split())  # a header may not hold a line break
    return SUBJECTS[status].format(ref=one_line_ref), "\n".join(lines) + "\n"


def track_link(order: Order, settings: Settings) -> str:
    """The public tracking page for the order, filled in with its postcode (or e-mail when it has none)."""
    check = {"postcode": order.ship_to_postcode} if order.ship_to_postcode else {"email": order.ship_to_email}
    return f"{settings.portal_url}/track?" + urlencode({"order": order.external_ref, **check}, quote_via=quote)


def _news(request: ReturnRequest, status: str) -> list[str]:
    ref = request.order.external_ref
    what = "an exchange" if request.resolution == "exchange" else "a refund"
    if status == RETURN_REQUESTED:
        return [(f"We received your request to return items of order {ref} for {what}. "
                 "We will review it and let you know by e-mail.")]
    if status == RETURN_APPROVED:
        return [(f"Your return for order {ref} ({what}) is approved. Your return label will be e-mailed to you "
                 "shortly; please pack the items and attach the label to the parcel.")]
    if status == RETURN_REJECTED:
        return [f"We are sorry: your return for order {ref} was not accepted.",
                f"Reason: {request.decision_note or 'not given'}"]
    if status == RETURN_LABEL_ISSUED:
        label = ReturnLabel.get_or_none(ReturnLabel.return_request == request.id)
        news = [f"Your return label for order {ref} is ready."]
        if label is not None and label.waybill_number:
            news.append(f"Return tracking number: {label.waybill_number} ({label.carrier})")
        if label is not None and label.tracking_url:
            news.append(f"Your label and its tracking: {label.tracking_url}")
        return news
    if status == RETURN_IN_TRANSIT:
        return [f"Your returned parcel for order {ref} is on its way back to us."]
    if status == RETURN_RECEIVED:
        return [f"Your returned items for order {ref} have arrived at our warehouse. We will check them shortly."]
    if status == RETURN_INSPECTED:
        return [f"We have checked your returned items for order {ref}; your {what} is being completed."]
    return _closing(request)


def _closing(request: ReturnRequest) -> list[str]:
    ref = request.order.external_ref
    if request.resolution == "exchange":
        replacement = (Order.select(Order.external_ref).where(Order.id == request.replacement_order_id).scalar()
                       if request.replacement_order_id else None)
        if replacement:
            return [(f"Your exchange for order {ref} is complete: your replacement is order {replacement}, "
                     "which you can follow on our tracking page too.")]
        return [f"Your exchange for order {ref} is complete."]
    refund = Refund.get_or_none(Refund.return_request == request.id)
    if refund is None:
        return [f"Your return for order {ref} is complete; no refund was due."]
    how = REFUND_METHODS.get(refund.method, f"by {refund.method.replace('_', ' ')}")
    amount = f"{Decimal(str(refund.amount)):.2f} {refund.currency}"
    return [f"Your return for order {ref} is complete: {amount} is refunded {how}.",
            f"Refund reference: {refund.reference}"]
