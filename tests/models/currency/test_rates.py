"""Exchange rates in the database: set once per day and currency (again replaces), loaded in one query, and the
rates CSV import reporting each bad row with its line and field while keeping the good ones."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from models.currency.rate_import import import_rates
from models.currency.rates import converter_on, load_rate_table, set_rates
from models.currency.tables import ExchangeRate
from schemas.exchange_rates import rate_row_schema

D = Decimal
MAY1, MAY4 = date(2026, 5, 1), date(2026, 5, 4)


def test_setting_a_rate_twice_replaces_it_and_the_same_value_is_unchanged(any_db):
    first = set_rates([{"day": MAY1, "currency": "EUR", "rate": D("0.92")},
                       {"day": MAY1, "currency": "GBP", "rate": D("0.79")}], actor="ops@example.com")
    assert [o.outcome for o in first] == ["created", "created"]
    again = set_rates([{"day": MAY1, "currency": "EUR", "rate": D("0.93"), "source": "ECB"},
                       {"day": MAY1, "currency": "GBP", "rate": D("0.79")}], actor="ops@example.com")
    assert [o.outcome for o in again] == ["updated", "unchanged"]
    assert ExchangeRate.select().count() == 2
    assert ExchangeRate.get(ExchangeRate.currency == "EUR").rate == D("0.93000000")


def test_the_base_currency_and_a_bad_rate_are_refused_per_row(any_db):
    outcomes = set_rates([{"day": MAY1, "currency": "USD", "rate": D("1")},
                          {"day": MAY1, "currency": "EUR", "rate": D("0")},
                          {"day": MAY1, "currency": "JPY", "rate": D("151.2")}], actor="t")
    assert "USD is the base currency" in outcomes[0].errors["currency"][0]
    assert outcomes[1].errors == {"rate": ["must be more than 0 and at most 9999999999.99999999"]}
    assert outcomes[2].outcome == "created"


def test_the_table_and_the_converter_of_a_day_read_the_stored_rates(any_db):
    set_rates([{"day": MAY1, "currency": "EUR", "rate": D("0.92123456")},
               {"day": MAY4, "currency": "EUR", "rate": D("0.90")}], actor="t")
    assert load_rate_table(until=MAY1).rate_on("EUR", MAY4) == D("0.92123456")  # exact, on SQLite too
    assert converter_on(MAY4)(D("100.00"), "USD", "EUR") == D("90.00")
    assert converter_on(MAY4)(D("100.00"), "USD", "HKD") is None


def test_the_import_keeps_the_good_rows_and_names_each_bad_row_and_field(any_db):
    csv = ("day,currency,rate,source\n"
           "2026-05-01,eur,0.92,ECB\n"
           "2026-05-32,GBP,0.79,\n"
           "2026-05-01,XXX,1.5,\n"
           "2026-05-01,USD,1,\n"
           "2026-05-01,JPY,-3,\n"
           "2026-05-01,JPY,151.123456789,\n"
           "2026-05-01,CAD,1.365,\n")
    report = import_rates(io.StringIO(csv), row_schema=rate_row_schema, actor="cli")
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(e.row, e.field) for e in report.errors] == [(3, "day"), (4, "currency"), (5, "currency"),
                                                          (6, "rate"), (7, "rate")]
    assert {r.currency for r in ExchangeRate.select()} == {"EUR", "CAD"}
    again = import_rates(io.StringIO("day,currency,rate\n2026-05-01,EUR,0.95\n2026-05-01,CAD,1.365\n"),
                         row_schema=rate_row_schema, actor="cli")
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 1, 1, [])


def test_a_file_without_a_rate_column_is_refused_whole(any_db):
    report = import_rates(io.StringIO("day,currency\n2026-05-01,EUR\n"), row_schema=rate_row_schema)
    assert report.created == 0 and report.errors and "rate" in report.errors[0].message
