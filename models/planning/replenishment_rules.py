"""Replenishment rules, pure: ABC classes by demand value, safety stock at a service level, the reorder point and
order-up-to level from the forecast over the supplier's lead time, the netted inventory position, the order
quantity rounded to the supplier's pack and minimum, and the sentence that explains it."""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TypeVar

from models.core.texts import Text

SKU_CLASSES = ("A", "B", "C")
DAYS_PER_WEEK = 7
Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class ReplenishmentFacts:
    """What is known of one SKU in one warehouse when its suggestion is computed."""

    weekly_forecast: tuple[float, ...]  # forecast units per week, from the current week on
    mean_weekly: float  # demand per week beyond the forecast's horizon
    weekly_std: float  # the forecast's back-test error per week (σ)
    lead_time_days: int
    on_hand: int
    reserved: int
    incoming: int  # open purchase orders and ASNs
    backordered: int  # units of backordered orders this warehouse serves
    pack_size: int = 1
    min_order: int = 0
    method: str = ""  # the forecast's method; "" when the series has no forecast yet


@dataclass(frozen=True)
class ReplenishmentPolicy:
    sku_class: str
    service_level: float  # 0.5 ≤ level < 1
    review_period_days: int


@dataclass(frozen=True)
class ReplenishmentAdvice:
    """Every figure of one suggestion, and the sentence naming them."""

    sku_class: str
    service_level: float
    lead_time_days: int
    review_period_days: int
    forecast_over_lead: float
    forecast_over_cycle: float  # over lead time + review period
    safety_stock: int
    reorder_point: int
    order_up_to: int
    position: int
    needed: int  # order_up_to − position when the position is at or below the reorder point, else 0
    suggested_quantity: int  # needed, at least the minimum order, rounded up to the pack
    explanation: str
    text: Text | None = None  # the explanation as its template and values, for pages in other languages


def classify_skus(values: Mapping[Key, float], *, a_share: float = 0.80,
                  b_share: float = 0.15) -> dict[Key, str]:
    """ABC class per key by its share of the total demand value: keys ranked by value, A while the value ranked
    before a key is under ``a_share`` of the total, B under ``a_share + b_share``, C after (and for no demand)."""
    total = sum(value for value in values.values() if value > 0)
    classes: dict[Key, str] = {}
    before = 0.0
    for key, value in sorted(values.items(), key=lambda item: (-item[1], str(item[0]))):
        if value <= 0 or total <= 0:
            classes[key] = "C"
            continue
        share = round(before / total, 9)  # 0.80 + 0.15 is 0.9500000000000001 in floats
        classes[key] = "A" if share < round(a_share, 9) else "B" if share < round(a_share + b_share, 9) else "C"
        before += value
    return classes


def z_score(service_level: float) -> float:
    """Standard normal quantile of the service level: the safety factor (1.645 at 95 %)."""
    if not 0 < service_level < 1:
        raise ValueError(f"service level must be between 0 and 1, not {service_level}")
    return NormalDist().inv_cdf(service_level)


def demand_over(weekly_forecast: Sequence[float], days: int, mean_weekly: float) -> float:
    """Forecast units over the next ``days``: whole weeks of the forecast, then the part of the next week; the
    weekly mean where the forecast's horizon ends."""
    def week(index: int) -> float:
        return max(0.0, float(weekly_forecast[index]) if index < len(weekly_forecast) else mean_weekly)

    weeks, rest = divmod(max(0, days), DAYS_PER_WEEK)
    return sum(week(index) for index in range(weeks)) + week(weeks) * rest / DAYS_PER_WEEK


def safety_stock(weekly_std: float, service_level: float, lead_time_days: int, review_period_days: int) -> float:
    """z(service level) · σ per week · √(lead time + review period in weeks); never negative."""
    weeks = (max(0, lead_time_days) + max(0, review_period_days)) / DAYS_PER_WEEK
    return max(0.0, z_score(service_level) * max(0.0, weekly_std) * math.sqrt(weeks))


def order_quantity(needed: int, *, pack_size: int, min_order: int) -> int:
    """``needed`` units raised to the minimum order and rounded up to whole packs; 0 when nothing is needed."""
    if needed <= 0:
        return 0
    pack = max(1, pack_size)
    return math.ceil(max(needed, min_order) / pack) * pack


def advise_replenishment(facts: ReplenishmentFacts, policy: ReplenishmentPolicy) -> ReplenishmentAdvice:
    """The suggestion for one SKU in one warehouse: order up to the order-up-to level when the inventory position
    (on hand − reserved + incoming − backorders) is at or below the reorder point, else nothing."""
    lead, review = max(0, facts.lead_time_days), max(0, policy.review_period_days)
    over_lead = demand_over(facts.weekly_forecast, lead, facts.mean_weekly)
    over_cycle = demand_over(facts.weekly_forecast, lead + review, facts.mean_weekly)
    safety = _whole(safety_stock(facts.weekly_std, policy.service_level, lead, review))
    reorder_point = _whole(over_lead) + safety
    order_up_to = _whole(over_cycle) + safety
    if reorder_point > 0:
        # one unit above a positive reorder point: an order always lifts the position above it, so the next
        # computation does not order the same units again
        order_up_to = max(order_up_to, reorder_point + 1)
    position = facts.on_hand - facts.reserved + facts.incoming - facts.backordered
    needed = max(0, order_up_to - position) if position <= reorder_point else 0
    suggested = order_quantity(needed, pack_size=facts.pack_size, min_order=facts.min_order)
    advice = ReplenishmentAdvice(
        sku_class=policy.sku_class, service_level=policy.service_level, lead_time_days=lead,
        review_period_days=review, forecast_over_lead=round(over_lead, 2), forecast_over_cycle=round(over_cycle, 2),
        safety_stock=safety, reorder_point=reorder_point, order_up_to=order_up_to, position=position,
        needed=needed, suggested_quantity=suggested, explanation="")
    text = explain_text(advice, facts)
    return ReplenishmentAdvice(**{**advice.__dict__, "explanation": str(text), "text": text})


def explain(advice: ReplenishmentAdvice, facts: ReplenishmentFacts) -> str:
    """The suggestion in one line: forecast, lead time, safety stock, the netting and the rounding."""
    return str(explain_text(advice, facts))


def explain_text(advice: ReplenishmentAdvice, facts: ReplenishmentFacts) -> Text:
    """``explain`` as its template and values."""
    lead, review = advice.lead_time_days, advice.review_period_days
    over_lead, over_cycle = format(advice.forecast_over_lead, ".1f"), format(advice.forecast_over_cycle, ".1f")
    if facts.method:
        forecast = Text("forecast %(over_lead)s over %(lead)s d lead, %(over_cycle)s over %(lead)s d lead + "
                        "%(review)s d review (%(method)s)", over_lead=over_lead, lead=lead, over_cycle=over_cycle,
                        review=review, method=facts.method)
    else:
        forecast = Text("no forecast yet: demand 0 over %(lead)s d lead + %(review)s d review", lead=lead,
                        review=review)
    safety = Text("safety stock %(units)s (class %(sku_class)s, %(level)s %%, σ %(std)s/wk)",
                  units=advice.safety_stock, sku_class=advice.sku_class, level=_percent(advice.service_level),
                  std=format(facts.weekly_std, ".1f"))
    netting = Text("on hand %(on_hand)s − reserved %(reserved)s + incoming %(incoming)s − backorders "
                   "%(backordered)s = %(position)s", on_hand=facts.on_hand, reserved=facts.reserved,
                   incoming=facts.incoming, backordered=facts.backordered, position=advice.position)
    if advice.position > advice.reorder_point:
        return Text("%(forecast)s; %(safety)s; %(netting)s > reorder point %(reorder_point)s → no order",
                    forecast=forecast, safety=safety, netting=netting, reorder_point=advice.reorder_point)
    values = {"level": advice.order_up_to, "needed": advice.needed, "minimum": facts.min_order,
              "pack": facts.pack_size, "quantity": advice.suggested_quantity}
    raised, packed = facts.min_order > advice.needed, facts.pack_size > 1
    if advice.needed and raised and packed:
        steps = Text("order up to %(level)s: %(needed)s, minimum order %(minimum)s, rounded to pack %(pack)s → "
                     "%(quantity)s", **values)
    elif advice.needed and raised:
        steps = Text("order up to %(level)s: %(needed)s, minimum order %(minimum)s → %(quantity)s", **values)
    elif advice.needed and packed:
        steps = Text("order up to %(level)s: %(needed)s, rounded to pack %(pack)s → %(quantity)s", **values)
    else:
        steps = Text("order up to %(level)s: %(needed)s", **values)
    return Text("%(forecast)s; %(safety)s; %(netting)s ≤ reorder point %(reorder_point)s → %(steps)s",
                forecast=forecast, safety=safety, netting=netting, reorder_point=advice.reorder_point, steps=steps)


def edited_quantity_kept(edited: int | None, suggested: int) -> int | None:
    """Ops' edited quantity survives a recomputation, unless nothing is to be ordered any more."""
    return None if suggested == 0 else edited


def _whole(units: float) -> int:
    """Whole units, rounded up (after dropping float noise: 28.000000001 is 28)."""
    return math.ceil(round(units, 6))


def _percent(level: float) -> str:
    return f"{level * 100:.2f}".rstrip("0").rstrip(".")
