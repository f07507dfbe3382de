"""Pricing and taxing a whole order: each line's price (the given one, or the price book's when none was given), its
tax, and the order's subtotal, tax and total.

Pure: no database, web or queue. Tax basis: an order's prices include tax when every line the price book prices
comes from a tax-inclusive list or contract; otherwise they exclude it, and a tax-inclusive resolved price is taken
net of its line's rate. A given price is read on the order's basis, and compared with the resolved price on it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from models.core.texts import Text
from models.pricing.rules import (
    CENT,
    Converter,
    PriceBook,
    PriceQuery,
    PriceResolution,
    money,
    resolve_price,
)
from models.pricing.tax_rules import (
    ONE,
    ZERO,
    TaxFinding,
    TaxRate,
    line_tax,
    order_total,
    percent_text,
    rate_for,
)


@dataclass(frozen=True)
class LineToPrice:
    line_no: int
    sku: str
    quantity: int
    unit_price: Decimal  # as stored: the given price, or intake's placeholder when none was given
    price_given: bool
    matched: bool  # the SKU is in the catalogue
    catalogue_price: Decimal | None = None
    catalogue_currency: str = ""
    tax_class: str = ""


@dataclass(frozen=True)
class OrderToPrice:
    currency: str
    day: date  # the day the order was placed: price lists and tax rates in force then
    customer: str
    distributor: str
    customer_group: str
    country: str
    region: str
    shipping_total: Decimal
    lines: tuple[LineToPrice, ...]


@dataclass(frozen=True)
class PricedLine:
    line_no: int
    sku: str
    unit_price: Decimal
    line_total: Decimal
    price_given: bool
    matched: bool
    resolution: PriceResolution | None  # on the order's tax basis
    tax_rate: Decimal
    tax_amount: Decimal
    price_note_text: Text | str = ""  # the note as its template and values ("" for a line not in the catalogue)

    @property
    def price_note(self) -> str:
        """How the line was priced and taxed, in English (rendered when read)."""
        return str(self.price_note_text)

    @property
    def list_price(self) -> Decimal | None:
        return None if self.resolution is None else self.resolution.price


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    prices_include_tax: bool


def price_order(order: OrderToPrice, book: PriceBook, rates: Sequence[TaxRate], *,
                convert: Converter | None = None, known: dict | None = None) -> PricedOrder:
    """Every line of ``order`` priced under ``book`` and taxed under ``rates``. ``known``: what was already worked
    out under this book and these rates with this day's ``convert`` — resolutions by query (its quantity by class),
    tax findings by class, destination and day — kept and added to (a batch prices the same SKU for the same
    customer many times)."""
    known = {} if known is None else known

    keys: dict[int, tuple] = {}  # line no -> its resolution's key in ``known``

    def resolve(line: LineToPrice) -> PriceResolution | None:
        # one resolution for every quantity of a class (book.quantity_class): 3 and 7 units alike below a break of 10;
        # looked up by the query's fields as a tuple, the query itself built only when it is new
        quantity = book.quantity_class(line.sku, line.quantity)
        key = keys[line.line_no] = (line.sku, quantity, order.currency, order.day, order.customer,
                                    order.distributor, order.customer_group, line.catalogue_price,
                                    line.catalogue_currency)
        resolution = known.get(key, _UNKNOWN)
        if resolution is _UNKNOWN:
            resolution = known[key] = _with_book_tolerance(
                book, resolve_price(book, _query(order, line), convert=convert))
        return resolution

    resolved = {line.line_no: resolve(line) for line in order.lines if line.matched}
    flags = {resolution.tax_included for resolution in resolved.values() if resolution is not None}
    included = flags == {True}
    # a note follows from the line's resolution and tax finding, whether its price was given and the order's basis
    priced = tuple(_priced_line(order, line, resolved.get(line.line_no), _tax(order, line, rates, known), included,
                                notes=known, note_key=(_NOTE, keys.get(line.line_no), _tax_key(order, line),
                                                       line.price_given, included))
                   for line in order.lines)
    subtotal = sum((line.line_total for line in priced), ZERO).quantize(CENT)
    tax = sum((line.tax_amount for line in priced), ZERO).quantize(CENT)
    return PricedOrder(priced, subtotal, tax, order_total(subtotal, order.shipping_total, tax, included=included),
                       included)


_UNKNOWN = object()  # not resolved yet (None is a resolution: nothing prices the line)
_NOTE = object()  # marks the price notes' keys in ``known``


def _with_book_tolerance(book: PriceBook, resolution: PriceResolution | None) -> PriceResolution | None:
    """A list's or contract's own tolerance first, then the book's when it sets one; else the caller's default."""
    if resolution is None or resolution.tolerance_percent is not None or not book.tolerance_percent:
        return resolution
    return replace(resolution, tolerance_percent=book.tolerance_percent)


def _query(order: OrderToPrice, line: LineToPrice) -> PriceQuery:
    return PriceQuery(sku=line.sku, quantity=line.quantity, currency=order.currency, day=order.day,
                      customer=order.customer, distributor=order.distributor, customer_group=order.customer_group,
                      catalogue_price=line.catalogue_price, catalogue_currency=line.catalogue_currency)


def _tax(order: OrderToPrice, line: LineToPrice, rates: Sequence[TaxRate], known: dict) -> TaxFinding | None:
    """The tax finding of a catalogue line (None for another), found once per tax class and destination and day
    among the orders sharing ``known``."""
    if not line.matched:
        return None
    key = _tax_key(order, line)
    finding = known.get(key)
    if finding is None:
        finding = known[key] = rate_for(rates, line.tax_class, order.country, order.region, order.day)
    return finding


def _tax_key(order: OrderToPrice, line: LineToPrice) -> tuple:
    return (_TAX, line.tax_class, order.country, order.region, order.day)


_TAX = object()  # marks the tax findings' keys among the resolutions' in ``known``


def _priced_line(order: OrderToPrice, line: LineToPrice, resolution: PriceResolution | None,
                 tax: TaxFinding | None, included: bool, *, notes: dict | None = None,
                 note_key: tuple | None = None) -> PricedLine:
    """``notes``: the notes already written, by ``note_key`` (all that decides a line's note): lines priced alike
    share one note, written once."""
    rate = tax.rate if tax is not None else ZERO
    if resolution is not None and resolution.tax_included and not included:
        net = (resolution.price / (ONE + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
        text = Text("%(explanation)s, %(net)s net of %(percent)s %% tax", explanation=resolution.explanation_text,
                    net=money(net), percent=percent_text(rate))
        resolution = replace(resolution, price=net, tax_included=False, given_explanation="", text=text)
    if line.price_given or resolution is None:
        unit_price = line.unit_price
    else:
        unit_price = resolution.price
    line_total = (unit_price * line.quantity).quantize(CENT)
    cached = notes is not None and note_key is not None
    note = notes.get(note_key) if cached else None
    if note is None:
        parts = [_price_words(line, resolution, order.currency)] + ([tax.explanation_text] if tax is not None else [])
        note = _one_note([part for part in parts if not isinstance(part, str) or part])  # a template reads as something
        if cached:
            notes[note_key] = note
    return PricedLine(line.line_no, line.sku, unit_price, line_total, line.price_given, line.matched, resolution,
                      rate, line_tax(line_total, rate, included=included), note)


def _one_note(notes: list[Text | str]) -> Text | str:
    """The notes read as one, "; " between them."""
    if not notes:
        return ""
    note = notes[0]
    for then in notes[1:]:
        note = Text("%(first)s; %(then)s", first=note, then=then)
    return note


def _price_words(line: LineToPrice, resolution: PriceResolution | None, currency: str) -> Text | str:
    if not line.matched:
        return ""
    if resolution is None:
        return Text("no price for %(sku)s in %(currency)s", sku=line.sku, currency=currency)
    if line.price_given:
        return resolution.explanation_text
    return Text("no price given: %(explanation)s", explanation=resolution.explanation_text)
