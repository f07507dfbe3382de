"""Order review: pure rules from an order's facts to approve, hold or reject with every reason that fired."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from models.core.audit_reasons import ALL_CHECKS_PASSED
from models.core.texts import N_, Joined, Text
from models.pricing.rules import PriceResolution, allowed_minimum
from models.review.settings import (
    DEFAULT_SETTINGS,
    RULE_CODES,
    CreditOverride,
    RuleSettings,
    money_text,
)

__all__ = [
    "APPROVE",
    "CREDIT_HOLD_CODES",
    "CREDIT_ROLES",
    "DEFAULT_SETTINGS",
    "HOLD",
    "HOLD_DECIDERS",
    "OTHER_HOLD_ROLES",
    "REJECT",
    "RULE_CODES",
    "CreditOverride",
    "GroupCreditFacts",
    "LineFacts",
    "LinePriceFacts",
    "PRICE_HOLD_CODES",
    "PRICE_ROLES",
    "RecentOrder",
    "ReviewDecision",
    "ReviewFacts",
    "ReviewReason",
    "RuleSettings",
    "may_release",
    "review_order",
]

APPROVE, HOLD, REJECT = "approve", "hold", "reject"
CREDIT_ROLES = ("credit_controller", "ops_admin")  # may release credit-type holds
# Pricing authority is commercial, not credit: a price below the price book is accepted by sales or an admin.
PRICE_ROLES = ("sales_manager", "ops_admin")
OTHER_HOLD_ROLES = ("ops_admin", "ops_agent", "credit_controller")  # may release the other holds
HOLD_DECIDERS = (*OTHER_HOLD_ROLES, "sales_manager")  # every role that may decide some hold
# need CREDIT_ROLES to release; exchange_rate: a limit could not be checked for want of a rate
CREDIT_HOLD_CODES = frozenset({"credit_limit", "overdue", "amount_senior", "distributor_limit", "exchange_rate"})
PRICE_HOLD_CODES = frozenset({"price"})  # need PRICE_ROLES to release
_REJECT_CODES = frozenset({"customer_blocked"})


@dataclass(frozen=True)
class LineFacts:
    line_no: int
    sku: str
    quantity: int
    matched: bool  # the SKU is in the catalogue
    fillable: int | None  # units all warehouses + incoming could ever supply; None = unlimited (drop-ship)
    backorder_allowed: bool


@dataclass(frozen=True)
class LinePriceFacts:
    """A catalogue line's price as given and as the price book resolves it (both on the order's tax basis)."""

    line_no: int
    sku: str
    given: Decimal | None  # None: the submitter gave no price
    resolution: PriceResolution | None  # None: no contract, list or catalogue price applies
    currency: str = ""


@dataclass(frozen=True)
class GroupCreditFacts:
    """The credit of the distributor whose group (itself and the customers it serves) the order's customer is in,
    in the distributor's currency at the review day's rates."""

    distributor_code: str
    limit: Decimal  # the distributor's group credit limit
    currency: str
    exposure: Decimal  # the whole group's, excluding this order
    order_total: Decimal | None  # this order, converted; None when a rate is missing
    rates: Mapping[str, str] = field(default_factory=dict)  # currency -> units per base unit, as used
    missing_rates: tuple[str, ...] = ()  # "no exchange rate for … on or before …"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))


@dataclass(frozen=True)
class RecentOrder:
    order_id: int
    external_ref: str
    placed_at: datetime
    lines: frozenset[tuple[str, int]]  # (sku, quantity) pairs
    intake_scope: str = ""  # who submitted it (models.intake.rules): a reference repeats only within one scope


@dataclass(frozen=True)
class ReviewFacts:
    order_id: int
    external_ref: str
    placed_at: datetime
    order_total: Decimal
    currency: str
    customer_code: str
    customer_blocked: bool
    credit_limit: Decimal | None  # None: no limit
    outstanding_balance: Decimal  # open receivables
    open_orders_value: Decimal  # this customer's approved, not yet invoiced orders, excluding this one
    oldest_overdue_days: int  # of the oldest unpaid invoice; 0 when none is past due
    overdue_amount: Decimal
    customer_allows_backorders: bool
    lines: tuple[LineFacts, ...]
    ship_to_missing: tuple[str, ...]  # required ship-to fields that are empty
    ship_to_region: str
    region_served: bool  # some warehouse lane serves ship_to_region
    recent_orders: tuple[RecentOrder, ...] = ()  # the customer's other live orders placed around this one
    now: datetime | None = None  # for override expiry; None means placed_at
    intake_scope: str = ""  # who submitted this order
    price_lines: tuple[LinePriceFacts, ...] = ()  # the catalogue lines' given and resolved prices
    # The credit limit's currency (the customer's); outstanding_balance and open_orders_value are in it, converted
    # at the review day's rates. "" = the order's currency, nothing converted.
    credit_currency: str = ""
    order_total_in_credit_currency: Decimal | None = None  # None: order_total (same currency, or no rate)
    base_currency: str = ""  # what the rates are per unit of
    exchange_rates: Mapping[str, str] = field(default_factory=dict)  # currency -> units per base unit, as used
    missing_rates: tuple[str, ...] = ()  # "no exchange rate for … on or before …", one per currency
    group: GroupCreditFacts | None = None  # the distributor's group cap that applies, if any


@dataclass(frozen=True)
class ReviewReason:
    code: str
    message: str  # one plain sentence for ops, numbers included
    numbers: Mapping[str, str] = field(default_factory=dict)  # the figures behind the message
    release_roles: tuple[str, ...] = OTHER_HOLD_ROLES
    text: Text | None = None  # the message as a template and its values, for a page in the reader's language

    def __post_init__(self) -> None:
        object.__setattr__(self, "numbers", MappingProxyType(dict(self.numbers)))
        object.__setattr__(self, "release_roles", tuple(self.release_roles))

    def as_document(self) -> dict:
        document = {"code": self.code, "message": self.message, "numbers": dict(self.numbers),
                    "release_roles": list(self.release_roles)}
        if self.text is not None:
            document["text"] = self.text.as_json()
        return document


@dataclass(frozen=True)
class ReviewDecision:
    outcome: str
    reasons: tuple[ReviewReason, ...] = ()

    def summary(self) -> str:
        return "; ".join(f"{r.code}: {r.message}" for r in self.reasons) or ALL_CHECKS_PASSED

    @property
    def release_roles(self) -> tuple[str, ...]:
        """The roles allowed to release every reason at once."""
        return tuple(role for role in HOLD_DECIDERS if all(role in r.release_roles for r in self.reasons))

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def as_document(self) -> dict:
        return {"outcome": self.outcome, "reasons": [r.as_document() for r in self.reasons],
                "release_roles": list(self.release_roles)}


def review_order(facts: ReviewFacts, settings: RuleSettings = DEFAULT_SETTINGS) -> ReviewDecision:
    """Run every enabled rule; reject if a reject reason fired, hold if any reason fired, else approve."""
    reasons = tuple(reason for name, rule in _RULES if name in settings.enabled
                    if (reason := rule(facts, settings)) is not None)
    if any(reason.code in _REJECT_CODES for reason in reasons):
        return ReviewDecision(REJECT, reasons)
    return ReviewDecision(HOLD if reasons else APPROVE, reasons)


def may_release(decision_codes: Iterable[str], role: str) -> bool:
    """Whether `role` may release an order held for all of these reason codes."""
    return all(role in _release_roles(code) for code in decision_codes) and role in HOLD_DECIDERS


def _release_roles(code: str) -> tuple[str, ...]:
    if code in CREDIT_HOLD_CODES:
        return CREDIT_ROLES
    return PRICE_ROLES if code in PRICE_HOLD_CODES else OTHER_HOLD_ROLES


def _clock(facts: ReviewFacts) -> datetime:
    return facts.placed_at if facts.now is None else facts.now


def _reason(code: str, text: Text, numbers: Mapping[str, str] | None = None) -> ReviewReason:
    return ReviewReason(code, str(text), numbers or {}, _release_roles(code), text)


_AND = N_(" and ")  # between the exposures a missing rate leaves unchecked
# A sentence made of parts alone (joined, nothing around them): nothing of its own to translate, so not extracted.
_PARTS_ALONE = "%(parts)s"


def _joined(parts: Iterable[object], separator: str = "; ") -> Text:
    return Text(_PARTS_ALONE, parts=Joined(parts, separator))


def _customer_blocked(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    if not facts.customer_blocked:
        return None
    return _reason("customer_blocked", Text("customer %(customer)s is blocked", customer=facts.customer_code))


def _credit_limit(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    override = settings.override_for(facts.customer_code, _clock(facts))
    if override is not None and override.bypass:
        return None
    temporary = override is not None and override.temporary_limit is not None
    limit = override.temporary_limit if temporary else facts.credit_limit
    if limit is None or facts.missing_rates:  # without a rate the exposure is unknown: exchange_rate holds it
        return None
    currency = facts.credit_currency or facts.currency
    order_total = facts.order_total if facts.order_total_in_credit_currency is None \
        else facts.order_total_in_credit_currency
    exposure = facts.outstanding_balance + facts.open_orders_value + order_total
    if exposure <= limit:
        return None
    numbers = {"exposure": money_text(exposure), "outstanding": money_text(facts.outstanding_balance),
               "open_orders": money_text(facts.open_orders_value), "order_total": money_text(order_total),
               "limit": money_text(limit), "over_by": money_text(exposure - limit), "currency": currency,
               **_rate_numbers(facts.base_currency, facts.exchange_rates)}
    which = Text("the credit limit %(limit)s %(currency)s", limit=numbers["limit"], currency=currency)
    if temporary and override.expires_at is not None:
        which = Text("the temporary limit %(limit)s %(currency)s until %(until)s UTC", limit=numbers["limit"],
                     currency=currency, until=override.expires_at.isoformat(sep=" ", timespec="minutes"))
    elif temporary:
        which = Text("the temporary limit %(limit)s %(currency)s", limit=numbers["limit"], currency=currency)
    exceeds = Text("exposure %(exposure)s %(currency)s (outstanding %(outstanding)s + open orders %(open_orders)s"
                   " + this order %(order_total)s) exceeds %(limit)s by %(over_by)s %(currency)s",
                   exposure=numbers["exposure"], currency=currency, outstanding=numbers["outstanding"],
                   open_orders=numbers["open_orders"], order_total=numbers["order_total"], limit=which,
                   over_by=numbers["over_by"])
    return _reason("credit_limit", _with_rates(exceeds, facts.base_currency, facts.exchange_rates), numbers)


def _exchange_rate(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    """A limit applies but the exposure cannot be put in its currency: hold rather than guess a rate."""
    override = settings.override_for(facts.customer_code, _clock(facts))
    if override is not None and override.bypass:
        return None
    wanted: list[tuple[Text, tuple[str, ...]]] = []
    limited = facts.credit_limit is not None or (override is not None and override.temporary_limit is not None)
    if limited and facts.missing_rates:
        wanted.append((Text("the exposure of %(customer)s in %(currency)s", customer=facts.customer_code,
                            currency=facts.credit_currency or facts.currency), facts.missing_rates))
    group = facts.group
    if group is not None and group.missing_rates and not _group_bypassed(facts, settings):
        wanted.append((Text("the group exposure of distributor %(distributor)s in %(currency)s",
                            distributor=group.distributor_code, currency=group.currency), group.missing_rates))
    if not wanted:
        return None
    missing = list(dict.fromkeys(message for _, messages in wanted for message in messages))
    numbers = {"missing": "; ".join(missing), "base_currency": facts.base_currency}
    return _reason("exchange_rate", Text("%(missing)s: %(what)s cannot be checked against its limit",
                                         missing=Joined([_missing_rate(message) for message in missing], "; "),
                                         what=Joined([what for what, _ in wanted], _AND)), numbers)


def _missing_rate(message: str) -> Text | str:
    """models.currency.rules.no_rate_message's sentence as its template with values; any other as written."""
    return getattr(message, "text", message)


def _distributor_limit(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    """The customers a distributor serves (and the distributor) together over the distributor's group limit."""
    group = facts.group
    if group is None or group.missing_rates or group.order_total is None or _group_bypassed(facts, settings):
        return None
    exposure = group.exposure + group.order_total
    if exposure <= group.limit:
        return None
    numbers = {"distributor": group.distributor_code, "group_exposure": money_text(group.exposure),
               "order_total": money_text(group.order_total), "exposure": money_text(exposure),
               "limit": money_text(group.limit), "over_by": money_text(exposure - group.limit),
               "currency": group.currency, **_rate_numbers(facts.base_currency, group.rates)}
    exceeds = Text("exposure %(exposure)s %(currency)s of distributor %(distributor)s and the customers it serves"
                   " (%(group_exposure)s + this order %(order_total)s) exceeds the group credit limit %(limit)s"
                   " %(currency)s by %(over_by)s %(currency)s", exposure=numbers["exposure"], currency=group.currency,
                   distributor=group.distributor_code, group_exposure=numbers["group_exposure"],
                   order_total=numbers["order_total"], limit=numbers["limit"], over_by=numbers["over_by"])
    return _reason("distributor_limit", _with_rates(exceeds, facts.base_currency, group.rates), numbers)


def _group_bypassed(facts: ReviewFacts, settings: RuleSettings) -> bool:
    override = settings.override_for(facts.group.distributor_code, _clock(facts)) if facts.group else None
    return override is not None and override.bypass


def _rate_numbers(base: str, rates: Mapping[str, str]) -> dict[str, str]:
    if not rates:
        return {}
    return {"base_currency": base, **{f"rate_{currency}": rate for currency, rate in sorted(rates.items())}}


def _with_rates(sentence: Text, base: str, rates: Mapping[str, str]) -> Text:
    """``sentence``, then the rates it was converted at ("; at HKD 8.5, USD 1.1 per EUR"), if any."""
    if not rates:
        return sentence
    return _joined([sentence, Text("at %(rates)s per %(base)s", base=base,
                                   rates=[f"{currency} {rate}" for currency, rate in sorted(rates.items())])])


def _overdue(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    override = settings.override_for(facts.customer_code, _clock(facts))
    if override is not None and override.bypass:
        return None
    if facts.oldest_overdue_days <= settings.overdue_grace_days:
        return None
    numbers = {"overdue_amount": money_text(facts.overdue_amount), "days_past_due": str(facts.oldest_overdue_days),
               "grace_days": str(settings.overdue_grace_days)}
    return _reason("overdue", Text("the oldest unpaid invoice is %(days)s days past due, more than the %(grace)s days"
                                   " allowed; %(amount)s is overdue", days=facts.oldest_overdue_days,
                                   grace=settings.overdue_grace_days, amount=numbers["overdue_amount"]), numbers)


def _amount(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    for code, threshold, sentence in (
            ("amount_senior", settings.amount_senior_threshold,
             N_("order total %(order_total)s is above the senior review threshold %(threshold)s")),
            ("amount", settings.amount_hold_threshold,
             N_("order total %(order_total)s is above the review threshold %(threshold)s"))):
        if threshold is not None and facts.order_total > threshold:
            numbers = {"order_total": money_text(facts.order_total), "threshold": money_text(threshold)}
            return _reason(code, Text(sentence, **numbers), numbers)
    return None


def _stock(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    # a backorder is only acceptable when both the customer and the SKU accept waiting for stock
    short = [line for line in facts.lines
             if line.matched and line.fillable is not None and line.fillable < line.quantity
             and not (facts.customer_allows_backorders and line.backorder_allowed)]
    if not short:
        return None
    parts, numbers = [], {}
    for line in short:
        shortfall = line.quantity - line.fillable
        parts.append(Text("line %(line_no)s %(sku)s: %(ordered)s ordered, at most %(fillable)s can be supplied,"
                          " short %(shortfall)s", line_no=line.line_no, sku=line.sku, ordered=line.quantity,
                          fillable=line.fillable, shortfall=shortfall))
        numbers.update({f"line_{line.line_no}_ordered": str(line.quantity),
                        f"line_{line.line_no}_fillable": str(line.fillable),
                        f"line_{line.line_no}_shortfall": str(shortfall)})
    return _reason("stock", Text("not enough stock for %(lines)s", lines=Joined(parts, "; ")), numbers)


# models.review.facts.REQUIRED_SHIP_TO: the field names read as words on a page in another language
_SHIP_TO_FIELDS = {name: Text(name) for name in (N_("ship_to_name"), N_("ship_to_address"), N_("ship_to_city"),
                                                 N_("ship_to_region"), N_("ship_to_country"))}


def _ship_to(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    if facts.ship_to_missing:
        return _reason("ship_to_incomplete", Text("the ship-to address is missing %(fields)s", fields=[
            _SHIP_TO_FIELDS.get(name, name) for name in facts.ship_to_missing]))
    if not facts.region_served:
        return _reason("ship_to_undeliverable", Text("no warehouse ships to region %(region)s",
                                                     region=facts.ship_to_region))
    return None


def _duplicate(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    lines = frozenset((line.sku, line.quantity) for line in facts.lines)
    window = timedelta(minutes=settings.duplicate_window_minutes)
    # A repeated external_ref from the same submitter is a resend, which intake answers with the existing order;
    # the same reference from another submitter (ops keying what the distributor also sent) is a twin.
    twins = sorted((r for r in facts.recent_orders
                    if r.order_id != facts.order_id
                    and (r.external_ref, r.intake_scope) != (facts.external_ref, facts.intake_scope)
                    and r.lines == lines and abs(r.placed_at - facts.placed_at) <= window),
                   key=lambda r: (r.placed_at, r.order_id))
    if not twins:
        return None
    named = [Text("order %(order)s (%(reference)s)", order=r.order_id, reference=r.external_ref) for r in twins]
    numbers = {"window_minutes": str(settings.duplicate_window_minutes),
               "duplicate_of": ", ".join(str(r.order_id) for r in twins)}
    return _reason("suspected_duplicate", Text("the same lines as %(orders)s, placed within %(minutes)s minutes of"
                                               " this order", orders=named,
                                               minutes=settings.duplicate_window_minutes), numbers)


def _unknown_sku(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    skus = list(dict.fromkeys(line.sku for line in facts.lines if not line.matched))
    if not skus:
        return None
    return _reason("unknown_sku", Text("SKU not in the catalogue: %(skus)s", skus=skus))


def _price(facts: ReviewFacts, settings: RuleSettings) -> ReviewReason | None:
    """A given price below the lowest the price book allows, or a line nobody priced."""
    parts, numbers = [], {}
    for line in facts.price_lines:
        key = f"line_{line.line_no}"
        if line.resolution is None:
            if line.given is None:
                parts.append(Text("line %(line_no)s %(sku)s: no price given and no price for %(sku)s in"
                                  " %(currency)s", line_no=line.line_no, sku=line.sku,
                                  currency=line.currency or facts.currency))
                numbers.update({f"{key}_sku": line.sku, f"{key}_given": "", f"{key}_resolved": ""})
            continue
        if line.given is None:
            continue
        lowest = allowed_minimum(line.resolution, settings.price_tolerance_percent)
        if line.given >= lowest:
            continue
        given, resolved, lowest = money_text(line.given), money_text(line.resolution.price), money_text(lowest)
        parts.append(Text("line %(line_no)s %(sku)s: given %(given)s, resolved %(resolved)s (%(explanation)s),"
                          " lowest allowed %(lowest)s", line_no=line.line_no, sku=line.sku, given=given,
                          resolved=resolved, explanation=_explanation(line.resolution), lowest=lowest))
        numbers.update({f"{key}_sku": line.sku, f"{key}_given": given, f"{key}_resolved": resolved,
                        f"{key}_allowed_minimum": lowest, f"{key}_explanation": str(line.resolution.explanation)})
    if not parts:
        return None
    return _reason("price", _joined(parts), numbers)


def _explanation(resolution: PriceResolution) -> Text | str:
    """How the price book resolved the price, as a template when pricing kept one, else its English."""
    return getattr(resolution, "explanation_text", resolution.explanation)


_RULES: tuple[tuple[str, Callable[[ReviewFacts, RuleSettings], ReviewReason | None]], ...] = (
    ("customer_blocked", _customer_blocked),
    ("credit_limit", _credit_limit),
    ("credit_limit", _distributor_limit),  # the same switch: both weigh exposure against a credit limit
    ("credit_limit", _exchange_rate),
    ("overdue", _overdue),
    ("amount", _amount),
    ("stock", _stock),
    ("ship_to", _ship_to),
    ("duplicate", _duplicate),
    ("unknown_sku", _unknown_sku),
    ("price", _price),
)


def needs_own_exposure(settings: RuleSettings, *, customer_code: str, credit_limit: Decimal | None) -> bool:
    """Whether the credit rules read this buyer's own exposure: only against its limit or a temporary one (the
    exchange-rate rule too runs under ``credit_limit``). A distributor group's cap reads the group's exposure."""
    return "credit_limit" in settings.enabled and (credit_limit is not None or customer_code in settings.overrides)


def weighs_credit(settings: RuleSettings, *, customer_code: str, credit_limit: Decimal | None,
                  group_credit_limit: Decimal | None) -> bool:
    """Whether reviewing this partner's orders weighs exposure against a limit (its own, a temporary one, or as a
    distributor its group's): only then must two reviews of its orders run one after the other."""
    return (needs_own_exposure(settings, customer_code=customer_code, credit_limit=credit_limit)
            or ("credit_limit" in settings.enabled and group_credit_limit is not None))
