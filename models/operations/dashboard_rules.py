"""What each role's home dashboard asks for, and the pure sums behind it: which holds a role may decide, where
today starts. Pure: no framework imports."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from models.review.rules import CREDIT_HOLD_CODES, CREDIT_ROLES, may_release

OPS_DESK = ("ops_admin", "ops_agent")

# Role -> the "needs my action" items it sees, in order (keys of ACTION_TITLES).
ROLE_ACTIONS = {
    "ops_admin": ("holds", "dead_letters", "stuck", "returns_to_decide", "returns_to_inspect",
                  "suggestions_to_order", "draft_purchase_orders", "overdue_customers"),
    "ops_agent": ("holds", "dead_letters", "stuck", "returns_to_decide", "returns_to_inspect",
                  "suggestions_to_order", "draft_purchase_orders"),
    "credit_controller": ("credit_holds", "overdue_customers"),
    "sales_manager": ("holds",),  # the price holds: pricing authority is commercial
    "distributor": ("my_on_hold", "my_backordered", "my_returns_to_send"),
}
ACTION_TITLES = {
    "holds": "Holds you may decide",
    "credit_holds": "Credit holds to decide",
    "dead_letters": "Dead letters",
    "stuck": "Stuck work",
    "returns_to_decide": "Returns to decide",
    "returns_to_inspect": "Returns to inspect",
    "suggestions_to_order": "Replenishment suggestions to order",
    "draft_purchase_orders": "Draft purchase orders to send",
    "overdue_customers": "Customers with overdue invoices",
    "my_on_hold": "Your orders on hold",
    "my_backordered": "Your orders on backorder",
    "my_returns_to_send": "Returns approved: send the goods back",
}


@dataclass(frozen=True)
class HoldGroup:
    """On-hold orders sharing the newest review's outcome and reason codes (" code1 code2 ", or none)."""
    codes: str | None
    outcome: str | None
    count: int

    @property
    def code_tuple(self) -> tuple[str, ...]:
        # Only a review that held the order explains the hold; otherwise a person put it on hold.
        return tuple((self.codes or "").split()) if self.outcome == "hold" else ()


@dataclass(frozen=True)
class ActionItem:
    key: str
    title: str
    count: int | None  # None: not known here (the source is not installed)


@dataclass(frozen=True)
class TodayFigures:
    received: int
    shipped: int
    revenue: dict[str, Decimal] = field(default_factory=dict)  # currency -> total of the orders shipped today
    open_holds: int = 0


def day_start(now: datetime) -> datetime:
    """Midnight UTC of ``now``'s day (naive UTC, as the database keeps times)."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def may_decide_hold(codes: tuple[str, ...], role: str) -> bool:
    """As models.review.hold_decisions.check_may_decide: a hold without codes needs a credit role."""
    return may_release(codes, role) if codes else role in CREDIT_ROLES


def decidable_holds(groups: Iterable[HoldGroup], role: str) -> int:
    """How many of the on-hold orders ``role`` may decide."""
    return sum(group.count for group in groups if may_decide_hold(group.code_tuple, role))


def credit_holds(groups: Iterable[HoldGroup], role: str) -> int:
    """On-hold orders held for a credit reason (or by hand) that ``role`` may decide."""
    return sum(group.count for group in groups
               if (not group.code_tuple or CREDIT_HOLD_CODES & set(group.code_tuple))
               and may_decide_hold(group.code_tuple, role))


def action_items(role: str, counts: dict[str, int | None]) -> list[ActionItem]:
    """The role's items in order, each with its count (None when ``counts`` lacks it)."""
    return [ActionItem(key, ACTION_TITLES[key], counts.get(key)) for key in ROLE_ACTIONS.get(role, ())]


def shows_today(role: str) -> bool:
    """Today's figures are the business's as a whole: for ops roles only."""
    return role in (*OPS_DESK, "credit_controller")
