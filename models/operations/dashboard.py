"""The home dashboard's figures: what needs the user's action now and today's figures, each a fixed number of
indexed queries (open statuses, the audit trail by status reached and time, open invoices per customer)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.base import utc_now
from models.operations.dashboard_rules import (
    ROLE_ACTIONS,
    ActionItem,
    HoldGroup,
    TodayFigures,
    action_items,
    credit_holds,
    day_start,
    decidable_holds,
    shows_today,
)
from models.operations.stuck_work import stuck_count
from models.orders.states import (
    ORDER_BACKORDERED,
    ORDER_ON_HOLD,
    ORDER_RECEIVED,
    ORDER_SHIPPED,
)
from models.orders.tables import Order
from models.partners.access import visible_orders
from models.partners.tables import Partner
from models.planning.tables import ReplenishmentSuggestion
from models.receivables.ledger import Invoice
from models.returns.lists import REVIEW, returns_for_ops, returns_visible_to
from models.returns.states import RETURN_APPROVED, RETURN_LABEL_ISSUED, RETURN_RECEIVED
from models.returns.tables import ReturnRequest
from models.review.reviews import OrderReview
from models.supply.states import PO_DRAFT
from models.supply.tables import PurchaseOrder


@dataclass(frozen=True)
class Dashboard:
    actions: list[ActionItem]
    today: TodayFigures | None


def dashboard_for(user, *, stuck_after: timedelta, now: datetime | None = None) -> Dashboard:
    """The dashboard of ``user`` (role, partner_id, is_ops): only the figures its role shows are loaded."""
    now = now or utc_now()
    wanted = ROLE_ACTIONS.get(user.role, ())
    loaders: dict[str, Callable[[], int | None]] = {
        "dead_letters": dead_letter_count,
        "stuck": lambda: stuck_count(stuck_after, now=now),
        "returns_to_decide": lambda: returns_for_ops(REVIEW).count(),
        "returns_to_inspect": lambda: ReturnRequest.select().where(ReturnRequest.status == RETURN_RECEIVED).count(),
        "suggestions_to_order": suggestions_to_order,
        "draft_purchase_orders": lambda: PurchaseOrder.select().where(PurchaseOrder.status == PO_DRAFT).count(),
        "overdue_customers": lambda: overdue_customers(now),
        "my_on_hold": lambda: visible_orders(user, Order.id).where(Order.status == ORDER_ON_HOLD).count(),
        "my_backordered": lambda: visible_orders(user, Order.id).where(Order.status == ORDER_BACKORDERED).count(),
        "my_returns_to_send": lambda: sum(returns_visible_to(user, status).count()
                                          for status in (RETURN_APPROVED, RETURN_LABEL_ISSUED)),
    }
    counts: dict[str, int | None] = {key: loaders[key]() for key in wanted if key in loaders}
    if {"holds", "credit_holds"} & set(wanted):
        groups = hold_groups()
        counts["holds"] = decidable_holds(groups, user.role)
        counts["credit_holds"] = credit_holds(groups, user.role)
    return Dashboard(actions=action_items(user.role, counts),
                     today=today_figures(now) if shows_today(user.role) else None)


def hold_groups() -> list[HoldGroup]:
    """On-hold orders counted by their newest review's outcome and codes (one query on the open-status index)."""
    review, newest = OrderReview.alias(), OrderReview.alias()
    latest = newest.select(peewee.fn.MAX(newest.id)).where(newest.order == Order.id)
    rows = (Order.select(review.codes, review.outcome, peewee.fn.COUNT(Order.id))
            .join(review, peewee.JOIN.LEFT_OUTER, on=((review.order == Order.id) & (review.id == latest)))
            .where(Order.status == ORDER_ON_HOLD)
            .group_by(review.codes, review.outcome).tuples())
    return [HoldGroup(codes, outcome, count) for codes, outcome, count in rows]


def dead_letter_count() -> int | None:
    """Open dead letters, or None where the dead-letter store is not part of this installation."""
    try:
        from models.operations.dead_letters import open_count
    except ImportError:
        return None
    return open_count()


def suggestions_to_order() -> int:
    quantity = peewee.fn.COALESCE(ReplenishmentSuggestion.edited_quantity, ReplenishmentSuggestion.suggested_quantity)
    return ReplenishmentSuggestion.select().where(ReplenishmentSuggestion.status == "open", quantity > 0).count()


def overdue_customers(now: datetime) -> int:
    """Customers with an open invoice past due: one index probe per customer on (customer, status, due_on)."""
    overdue = Invoice.select(Invoice.id).where(Invoice.customer == Partner.id, Invoice.status == "open",
                                               Invoice.due_on < now.date())
    return Partner.select().where(peewee.fn.EXISTS(overdue)).count()


def today_figures(now: datetime) -> TodayFigures:
    """Orders received and shipped since midnight UTC, revenue shipped per currency and open holds.

    Received and shipped come from the audit trail's (entity, to_status, at) index; an order shipped twice in
    a day (a waybill cancelled and booked again) counts once."""
    start = day_start(now)
    reached = StatusChange.select(StatusChange.entity_id).where(
        StatusChange.entity == "order", StatusChange.at >= start)
    received = reached.where(StatusChange.to_status == ORDER_RECEIVED).count()
    shipped_ids = reached.where(StatusChange.to_status == ORDER_SHIPPED)
    shipped, revenue = 0, {}
    for currency, count, total in (Order.select(Order.currency, peewee.fn.COUNT(Order.id), peewee.fn.SUM(Order.total))
                                   .where(Order.id.in_(shipped_ids)).group_by(Order.currency)
                                   .order_by(Order.currency).tuples()):
        shipped += count
        revenue[currency] = Decimal(str(total or 0)).quantize(Decimal("0.01"))
    open_holds = Order.select().where(Order.status == ORDER_ON_HOLD).count()
    return TodayFigures(received=received, shipped=shipped, revenue=revenue, open_holds=open_holds)
