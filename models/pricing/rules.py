"""Price resolution: the price of an order line from a price book, and the words that explain it.

Pure: no database, web or queue. The chain, first price found wins: a contract price for the customer and SKU, then
the customer's own price lists, its distributor's, its customer group's, the catalogue list in the order currency,
and last the product's catalogue price (in its own currency, or converted when a converter is given). Within one
step of the chain the lowest price of the lists in force wins (ties: the list code), so two overlapping lists never
charge a customer more than either would alone.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from models.core.text_messages import TextMessage, field_problem
from models.core.texts import Text

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
APPLIES_TO = ("customer", "distributor", "group", "catalogue")  # the chain's order after contracts
Converter = Callable[[Decimal, str, str], "Decimal | None"]  # (amount, from currency, to currency) -> amount


@dataclass(frozen=True)
class PriceBreak:
    """From ``min_quantity`` units up: a fixed ``price``, or ``discount_percent`` off the list's base price."""

    min_quantity: int
    price: Decimal | None = None
    discount_percent: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.price is None) == (self.discount_percent is None):
            raise ValueError(TextMessage(Text("a price break has either a price or a discount_percent")))
        if self.min_quantity < 1:
            raise ValueError(field_problem("min_quantity", Text("must be 1 or more, got %(quantity)s",
                                                                quantity=self.min_quantity)))


@dataclass(frozen=True)
class PriceList:
    code: str
    currency: str
    applies_to: str  # one of APPLIES_TO
    party: str = ""  # the customer or distributor code, or the group name; "" for the catalogue
    name: str = ""
    valid_from: date | None = None  # inclusive; None = always
    valid_to: date | None = None  # inclusive; None = open ended
    base: str | None = None  # the code of the list this one discounts from, for SKUs it has no entry for
    discount_percent: Decimal = Decimal(0)  # off the base list's price
    entries: Mapping[str, tuple[PriceBreak, ...]] = field(default_factory=dict)  # by SKU
    tax_included: bool = False
    tolerance_percent: Decimal | None = None  # how far below this list's price a given price may be; None = default

    def __post_init__(self) -> None:
        if self.applies_to not in APPLIES_TO:
            raise ValueError(field_problem("applies_to", Text("one of %(choices)s, got %(value)s",
                                                              choices=", ".join(APPLIES_TO),
                                                              value=repr(self.applies_to))))
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError(TextMessage(Text("valid_to %(valid_to)s is before valid_from %(valid_from)s",
                                              valid_to=str(self.valid_to), valid_from=str(self.valid_from))))
        breaks = {sku: tuple(sorted(rows, key=lambda b: b.min_quantity)) for sku, rows in self.entries.items()}
        object.__setattr__(self, "entries", MappingProxyType(breaks))

    def in_force(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    @property
    def label(self) -> str:
        return str(self.label_text)

    @property
    def label_text(self) -> Text:
        if not self.name or self.name == self.code:
            return Text("list %(code)s", code=self.code)
        return Text("list %(code)s (%(name)s)", code=self.code, name=self.name)


@dataclass(frozen=True)
class ContractPrice:
    """A price agreed with one customer for one SKU, from ``min_quantity`` units, while in force."""

    customer: str
    sku: str
    currency: str
    price: Decimal
    reference: str = ""  # the contract's name, as the explanation quotes it
    min_quantity: int = 1
    valid_from: date | None = None
    valid_to: date | None = None
    tax_included: bool = False
    tolerance_percent: Decimal | None = None

    def applies(self, query: PriceQuery) -> bool:
        return (self.customer == query.customer and self.sku == query.sku and self.currency == query.currency
                and self.min_quantity <= query.quantity
                and (self.valid_from is None or self.valid_from <= query.day)
                and (self.valid_to is None or query.day <= self.valid_to))


@dataclass(frozen=True)
class PriceBook:
    lists: tuple[PriceList, ...] = ()
    contracts: tuple[ContractPrice, ...] = ()
    tolerance_percent: Decimal = Decimal(0)  # the default: any price below the resolved one holds

    def __post_init__(self) -> None:
        object.__setattr__(self, "lists", tuple(self.lists))
        object.__setattr__(self, "contracts", tuple(self.contracts))
        by_code: dict[str, PriceList] = {}
        by_party: dict[tuple[str, str, str], list[PriceList]] = {}
        by_buyer: dict[tuple[str, str, str], list[ContractPrice]] = {}
        breaks: dict[str, set[int]] = {}
        for price_list in self.lists:
            by_code.setdefault(price_list.code, price_list)  # the first of a code, as a scan of ``lists`` finds it
            by_party.setdefault((price_list.applies_to, price_list.party, price_list.currency), []).append(price_list)
            for sku, rows in price_list.entries.items():
                breaks.setdefault(sku, set()).update(row.min_quantity for row in rows)
        for contract in self.contracts:
            by_buyer.setdefault((contract.customer, contract.sku, contract.currency), []).append(contract)
            breaks.setdefault(contract.sku, set()).add(contract.min_quantity)
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_party", {key: tuple(found) for key, found in by_party.items()})
        object.__setattr__(self, "_by_buyer", {key: tuple(found) for key, found in by_buyer.items()})
        object.__setattr__(self, "_breaks", {sku: sorted(units) for sku, units in breaks.items()})

    def list_by_code(self, code: str) -> PriceList | None:
        return self._by_code.get(code)

    def lists_for(self, applies_to: str, party: str, currency: str) -> tuple[PriceList, ...]:
        """The lists of one step of the chain for one party in one currency, in the book's order."""
        return self._by_party.get((applies_to, party, currency), ())

    def contracts_for(self, customer: str, sku: str, currency: str) -> tuple[ContractPrice, ...]:
        """The contracts agreed with ``customer`` for ``sku`` in ``currency``, in the book's order."""
        return self._by_buyer.get((customer, sku, currency), ())

    def quantity_class(self, sku: str, quantity: int) -> int | None:
        """The largest quantity break of any list or contract for ``sku`` that ``quantity`` reaches (None: none).
        A quantity is only ever compared with these breaks, so all quantities of one class are priced alike."""
        breaks = self._breaks.get(sku, ())
        reached = bisect_right(breaks, quantity)
        return breaks[reached - 1] if reached else None


@dataclass(frozen=True)
class PriceQuery:
    sku: str
    quantity: int
    currency: str
    day: date
    customer: str  # partner code
    distributor: str = ""  # the customer's distributor code, "" when it buys direct
    customer_group: str = ""
    catalogue_price: Decimal | None = None  # the product's own price, the last step of the chain
    catalogue_currency: str = ""


@dataclass(frozen=True)
class PriceResolution:
    price: Decimal
    currency: str
    source: str  # "contract", one of APPLIES_TO, or "product"
    source_code: str  # the contract reference, list code or SKU
    given_explanation: str  # "contract DST-EAST 2026, break ≥ 100 units: 15.20"; "" to read it from ``text``
    tax_included: bool = False
    tolerance_percent: Decimal | None = None
    text: Text | None = None  # the explanation as its template and values, for pages in other languages

    @property
    def explanation(self) -> str:
        """The explanation in English, rendered from ``text`` only when read: every price list a line could be
        priced on is resolved, one is kept."""
        return self.given_explanation or ("" if self.text is None else str(self.text))

    @property
    def explanation_text(self) -> Text | str:
        """The explanation to translate: its template when kept, else the English as given."""
        return self.explanation if self.text is None else self.text

    def as_document(self) -> dict:
        return {"price": money(self.price), "currency": self.currency, "source": self.source,
                "source_code": self.source_code, "explanation": self.explanation,
                "tax_included": self.tax_included,
                "tolerance_percent": None if self.tolerance_percent is None else str(self.tolerance_percent)}


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def resolve_price(book: PriceBook, query: PriceQuery, *, convert: Converter | None = None) -> PriceResolution | None:
    """The price of ``query`` under ``book``, with how it was found; None when no step of the chain prices it."""
    contract = _contract_price(book, query)
    if contract is not None:
        return contract
    # a distributor buying for itself is priced on its own distributor lists, as the customers it serves are
    for applies_to, party in (("customer", query.customer), ("distributor", query.distributor or query.customer),
                              ("group", query.customer_group), ("catalogue", "")):
        if applies_to != "catalogue" and not party:
            continue
        found = [priced for price_list in book.lists_for(applies_to, party, query.currency)
                 if (priced := _list_price(book, price_list, query, set())) is not None]
        if found:
            return min(found, key=lambda r: (r.price, r.source_code))
    return _product_price(query, convert)


def allowed_minimum(resolution: PriceResolution, default_tolerance_percent: Decimal) -> Decimal:
    """The lowest given price that passes the price check against ``resolution``."""
    tolerance = resolution.tolerance_percent
    tolerance = default_tolerance_percent if tolerance is None else tolerance
    return (resolution.price * (HUNDRED - tolerance) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def _contract_price(book: PriceBook, query: PriceQuery) -> PriceResolution | None:
    applicable = [c for c in book.contracts_for(query.customer, query.sku, query.currency) if c.applies(query)]
    if not applicable:
        return None
    # the largest quantity break reached, then the lowest price, then the reference: one answer for any input order
    best = min(applicable, key=lambda c: (-c.min_quantity, c.price, c.reference))
    name = (Text("contract %(reference)s", reference=best.reference) if best.reference
            else Text("contract price for %(customer)s", customer=best.customer))
    price = best.price.quantize(CENT, rounding=ROUND_HALF_UP)
    text = _priced_at(_with_break(name, best.min_quantity), price)
    return PriceResolution(price, best.currency, "contract", best.reference or best.customer,
                           "", best.tax_included, best.tolerance_percent, text)


def _list_price(book: PriceBook, price_list: PriceList, query: PriceQuery,
                seen: set[str]) -> PriceResolution | None:
    if not price_list.in_force(query.day) or price_list.code in seen:
        return None  # a base cycle prices nothing rather than looping
    seen = seen | {price_list.code}
    reached = [b for b in price_list.entries.get(query.sku, ()) if b.min_quantity <= query.quantity]
    if reached:
        brk = reached[-1]
        source = _with_break(price_list.label_text, brk.min_quantity)
        if brk.price is not None:
            return _resolution(price_list, brk.price, source)
        base = _base_price(book, price_list, query, seen)
        if base is None:
            return None
        return _discounted(price_list, base, brk.discount_percent, source)
    if price_list.base is None:
        return None
    base = _base_price(book, price_list, query, seen)
    if base is None:
        return None
    return _discounted(price_list, base, price_list.discount_percent, price_list.label_text)


def _base_price(book: PriceBook, price_list: PriceList, query: PriceQuery, seen: set[str]) -> PriceResolution | None:
    base_list = book.list_by_code(price_list.base) if price_list.base else None
    if base_list is None or base_list.currency != price_list.currency:
        return None
    return _list_price(book, base_list, query, seen)


def _with_break(source: Text, min_quantity: int) -> Text:
    if min_quantity <= 1:
        return source
    return Text("%(source)s, break ≥ %(units)s units", source=source, units=min_quantity)


def _priced_at(source: Text, price: Decimal) -> Text:
    return Text("%(source)s: %(price)s", source=source, price=money(price))


def _discounted(price_list: PriceList, base: PriceResolution, percent: Decimal, source: Text) -> PriceResolution:
    price = base.price * (HUNDRED - percent) / HUNDRED
    how = Text("%(source)s, %(percent)s %% off %(base)s %(base_price)s", source=source, percent=_percent(percent),
               base=base.source_code, base_price=money(base.price))
    return _resolution(price_list, price, how)


def _resolution(price_list: PriceList, price: Decimal, source: Text) -> PriceResolution:
    price = price.quantize(CENT, rounding=ROUND_HALF_UP)
    text = _priced_at(source, price)
    return PriceResolution(price, price_list.currency, price_list.applies_to, price_list.code,
                           "", price_list.tax_included, price_list.tolerance_percent, text)


def _product_price(query: PriceQuery, convert: Converter | None) -> PriceResolution | None:
    if query.catalogue_price is None:
        return None
    price = query.catalogue_price.quantize(CENT, rounding=ROUND_HALF_UP)
    if query.catalogue_currency == query.currency:
        text = Text("catalogue price of %(sku)s: %(price)s", sku=query.sku, price=money(price))
        return PriceResolution(price, query.currency, "product", query.sku, "", text=text)
    converted = convert(price, query.catalogue_currency, query.currency) if convert else None
    if converted is None:
        return None
    converted = converted.quantize(CENT, rounding=ROUND_HALF_UP)
    text = Text("catalogue price of %(sku)s %(price)s %(currency)s at the day's rate: %(converted)s %(to_currency)s",
                sku=query.sku, price=money(price), currency=query.catalogue_currency, converted=money(converted),
                to_currency=query.currency)
    return PriceResolution(converted, query.currency, "product", query.sku, "", text=text)


def _percent(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text
