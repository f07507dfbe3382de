"""The supplier's mail when one of its purchase orders is sent, changed or cancelled, or its counter-proposal is
decided; sent after the change is committed (see SUPPLIER_MAILS)."""
from __future__ import annotations

import logging

from models.core.audit import StatusChange
from models.core.config import Settings
from models.core.mailer import send_mail
from models.partners.tables import Partner
from models.supply.documents import PurchaseOrderDocument, purchase_order_document
from models.supply.tables import PurchaseOrder

logger = logging.getLogger(__name__)

SUBJECTS = {
    "sent": "New purchase order {number} from {company}",
    "changed": "Purchase order {number} was changed (revision {revision})",
    "cancelled": "Purchase order {number} is cancelled",
    "counter_accepted": "Your proposal for purchase order {number} is accepted",
    "counter_rejected": "Your proposal for purchase order {number} is not accepted",
}
COMPANY = "Relay OMS"


def mail_purchase_order_update(purchase_order_id: int, event: str, settings: Settings) -> bool:
    """Mail the supplier what ``event`` means for the purchase order; False when there is no one to tell.

    Delivery is at least once (a redelivered message mails again): a lost mail would be worse. An SMTP failure
    is raised so that the actor retries."""
    if event not in SUBJECTS:
        logger.warning("no supplier mail for event %r (purchase order %s)", event, purchase_order_id)
        return False
    purchase = PurchaseOrder.get_or_none(PurchaseOrder.id == purchase_order_id)
    if purchase is None:
        return False
    supplier = Partner.get_by_id(purchase.supplier_id)
    if not supplier.email:
        return False
    subject, body = purchase_order_mail_text(purchase, event, settings)
    send_mail(settings, supplier.email, subject, body)
    return True


def purchase_order_mail_text(purchase: PurchaseOrder, event: str, settings: Settings) -> tuple[str, str]:
    """The subject and plain-text body of the supplier's mail about ``event``."""
    document = purchase_order_document(purchase.id)
    link = portal_link(purchase.number, settings)
    lines = [f"Hello {document.supplier_name},", "", *_news(purchase, document, event), ""]
    lines += _order_lines(document)
    lines += ["", "Deliver to:", f"  {document.deliver_to.name}", *[f"  {part}" for part in document.deliver_to.address]]
    if document.deliver_to.reference:
        lines.append(f"  ({document.deliver_to.reference})")
    if document.note:
        lines += ["", "Note:", document.note]
    lines += ["", f"See the purchase order, confirm it or announce a delivery: {link}",
              "", f"Questions? Reply to this e-mail or write to {settings.mail_from}."]
    subject = SUBJECTS[event].format(number=purchase.number, revision=purchase.revision, company=COMPANY)
    return subject, "\n".join(lines) + "\n"


def portal_link(number: str, settings: Settings) -> str:
    return f"{settings.portal_url}/supplier/purchase-orders/{number}"


def _news(purchase: PurchaseOrder, document: PurchaseOrderDocument, event: str) -> list[str]:
    number = purchase.number
    if event == "sent":
        news = [f"Please find our purchase order {number} below."]
        if document.confirm_by:
            news.append(f"Please confirm each line (quantity and delivery date) by "
                        f"{document.confirm_by:%Y-%m-%d %H:%M} UTC.")
        return news
    if event == "changed":
        return [f"We changed purchase order {number}; this is revision {purchase.revision}.",
                "Your earlier confirmation no longer applies: please confirm the order again."]
    if event == "cancelled":
        return [f"We cancelled purchase order {number}. Please do not ship it.",
                f"Reason: {_last_reason(purchase) or 'not given'}"]
    if event == "counter_accepted":
        return [f"We accept your proposal for purchase order {number}: the quantities and dates below are "
                "now confirmed."]
    return [f"We cannot accept your proposal for purchase order {number}.",
            f"Reason: {_last_reason(purchase) or 'not given'}",
            "Please answer the order again as it stands."]


def _order_lines(document: PurchaseOrderDocument) -> list[str]:
    lines = ["Lines:"]
    for line in document.lines:
        text = f"  {line.sku} {line.name}: {line.quantity} × {line.unit_price:.2f} {document.currency}"
        if line.confirmed_quantity is not None:
            text += f"; confirmed {line.confirmed_quantity}"
        if line.promised_date:
            text += f" by {line.promised_date:%Y-%m-%d}"
        lines.append(text)
    if document.expected_at:
        lines.append(f"Requested delivery date: {document.expected_at:%Y-%m-%d}")
    return lines


def _last_reason(purchase: PurchaseOrder) -> str:
    """Why the order was last moved (e.g. cancelled), as ops wrote it."""
    if purchase.status_reason:
        return purchase.status_reason.removeprefix("counter-proposal rejected: ")
    change = StatusChange.trail("purchase_order", purchase.id).order_by(StatusChange.at.desc(),
                                                                        StatusChange.id.desc()).first()
    return change.reason if change else ""
