"""Converting money between currencies at a day's exchange rates: pure, standard library only.

A rate is the number of units of a currency one unit of the base currency buys on a day; the base currency is
always 1. The rate in force on a day is the latest one on or before it (a weekend uses Friday's). Converting goes
through the base currency, so two rates make every cross rate. A missing rate is never guessed: ``rate_on`` and
``convert`` answer None, and ``no_rate_message`` says which rate is missing.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

from models.core.text_messages import TextMessage
from models.core.texts import Text

CENT = Decimal("0.01")

# What the pricing and review rules are handed: (amount, from currency, to currency) -> amount, or None when a
# rate is missing.
Converter = Callable[[Decimal, str, str], "Decimal | None"]


def no_rate_message(currency: str, day: date) -> str:
    """Reads as its English wherever a string is expected; keeps its template for the portal (TextMessage)."""
    return TextMessage(Text("no exchange rate for %(currency)s on or before %(day)s", currency=currency,
                            day=day.isoformat()))


@dataclass(frozen=True)
class RateTable:
    """Every known rate, by currency, each a list of (day, rate) sorted by day."""

    base: str
    rates: Mapping[str, tuple[tuple[date, Decimal], ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(
            {currency: tuple(sorted(days)) for currency, days in self.rates.items()}))
        for currency, days in self.rates.items():
            for day, rate in days:
                if not rate > 0:
                    raise ValueError(f"rate of {currency} on {day}: must be more than 0, got {rate}")

    @classmethod
    def of(cls, base: str, rows: Iterable[tuple[date, str, Decimal]]) -> RateTable:
        """A table from (day, currency, rate) rows in any order."""
        rates: dict[str, list[tuple[date, Decimal]]] = {}
        for day, currency, rate in rows:
            rates.setdefault(currency, []).append((day, rate))
        return cls(base, {currency: tuple(days) for currency, days in rates.items()})

    def rate_on(self, currency: str, day: date) -> Decimal | None:
        """Units of ``currency`` per one base unit on ``day``: the latest rate on or before it; None if none."""
        if currency == self.base:
            return Decimal(1)
        days = self.rates.get(currency, ())
        at = bisect_right(days, day, key=lambda entry: entry[0])
        return days[at - 1][1] if at else None

    def cross_rate(self, from_currency: str, to_currency: str, day: date) -> Decimal | None:
        """Units of ``to_currency`` per one unit of ``from_currency`` on ``day``, through the base currency."""
        if from_currency == to_currency:
            return Decimal(1)
        source, target = self.rate_on(from_currency, day), self.rate_on(to_currency, day)
        if source is None or target is None:
            return None
        return target / source

    def convert(self, amount: Decimal, from_currency: str, to_currency: str, day: date) -> Decimal | None:
        """``amount`` of ``from_currency`` in ``to_currency`` at ``day``'s rates, rounded to the cent half-up;
        None when either rate is missing (``missing`` names it)."""
        if from_currency == to_currency:
            return amount.quantize(CENT, rounding=ROUND_HALF_UP)
        source, target = self.rate_on(from_currency, day), self.rate_on(to_currency, day)
        if source is None or target is None:
            return None
        # multiply before dividing: one rounding, at the end
        return (amount * target / source).quantize(CENT, rounding=ROUND_HALF_UP)

    def missing(self, currencies: Iterable[str], day: date) -> list[str]:
        """Those of ``currencies`` with no rate on or before ``day``, sorted."""
        return sorted({currency for currency in currencies if self.rate_on(currency, day) is None})

    def converter_on(self, day: date) -> Converter:
        """``convert`` with the day fixed, as the pricing and review rules take it."""
        return lambda amount, from_currency, to_currency: self.convert(amount, from_currency, to_currency, day)
