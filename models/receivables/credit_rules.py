"""The credit desk's reading of a customer's position: exposure, headroom and the warnings ops see.
Pure: standard library only."""
from __future__ import annotations

from decimal import Decimal

from models.core.text_messages import TextMessage
from models.core.texts import N_, Text

BLOCKED, OVER_LIMIT, OVERDUE = "blocked", "over_limit", "overdue"
FLAG_LABELS = {BLOCKED: N_("blocked"), OVER_LIMIT: N_("over credit limit"), OVERDUE: N_("overdue invoices")}


def exposure(outstanding: Decimal, open_orders: Decimal) -> Decimal:
    """What review weighs against the limit before a new order: open receivables plus approved, not yet
    invoiced orders (models.review.rules._credit_limit adds the order under review on top)."""
    return outstanding + open_orders


def headroom(credit_limit: Decimal | None, exposure_now: Decimal) -> Decimal | None:
    """How much more the customer may owe before review holds its orders; None without a limit."""
    return None if credit_limit is None else credit_limit - exposure_now


def is_over_limit(credit_limit: Decimal | None, exposure_now: Decimal) -> bool:
    return credit_limit is not None and exposure_now > credit_limit


def credit_flags(*, blocked: bool, credit_limit: Decimal | None, exposure_now: Decimal,
                 overdue_days: int) -> tuple[str, ...]:
    """The warnings on a customer, most serious first: blocked, over its limit, invoices past due."""
    flags = []
    if blocked:
        flags.append(BLOCKED)
    if is_over_limit(credit_limit, exposure_now):
        flags.append(OVER_LIMIT)
    if overdue_days > 0:
        flags.append(OVERDUE)
    return tuple(flags)


def entry_warning(code: str, flags: tuple[str, ...]) -> str:
    """What ops are told when they key an order for a flagged customer: what review will do with it (a
    TextMessage: the portal shows it in the reader's language)."""
    if not flags:
        return ""
    if BLOCKED in flags:
        outcome = N_("review rejects orders of a blocked customer unless the block is lifted first")
    else:
        outcome = N_("the order will be held for review until a credit controller or ops admin decides it")
    return TextMessage(Text("Credit warning for %(code)s (%(flags)s): %(outcome)s.", code=code,
                            flags=[Text(FLAG_LABELS[flag]) for flag in flags], outcome=Text(outcome)))
