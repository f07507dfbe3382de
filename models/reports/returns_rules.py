"""The returns report's arithmetic: pure rules, no database or framework.

A return counts on the day it was requested unless it was rejected; its units and refund value are its lines'
(units × the unit refund), in the return's currency. Return rate of a SKU (or a supplier's SKUs): units returned ÷
units shipped in the same range. Feedback: the ratings customers gave, averaged, with their count — for a reason,
the ratings of the orders returned for it; for a SKU or supplier, the ratings given in the range to orders holding
its SKUs (each order once per SKU or supplier)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from models.supply.scorecard_rules import rate

DIMENSIONS = ("reason", "sku", "supplier")
TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ReturnFigures:
    """Returns grouped by one key (a reason, a SKU or a supplier code) over a range."""

    key: str
    name: str
    returns: int
    units: int
    refund_value: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> value
    units_shipped: int | None = None  # None where shipments do not belong to the key (a reason)
    return_rate: Decimal | None = None
    ratings: int = 0
    average_rating: Decimal | None = None

    @property
    def refund_text(self) -> str:
        """The refund value as shown and exported: "USD 12.00", currencies apart ("EUR 3.00; USD 12.00")."""
        return "; ".join(f"{currency} {value}" for currency, value in sorted(self.refund_value.items()))


def return_rate(units_returned: int, units_shipped: int | None) -> Decimal | None:
    """Units returned ÷ units shipped to four places; None without shipments to compare with."""
    return rate(units_returned, units_shipped or 0)


def average_rating(total: int | Decimal | float | None, count: int) -> Decimal | None:
    """The mean of ``count`` ratings adding up to ``total``, to two places."""
    if not count:
        return None
    return (Decimal(str(total)) / count).quantize(TWO_PLACES, ROUND_HALF_UP)


def refund_values(rows: Iterable[tuple[str, str, Decimal]]) -> dict[str, dict[str, Decimal]]:
    """(key, currency, value) rows as key -> currency -> value, each to the cent."""
    values: dict[str, dict[str, Decimal]] = {}
    for key, currency, value in rows:
        per_key = values.setdefault(key, {})
        per_key[currency] = (per_key.get(currency, Decimal(0)) + Decimal(str(value or 0))).quantize(TWO_PLACES)
    return values


def figures(key: str, *, name: str, returns: int, units: int, refund_value: Mapping[str, Decimal],
            units_shipped: int | None, ratings: int, rating_total: int | None) -> ReturnFigures:
    return ReturnFigures(key=key, name=name, returns=returns, units=units, refund_value=dict(refund_value),
                         units_shipped=units_shipped, return_rate=return_rate(units, units_shipped),
                         ratings=ratings, average_rating=average_rating(rating_total, ratings))


def ranked(rows: Iterable[ReturnFigures]) -> list[ReturnFigures]:
    """Most units returned first, then by key."""
    return sorted(rows, key=lambda row: (-row.units, row.key))
