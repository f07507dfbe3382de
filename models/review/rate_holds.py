"""Orders held because an exchange rate was missing go back to review once rates are set: the hold was for want of
a figure, not a decision anyone has to take."""
from __future__ import annotations

from models.core.db import database
from models.core.stages import REVIEW
from models.core.texts import N_
from models.core.transitions import transition
from models.orders.states import ORDER_ON_HOLD, ORDER_REVIEWING
from models.review.hold_decisions import held_orders

MAX_RECHECKED = 5000  # a sweep's worth; a rate set again later sends the rest
RATES_RECHECK = N_("exchange rates set: credit re-checked")  # fixed words: the portal's catalogue has them


def recheck_rate_holds(*, actor: str) -> list[int]:
    """Send the orders whose latest review held them for a missing exchange rate back to review (they may hold
    again if a rate is still missing); the ids sent back."""
    with database.atomic():
        held = [order.id for order in held_orders("exchange_rate").limit(MAX_RECHECKED)]
        back = [order_id for order_id in held
                if transition("order", order_id, ORDER_REVIEWING, actor=actor,
                              reason=RATES_RECHECK, expected=ORDER_ON_HOLD)]
        if back:
            REVIEW.nudge(back)
    return back
