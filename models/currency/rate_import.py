"""Importing exchange rates from CSV (day, currency, rate[, source]): each good row upserted by (day, currency),
each bad row reported with its line and field; a bad row never stops the good ones."""
from __future__ import annotations

import logging

from marshmallow import Schema

from models.core.config import Settings
from models.currency.rates import set_rates
from models.partners.master_data import (
    ImportReport,
    Source,
    check_row_schema,
    load_rows,
    read_csv_rows,
)
from models.review.rate_holds import recheck_rate_holds

log = logging.getLogger(__name__)

RATE_HEADERS = ("day", "currency", "rate")  # and optionally source


def import_rates(source: Source, *, row_schema: Schema, actor: str = "cli",
                 settings: Settings | None = None) -> ImportReport:
    """Set the rates of a CSV file, each row loaded by ``row_schema`` (the boundary's rate row schema), within the
    import limits of ``settings`` (None: the OMS_* environment's)."""
    check_row_schema(row_schema, RATE_HEADERS, "an exchange rate row")
    report = ImportReport("rates")
    parsed = read_csv_rows(source, RATE_HEADERS, report, settings=settings)
    if parsed is None:
        return report
    rows = load_rows(row_schema, parsed, report)
    for row, outcome in zip(rows, set_rates([row.data for row in rows], actor=actor)):
        for field_name, messages in outcome.errors.items():
            for message in messages:
                report.reject(row.line, field_name, message)
        if outcome.outcome:
            setattr(report, outcome.outcome, getattr(report, outcome.outcome) + 1)
    if report.created or report.updated:
        recheck_rate_holds(actor=actor)
    report.errors.sort(key=lambda error: error.row)
    log.info("%s imported rates: created %d, updated %d, unchanged %d, errors %d", actor, report.created,
             report.updated, report.unchanged, len(report.errors))
    return report
