"""Exchange rates in the database: the rate table loaded in one query, a converter for a day, and setting rates
(one per day and currency: setting it again replaces it)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import peewee

from models.core.base import utc_now
from models.core.config import base_currency
from models.core.currencies import CURRENCIES
from models.core.db import database
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.currency.rules import Converter, RateTable
from models.currency.tables import RATE_PLACES, ExchangeRate

MAX_RATE = Decimal("9999999999.99999999")  # NUMERIC(18, 8)
LOOKUP_CHUNK = 500


def load_rate_table(*, until: date | None = None, currencies: Iterable[str] | None = None,
                    base: str | None = None) -> RateTable:
    """Every rate on or before ``until`` (None: all), of ``currencies`` (None: all), in one query."""
    base = base or base_currency()
    query = ExchangeRate.select(ExchangeRate.day, ExchangeRate.currency, ExchangeRate.rate)
    if until is not None:
        query = query.where(ExchangeRate.day <= until)
    if currencies is not None:
        wanted = sorted(set(currencies) - {base})
        if not wanted:
            return RateTable(base)
        query = query.where(ExchangeRate.currency.in_(wanted))
    return RateTable.of(base, ((_as_date(day), currency, _as_rate(rate)) for day, currency, rate in query.tuples()))


def converter_on(day: date, *, currencies: Iterable[str] | None = None) -> Converter:
    """(amount, from, to) -> amount in ``to`` at ``day``'s rates (cents, half-up), None when a rate is missing;
    loads the rates once, in one query."""
    return load_rate_table(until=day, currencies=currencies).converter_on(day)


@dataclass
class RateOutcome:
    """What setting one rate did: created, updated or unchanged, or the errors by field that refused it."""

    index: int
    outcome: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def set_rates(rows: Sequence[dict], *, actor: str) -> list[RateOutcome]:
    """Create or replace the rate of each row ({day, currency, rate, source?}, shape already checked), keyed by
    (day, currency); a refused row is reported and never stops the others. One outcome per row, in order."""
    base = base_currency()
    outcomes = [RateOutcome(index) for index in range(len(rows))]
    good: dict[tuple[date, str], tuple[int, Decimal, str]] = {}
    for index, row in enumerate(rows):
        errors = rate_errors(row, base)
        if errors:
            outcomes[index].errors = errors
            continue
        key = (row["day"], row["currency"])
        if key in good:  # the later row of the same day and currency wins, as a second import would
            outcomes[good[key][0]].outcome = "unchanged"
        good[key] = (index, Decimal(row["rate"]).quantize(RATE_PLACES), str(row.get("source") or "")[:64])
    if not good:
        return outcomes
    now = utc_now()
    with database.atomic():
        existing = _existing(sorted(good))
        inserts = []
        for key, (index, rate, source) in good.items():
            current = existing.get(key)
            if current is None:
                inserts.append({"day": key[0], "currency": key[1], "rate": rate, "source": source,
                                "created_by": actor, "created_at": now})
                outcomes[index].outcome = "created"
            elif (current.rate, current.source) == (rate, source):
                outcomes[index].outcome = "unchanged"
            else:
                (ExchangeRate.update(rate=rate, source=source, created_by=actor, created_at=now)
                 .where(ExchangeRate.id == current.id).execute())
                outcomes[index].outcome = "updated"
        for chunk in peewee.chunked(inserts, LOOKUP_CHUNK):
            ExchangeRate.insert_many(chunk).execute()
    return outcomes


def rate_errors(row: dict, base: str) -> dict[str, list[str]]:
    """What is wrong with a rate row beyond its shape: the base currency, an unknown currency, a rate out of range."""
    errors: dict[str, list[str]] = {}
    currency = row.get("currency")
    if currency == base:
        errors["currency"] = [TextMessage(Text(
            "%(base)s is the base currency (OMS_BASE_CURRENCY): its rate is always 1", base=base))]
    elif currency not in CURRENCIES:
        errors["currency"] = [TextMessage(Text("must be one of %(codes)s", codes=", ".join(CURRENCIES)))]
    rate = row.get("rate")
    if not isinstance(rate, Decimal) or not rate.is_finite() or not (0 < rate <= MAX_RATE):
        errors["rate"] = [TextMessage(Text("must be more than 0 and at most %(most)s", most=MAX_RATE))]
    elif rate.as_tuple().exponent < -8:
        errors["rate"] = [TextMessage(Text("at most 8 decimal places"))]
    if not isinstance(row.get("day"), date):
        errors["day"] = [TextMessage(Text("must be a date (YYYY-MM-DD)"))]
    return errors


def recent_rates(*, currency: str | None = None, since: date | None = None, until: date | None = None,
                 limit: int = 200) -> list[ExchangeRate]:
    """Rates newest day first (then currency), optionally of one currency and within days."""
    query = ExchangeRate.select()
    if currency:
        query = query.where(ExchangeRate.currency == currency)
    if since is not None:
        query = query.where(ExchangeRate.day >= since)
    if until is not None:
        query = query.where(ExchangeRate.day <= until)
    return list(query.order_by(ExchangeRate.day.desc(), ExchangeRate.currency).limit(limit))


def _existing(keys: list[tuple[date, str]]) -> dict[tuple[date, str], ExchangeRate]:
    """The stored rates of ``keys``: one query per chunk of days (a superset, filtered here)."""
    wanted, found = set(keys), {}
    currencies = sorted({currency for _, currency in keys})
    for days in peewee.chunked(sorted({day for day, _ in keys}), LOOKUP_CHUNK):
        for row in ExchangeRate.select().where(ExchangeRate.day.in_(days), ExchangeRate.currency.in_(currencies)):
            key = (_as_date(row.day), row.currency)
            if key in wanted:
                found[key] = row
    return found


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _as_rate(value) -> Decimal:
    return (value if isinstance(value, Decimal) else Decimal(str(value))).quantize(RATE_PLACES)
