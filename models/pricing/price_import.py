"""Importing price lists and contract prices from CSV: good rows merged into the price book as one new version,
bad rows reported with their line and field and skipped (models.pricing.book_merge says how rows merge)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import peewee
from marshmallow import Schema

from models.core.config import Settings
from models.core.errors import RuleSetChanged
from models.inventory.tables import Product
from models.partners.master_data import (
    LOOKUP_CHUNK,
    ImportReport,
    Source,
    check_row_schema,
    load_rows,
    read_csv_rows,
)
from models.partners.tables import Partner
from models.pricing.book_merge import KnownCodes, merge_price_rows
from models.pricing.versions import price_book_in_force, save_price_book

log = logging.getLogger(__name__)

# Columns a price-list file must have; the others (list_name, min_quantity, discount_percent, base, valid_from,
# valid_to, tax_included, tolerance_percent) are optional.
PRICE_LIST_HEADERS = ("list_code", "applies_to", "party", "currency", "sku", "price")
SAVE_ATTEMPTS = 3  # an edit saved while the file was merged: merge again onto it


@dataclass
class PriceImportReport(ImportReport):
    version: int | None = None  # the price book version the import saved; None when nothing changed


def import_price_lists(source: Source, *, row_schema: Schema, actor: str = "cli", settings: Settings | None = None,
                       note: str = "") -> PriceImportReport:
    """Merge the rows of a price-list CSV file, each loaded by ``row_schema``, into the price book in force and
    save the result as one new version (none when nothing changed). The file is read within the import limits
    of ``settings`` (None: the OMS_* environment's), as master data files are."""
    check_row_schema(row_schema, PRICE_LIST_HEADERS, "a price-list row")
    report = PriceImportReport("price-lists")
    parsed = read_csv_rows(source, PRICE_LIST_HEADERS, report, settings=settings)
    if parsed is None:
        return report
    rows = [(row.line, row.data) for row in load_rows(row_schema, parsed, report)]
    known = _known_codes(rows)
    for attempt in range(SAVE_ATTEMPTS):
        merge_errors = ImportReport("price-lists")
        version, book = price_book_in_force()
        merged, counts = merge_price_rows(book, rows, known, merge_errors.reject)
        if merged == book:
            break
        try:
            version = save_price_book(merged, expected_version=version, actor=actor,
                                      note=note or f"import of {counts.created + counts.updated} prices").id
        except RuleSetChanged:
            if attempt + 1 == SAVE_ATTEMPTS:
                raise
            continue
        report.version = version
        break
    report.created, report.updated, report.unchanged = counts.created, counts.updated, counts.unchanged
    report.errors = sorted(report.errors + merge_errors.errors, key=lambda error: error.row)
    log.info("%s imported price lists: created %d, updated %d, unchanged %d, errors %d, version %s", actor,
             report.created, report.updated, report.unchanged, len(report.errors), report.version)
    return report


def _known_codes(rows: list[tuple[int, dict]]) -> KnownCodes:
    """The SKUs and partners the rows name that exist, read in one query per chunk."""
    skus = {data["sku"] for _, data in rows if data.get("sku")}
    parties = {data["party"] for _, data in rows if data.get("party")}
    found_skus, buyers, distributors = set(), set(), set()
    for chunk in peewee.chunked(sorted(skus), LOOKUP_CHUNK):
        found_skus.update(Product.select(Product.sku).where(Product.sku.in_(chunk)).tuples().iterator())
    for chunk in peewee.chunked(sorted(parties), LOOKUP_CHUNK):
        for code, kind in Partner.select(Partner.code, Partner.kind).where(Partner.code.in_(chunk)).tuples():
            if kind in ("customer", "distributor"):
                buyers.add(code)
            if kind == "distributor":
                distributors.add(code)
    return KnownCodes(frozenset(s for (s,) in found_skus), frozenset(buyers), frozenset(distributors))
