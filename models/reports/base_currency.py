"""Sales figures in the base currency (OMS_BASE_CURRENCY): each rollup row's revenue converted at the rate of its
own day and currency, at read time (the rollups keep every order's currency).

The rates of the range go into the query as a small table of (day, currency, rate) joined on equality, so the
conversion costs one hash lookup per rollup row; over a very long range, the rates' validity spans instead."""
from __future__ import annotations

from datetime import date, timedelta

import peewee

from models.currency.rates import load_rate_table
from models.reports.periods import DateRange

MAX_DAY_ROWS = 8000  # (day, currency) rows sent as parameters: 3 each, well under SQLite's 32,766


class BaseRevenue:
    """How one report query converts ``table.revenue``: ``revenue`` (NULL where a rate is missing) and
    ``unconverted`` (how many rollup rows had no rate) to select, ``join`` to apply to the query."""

    def __init__(self, table: type[peewee.Model], span: DateRange) -> None:
        rates = load_rate_table(until=span.end)
        self.base = rates.base
        currencies = sorted(rates.rates)
        days = (span.end - span.start).days + 1
        self.by_day = days * len(currencies) <= MAX_DAY_ROWS
        rows = []
        if self.by_day:
            for offset in range(days):
                day = span.start + timedelta(days=offset)
                rows += [(day, currency, rate) for currency in currencies
                         if (rate := rates.rate_on(currency, day)) is not None]
            columns = ("day", "currency", "rate")
        else:
            for currency in currencies:
                spans = list(rates.rates[currency])
                for (start, rate), following in zip(spans, [*spans[1:], (date.max, None)]):
                    if following[0] > span.start and start <= span.end:
                        rows.append((start, following[0] - timedelta(days=1) if following[1] else date.max,
                                     currency, rate))
            columns = ("start", "until", "currency", "rate")
        rows = rows or [(date.min, *([date.min] if not self.by_day else []), "", 1)]  # VALUES needs a row
        self.table = table
        self.fx = peewee.ValuesList(rows).cte("fx", columns=columns)
        converted = table.revenue / self.fx.c.rate
        same = table.currency == peewee.Value(self.base, converter=False)
        self.revenue = peewee.fn.SUM(peewee.Case(None, [(same, table.revenue)], converted))
        missing = (~same) & self.fx.c.rate.is_null()
        self.unconverted = peewee.fn.SUM(peewee.Case(None, [(missing, peewee.SQL("1"))], peewee.SQL("0")))

    def join(self, query: peewee.ModelSelect) -> peewee.ModelSelect:
        table, fx = self.table, self.fx
        if self.by_day:
            on = (fx.c.day == table.day) & (fx.c.currency == table.currency)
        else:
            on = (fx.c.currency == table.currency) & (fx.c.start <= table.day) & (table.day <= fx.c.until)
        return query.join_from(table, fx, peewee.JOIN.LEFT_OUTER, on=on).with_cte(fx)
