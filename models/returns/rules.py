"""Return approval: which returns are approved at once and which go to a person, and why. Pure.

Every rule that fires sends the return to the ops review queue with its figures; a return no rule stops is
approved automatically. Requests that can never be valid (nothing delivered, more than delivered) are refused
before the rules by the caller, with a validation error.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from models.core.texts import Joined, Text

REASONS = ("damaged", "defective", "wrong_item", "not_as_described", "no_longer_needed", "other")
RESOLUTIONS = ("refund", "exchange")
RULE_CODES = ("window", "refund_amount", "reason", "return_rate", "final_sale", "already_returned")
APPROVE, REVIEW = "approve", "review"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ReturnSettings:
    enabled: frozenset[str] = frozenset(RULE_CODES)
    window_days: int = 30  # days after delivery, inclusive
    max_auto_refund: Decimal = Decimal("1000.00")  # in the order's currency; above it a person decides
    auto_approve_reasons: frozenset[str] = frozenset({"damaged", "defective", "wrong_item"})
    max_return_rate: Decimal = Decimal("0.30")  # returns per delivered order; strictly above it a person decides
    return_rate_min_orders: int = 5  # fewer delivered orders than this are too few to judge a rate
    refund_on_approval_below: Decimal = Decimal("0.00")  # refunds strictly below are paid on approval; 0 = never

    def __post_init__(self) -> None:
        object.__setattr__(self, "enabled", frozenset(self.enabled))
        object.__setattr__(self, "auto_approve_reasons", frozenset(self.auto_approve_reasons))
        problems = {}
        if self.enabled - set(RULE_CODES):
            unknown = sorted(map(str, self.enabled - set(RULE_CODES)))
            problems["enabled"] = f"unknown rules {unknown}; known: {', '.join(RULE_CODES)}"
        if self.auto_approve_reasons - set(REASONS):
            problems["auto_approve_reasons"] = f"unknown reasons; known: {', '.join(REASONS)}"
        for name in ("window_days", "return_rate_min_orders"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
                problems[name] = "a whole number from 0 to 3650"
        for name in ("max_auto_refund", "refund_on_approval_below"):
            value = getattr(self, name)
            if not _whole_cents(value):
                problems[name] = "an amount of 0 or more with at most 2 decimals"
        rate = self.max_return_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 1:
            problems["max_return_rate"] = "a share from 0 to 1, e.g. 0.30"
        if problems:
            raise ValueError("; ".join(f"{k}: {v}" for k, v in problems.items()))

    def to_document(self) -> dict:
        return {"enabled": sorted(self.enabled), "window_days": self.window_days,
                "max_auto_refund": str(self.max_auto_refund), "auto_approve_reasons": sorted(self.auto_approve_reasons),
                "max_return_rate": str(self.max_return_rate), "return_rate_min_orders": self.return_rate_min_orders,
                "refund_on_approval_below": str(self.refund_on_approval_below)}

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ReturnSettings:
        """Settings from a stored or submitted document; a bad value raises ValueError naming its field."""
        def money(name: str) -> Decimal:
            try:
                return Decimal(str(document[name]))
            except (InvalidOperation, KeyError) as exc:
                raise ValueError(f"{name}: an amount such as 1000.00") from exc

        def number(name: str) -> int:
            value = document.get(name)
            try:
                if isinstance(value, bool) or not isinstance(value, int | str):  # int(30.9) would be 30
                    raise TypeError
                return int(value)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{name}: a whole number") from exc

        def names(name: str, default: tuple[str, ...]) -> frozenset[str]:
            value = document.get(name, default)
            if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
                raise ValueError(f"{name}: a list of names")
            return frozenset(value)

        return cls(enabled=names("enabled", RULE_CODES), window_days=number("window_days"),
                   max_auto_refund=money("max_auto_refund"),
                   auto_approve_reasons=names("auto_approve_reasons", ()),
                   max_return_rate=money("max_return_rate"), return_rate_min_orders=number("return_rate_min_orders"),
                   refund_on_approval_below=money("refund_on_approval_below"))


def _whole_cents(value: object) -> bool:
    try:
        return (isinstance(value, Decimal) and value.is_finite() and value >= 0
                and value == value.quantize(CENT))
    except InvalidOperation:  # more digits than the decimal context holds (1E+30): not an amount
        return False


DEFAULT_SETTINGS = ReturnSettings()


@dataclass(frozen=True)
class LineFacts:
    sku: str
    quantity: int  # asked to return now
    final_sale: bool = False
    returned_before: int = 0  # units of this line in earlier (not rejected) returns


@dataclass(frozen=True)
class ReturnFacts:
    reason: str
    resolution: str
    requested_at: datetime  # naive UTC
    delivered_at: datetime  # naive UTC: when the order's last shipment was delivered
    refund_amount: Decimal  # value of the returned units, in the order's currency
    currency: str
    lines: tuple[LineFacts, ...]
    customer_delivered_orders: int = 0
    customer_returns: int = 0  # earlier returns of the customer, not counting this one


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    numbers: dict
    text: Text | None = None  # the message as its template and values, for pages in other languages

    @classmethod
    def of(cls, code: str, text: Text, numbers: dict) -> Reason:
        return cls(code, str(text), numbers, text)


@dataclass(frozen=True)
class ReturnDecision:
    outcome: str  # approve or review
    reasons: tuple[Reason, ...]
    refund_on_approval: bool  # pay the refund as soon as the return is approved

    def reasons_document(self) -> list[dict]:
        return [{"code": r.code, "message": r.message, "numbers": r.numbers} for r in self.reasons]

    def stored_reasons(self) -> list[dict]:
        """``reasons_document`` with each message's template and values beside it, as the return keeps them."""
        return [{**document, **({} if reason.text is None else {"text": reason.text.as_json()})}
                for document, reason in zip(self.reasons_document(), self.reasons, strict=True)]


def decide_return(facts: ReturnFacts, settings: ReturnSettings = DEFAULT_SETTINGS) -> ReturnDecision:
    """Approve, or send to review with every rule that fired."""
    fired = [reason for rule in _RULES if rule.__name__.removeprefix("_") in settings.enabled
             for reason in [rule(facts, settings)] if reason is not None]
    outcome = REVIEW if fired else APPROVE
    early = (facts.resolution == "refund" and settings.refund_on_approval_below > 0
             and facts.refund_amount < settings.refund_on_approval_below)
    return ReturnDecision(outcome=outcome, reasons=tuple(fired), refund_on_approval=early)


def _window(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    age = facts.requested_at - facts.delivered_at
    if age <= timedelta(days=settings.window_days):
        return None
    days = -(-age // timedelta(days=1))  # whole days begun: 30 days and 1 second is day 31, past a 30-day window
    return Reason.of("window", Text("requested %(days)s days after delivery; the return window is %(window)s days",
                                    days=days, window=settings.window_days),
                     {"days_since_delivery": days, "window_days": settings.window_days})


def _refund_amount(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    if facts.refund_amount <= settings.max_auto_refund:
        return None
    return Reason.of("refund_amount", Text("value %(amount)s %(currency)s is above the automatic limit %(limit)s",
                                           amount=str(facts.refund_amount), currency=facts.currency,
                                           limit=str(settings.max_auto_refund)),
                     {"refund_amount": str(facts.refund_amount), "max_auto_refund": str(settings.max_auto_refund)})


def _reason(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    if facts.reason in settings.auto_approve_reasons:
        return None
    allowed = ", ".join(sorted(settings.auto_approve_reasons)) or Text("none")
    # the reason as the pages name it (portal.domain_words.RETURN_REASONS)
    return Reason.of("reason", Text("reason %(reason)s is not approved automatically (automatic: %(allowed)s)",
                                    reason=Text(facts.reason.replace("_", " ")), allowed=allowed),
                     {"reason": facts.reason})


def _return_rate(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    orders = facts.customer_delivered_orders
    if orders < settings.return_rate_min_orders or orders == 0:
        return None
    # compared exactly: a rounded rate would let 30001 of 100000 (0.30001) pass a 0.30 limit
    if Decimal(facts.customer_returns) <= settings.max_return_rate * orders:
        return None
    rate = (Decimal(facts.customer_returns) / Decimal(orders)).quantize(Decimal("0.0001"))
    return Reason.of("return_rate", Text("the customer returned %(returns)s of %(orders)s delivered orders "
                                         "(%(rate)s), above %(limit)s", returns=facts.customer_returns, orders=orders,
                                         rate=format(rate, ".0%"), limit=format(settings.max_return_rate, ".0%")),
                     {"returns": facts.customer_returns, "delivered_orders": orders, "rate": str(rate),
                      "max_return_rate": str(settings.max_return_rate)})


def _final_sale(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    skus = sorted({line.sku for line in facts.lines if line.final_sale})
    if not skus:
        return None
    return Reason.of("final_sale", Text("final-sale SKU %(skus)s", skus=", ".join(skus)), {"skus": skus})


def _already_returned(facts: ReturnFacts, settings: ReturnSettings) -> Reason | None:
    again = {line.sku: line.returned_before for line in facts.lines if line.returned_before > 0}
    if not again:
        return None
    listed = Joined([Text("%(sku)s (%(units)s already)", sku=sku, units=units) for sku, units in sorted(again.items())],
                    ", ")
    return Reason.of("already_returned", Text("units of these lines were returned before: %(listed)s", listed=listed),
                     {"returned_before": again})


_RULES = (_window, _refund_amount, _reason, _return_rate, _final_sale, _already_returned)
