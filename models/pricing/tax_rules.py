"""Tax on order lines: the rate for a product's tax class and the destination, and the tax in a line's amount.

Pure: no database, web or queue. The most specific rate wins: one for the destination's region before one for
its whole country (region ""); among those, the one in force latest (valid_from on or before the day). No rate at
all is a rate of 0, said in words ("no tax rate for …") so that a missing rate shows rather than passes silently.
Prices excluding tax: tax = net × rate. Prices including tax: tax = gross − gross / (1 + rate). Each line's tax is
rounded half-up to the cent on its own, so the order's tax is the sum of what its lines show.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from models.core.text_messages import field_problem
from models.core.texts import Text

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
RATE_PLACES = Decimal("0.0001")  # a rate is a fraction with four decimals: 0.2000 = 20 %


@dataclass(frozen=True)
class TaxRate:
    tax_class: str
    country: str  # ISO code, upper case
    region: str  # "" = the whole country
    rate: Decimal  # a fraction: 0.2 = 20 %
    valid_from: date | None = None  # None = always
    name: str = ""  # "VAT standard", as documents show it

    def __post_init__(self) -> None:
        if not self.tax_class:
            raise ValueError(field_problem("tax_class", Text("required")))
        if not self.country:
            raise ValueError(field_problem("country", Text("required")))
        if not isinstance(self.rate, Decimal) or not self.rate.is_finite() or not ZERO <= self.rate < ONE:
            raise ValueError(field_problem("rate", Text("a fraction from 0 up to 1 (0.2 = 20 %%), got %(value)s",
                                                        value=repr(self.rate))))
        if self.rate != self.rate.quantize(RATE_PLACES):
            raise ValueError(field_problem("rate", Text("at most four decimals, got %(rate)s", rate=str(self.rate))))

    def applies(self, tax_class: str, country: str, region: str, day: date) -> bool:
        return (self.tax_class == tax_class and self.country == country and self.region in ("", region)
                and (self.valid_from is None or self.valid_from <= day))


@dataclass(frozen=True)
class TaxFinding:
    """The rate a line is taxed at and the words saying where it came from."""

    rate: Decimal
    text: Text  # the explanation as its template and values
    found: bool = True

    @property
    def explanation(self) -> str:
        """The explanation in English, rendered only when read (a line's note keeps the template)."""
        return str(self.text)

    @property
    def explanation_text(self) -> Text:
        return self.text


def percent_text(rate: Decimal) -> str:
    """0.2000 -> "20", 0.0750 -> "7.5"."""
    return format((rate * 100).normalize(), "f")


def rate_for(rates: Iterable[TaxRate], tax_class: str, country: str, region: str, day: date) -> TaxFinding:
    """The rate for goods of ``tax_class`` shipped to ``country``/``region`` on ``day``."""
    country, region = country.upper(), region.strip()
    matching = [rate for rate in rates if rate.applies(tax_class, country, region, day)]
    where = f"{country}-{region}" if region else country
    if not matching:
        text = Text("no tax rate for %(tax_class)s goods to %(where)s", tax_class=tax_class, where=where)
        return TaxFinding(ZERO, text, found=False)
    # a region's own rate before the country's; then the newest in force; then the name, for one answer always
    best = max(matching, key=lambda r: (r.region != "", r.valid_from or date.min, r.name))
    label = best.name or Text("%(tax_class)s rate", tax_class=best.tax_class)
    scope = f"{best.country}-{best.region}" if best.region else best.country
    text = Text("%(label)s %(scope)s: %(percent)s %%", label=label, scope=scope, percent=percent_text(best.rate))
    return TaxFinding(best.rate, text)


def line_tax(amount: Decimal, rate: Decimal, *, included: bool) -> Decimal:
    """The tax in a line of ``amount``: on top of it (``included`` False) or inside it (True)."""
    if rate == ZERO:
        return ZERO.quantize(CENT)
    if included:
        return (amount - amount / (ONE + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def order_total(subtotal: Decimal, shipping: Decimal, tax: Decimal, *, included: bool) -> Decimal:
    """What the customer owes: tax added to the net prices, or already in the gross ones."""
    return (subtotal + shipping + (ZERO if included else tax)).quantize(CENT)
