"""The refunds desk: payouts still to make and those already paid, with the bank reference each was marked paid
with; a page in three queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from models.core.audit import StatusChange
from models.core.base import CENT
from models.orders.tables import Order
from models.partners.tables import Partner
from models.returns.refunds import PAYOUT
from models.returns.tables import Refund, ReturnRequest

PAGE_SIZE = 50
PAYOUT_VIEWS = ("to_pay", "paid")


@dataclass(frozen=True)
class PayoutRow:
    id: int
    reference: str
    status: str
    amount: Decimal
    currency: str
    customer_code: str
    customer_name: str
    return_id: int
    order_id: int
    order_ref: str
    created_at: datetime
    paid_at: datetime | None = None
    paid_by: str = ""
    paid_note: str = ""  # "paid out, bank reference …"


def payouts(view: str, page: int = 1, *, limit: int | None = PAGE_SIZE) -> tuple[list[PayoutRow], bool]:
    """Payouts in ``view`` (to_pay: oldest first, what waits longest on top; paid: newest first), and whether more
    follow."""
    query = (Refund.select(Refund.id, Refund.reference, Refund.status, Refund.amount, Refund.currency,
                           Partner.code, Partner.name, Refund.return_request, Order.id, Order.external_ref,
                           Refund.created_at)
             .join_from(Refund, Partner).join_from(Refund, ReturnRequest).join_from(ReturnRequest, Order)
             .where(Refund.method == PAYOUT, Refund.status == view)
             .order_by(Refund.id if view == "to_pay" else Refund.id.desc()))
    if limit is not None:
        query = query.offset((max(page, 1) - 1) * limit).limit(limit + 1)
    rows = list(query.tuples())
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    paid = _paid_notes([row[0] for row in rows]) if view == "paid" else {}
    return [PayoutRow(id=row[0], reference=row[1], status=row[2], amount=Decimal(str(row[3])).quantize(CENT),
                      currency=row[4], customer_code=row[5], customer_name=row[6], return_id=row[7],
                      order_id=row[8], order_ref=row[9], created_at=row[10], **paid.get(row[0], {}))
            for row in rows], more


def _paid_notes(refund_ids: list[int]) -> dict[int, dict]:
    """When, by whom and with which bank reference each refund was marked paid (its audit row)."""
    if not refund_ids:
        return {}
    return {entity_id: {"paid_at": at, "paid_by": actor, "paid_note": reason}
            for entity_id, at, actor, reason in (StatusChange.select(StatusChange.entity_id, StatusChange.at,
                                                                     StatusChange.actor, StatusChange.reason)
                                                 .where(StatusChange.entity == "refund",
                                                        StatusChange.entity_id.in_(refund_ids),
                                                        StatusChange.to_status == "paid").tuples())}
