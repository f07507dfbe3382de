"""Tax rates into the database: imported from CSV (each row created, updated or unchanged, bad rows reported with
their line and field) or saved one at a time from the ops page.

A rate is keyed by tax class, country, region and valid_from; the good rows of a file are written in one
transaction, so a file is never half-imported, and a bad row never takes the good ones down."""
from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from marshmallow import Schema

from models.core.base import utc_now
from models.core.config import Settings
from models.core.db import database
from models.core.errors import NotFound, ValidationFailed
from models.core.text_messages import TextMessage, split_field_problem
from models.core.texts import Text
from models.partners.master_data import (
    ImportReport,
    Source,
    check_row_schema,
    load_rows,
    read_csv_rows,
)
from models.pricing.tax_rules import TaxRate
from models.pricing.tax_tables import TaxRateRow

log = logging.getLogger(__name__)

TAX_RATE_HEADERS = ("tax_class", "country", "rate")  # region, valid_from and name may be left out


def import_tax_rates(source: Source, *, row_schema: Schema, actor: str = "cli",
                     settings: Settings | None = None) -> ImportReport:
    """Create or update the tax rates of a CSV file, each row loaded by ``row_schema`` (the boundary's)."""
    check_row_schema(row_schema, TAX_RATE_HEADERS, "a tax rate row")
    report = ImportReport("tax-rates")
    parsed = read_csv_rows(source, TAX_RATE_HEADERS, report, settings=settings)
    if parsed is None:
        return report
    seen: dict[tuple, int] = {}
    good = []
    for row in load_rows(row_schema, parsed, report):
        key = _key(row.data)
        if key in seen:
            report.reject(row.line, "valid_from", TextMessage(Text("the same rate is already on line %(line)s",
                                                                   line=seen[key])))
            continue
        seen[key] = row.line
        try:
            TaxRate(**{name: row.data[name] for name in ("tax_class", "country", "region", "rate", "valid_from",
                                                           "name")})
        except ValueError as exc:
            field_name, message = split_field_problem(exc.args[0] if exc.args else str(exc))
            report.reject(row.line, field_name or str(exc), message)
            continue
        good.append(row.data)
    with database.atomic():
        for data in good:
            outcome = save_tax_rate(data, actor=actor)
            setattr(report, outcome, getattr(report, outcome) + 1)
    report.errors.sort(key=lambda error: error.row)
    log.info("%s imported tax rates: created %d, updated %d, unchanged %d, errors %d", actor, report.created,
             report.updated, report.unchanged, len(report.errors))
    return report


def save_tax_rate(data: dict, *, actor: str) -> str:
    """Create or update the rate of ``data``'s class, country, region and valid_from; "created", "updated" or
    "unchanged"."""
    try:
        rule = TaxRate(data["tax_class"], data["country"].upper(), data.get("region", "") or "", data["rate"],
                       data.get("valid_from"), data.get("name", "") or "")
    except ValueError as exc:
        field_name, message = split_field_problem(exc.args[0] if exc.args else str(exc))
        raise ValidationFailed({field_name or str(exc): [message]}) from None
    current = _find(_key(data))
    if current is None:
        TaxRateRow.create(tax_class=rule.tax_class, country=rule.country, region=rule.region, rate=rule.rate,
                          valid_from=rule.valid_from, name=rule.name, updated_by=actor, updated_at=utc_now())
        return "created"
    if current.rate == rule.rate and current.name == rule.name:
        return "unchanged"
    TaxRateRow.update(rate=rule.rate, name=rule.name, updated_by=actor, updated_at=utc_now()).where(
        TaxRateRow.id == current.id).execute()
    return "updated"


def delete_tax_rate(rate_id: int) -> None:
    if not TaxRateRow.delete().where(TaxRateRow.id == rate_id).execute():
        raise NotFound(f"tax rate {rate_id} not found")


def _key(data: dict) -> tuple[str, str, str, date | None]:
    return (data["tax_class"], data["country"].upper(), (data.get("region") or "").strip(), data.get("valid_from"))


def _find(key: tuple[str, str, str, date | None]) -> TaxRateRow | None:
    tax_class, country, region, valid_from = key
    day = TaxRateRow.valid_from.is_null() if valid_from is None else TaxRateRow.valid_from == valid_from
    return TaxRateRow.get_or_none(TaxRateRow.tax_class == tax_class, TaxRateRow.country == country,
                                  TaxRateRow.region == region, day)


def rate_text(rate: Decimal) -> str:
    """0.2000 -> "0.2", as the ops page and files show a rate."""
    return format(rate.normalize(), "f")
