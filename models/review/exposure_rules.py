"""A buyer's credit exposure by currency, and converting it into the currency of its credit limit: pure.

Exposure is what the buyer owes (open invoices less unapplied credit) plus its approved, not yet invoiced orders,
each kept in its own currency until it is weighed against a limit; then each currency's sum is converted at the
review day's rate. A currency with no rate is named, never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Mapping

from models.currency.rules import CENT, RateTable, no_rate_message

ZERO = Decimal("0.00")


@dataclass
class Exposure:
    """Amounts by currency: ``outstanding`` (invoices less credit) and ``open_orders`` (approved, not invoiced)."""

    outstanding: dict[str, Decimal] = field(default_factory=dict)
    open_orders: dict[str, Decimal] = field(default_factory=dict)

    def add_outstanding(self, currency: str, amount: Decimal) -> None:
        self.outstanding[currency] = self.outstanding.get(currency, ZERO) + amount

    def add_open_order(self, currency: str, amount: Decimal) -> None:
        self.open_orders[currency] = self.open_orders.get(currency, ZERO) + amount

    def currencies(self) -> set[str]:
        return {c for c, v in self.outstanding.items() if v} | {c for c, v in self.open_orders.items() if v}


@dataclass(frozen=True)
class ConvertedExposure:
    """An exposure in one currency; ``missing`` says which rates it could not be converted without."""

    currency: str
    outstanding: Decimal
    open_orders: Decimal
    rates: Mapping[str, str] = field(default_factory=dict)  # currency -> units per base unit, as used
    missing: tuple[str, ...] = ()  # "no exchange rate for HKD on or before 2026-05-01", one per currency

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))

    @property
    def total(self) -> Decimal:
        return self.outstanding + self.open_orders


def convert_exposure(exposure: Exposure, table: RateTable, to: str, day: date,
                     extra: Mapping[str, Decimal] | None = None) -> tuple[ConvertedExposure, Decimal | None]:
    """``exposure`` in ``to`` at ``day``'s rates, and ``extra`` (this order, {currency: amount}) converted too
    (None when a rate for it is missing). Each currency's sum is converted once, rounded to the cent."""
    extra = extra or {}
    needed = exposure.currencies() | {c for c, v in extra.items() if v}
    involved = needed | {to} if needed - {to} else set()  # all in ``to`` already: no rate needed
    missing = tuple(no_rate_message(c, day) for c in table.missing(involved, day))
    rates = {c: str(rate) for c in sorted(involved - {table.base}) if (rate := table.rate_on(c, day))}

    def total(amounts: Mapping[str, Decimal]) -> Decimal | None:
        converted = [table.convert(amount, currency, to, day) for currency, amount in amounts.items() if amount]
        return None if any(value is None for value in converted) else sum(converted, ZERO).quantize(CENT)

    outstanding, open_orders, order = total(exposure.outstanding), total(exposure.open_orders), total(extra)
    return ConvertedExposure(to, outstanding if outstanding is not None else ZERO,
                             open_orders if open_orders is not None else ZERO, rates, missing), order
