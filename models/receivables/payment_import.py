"""Importing payments from CSV: each good row recorded and applied in its own transaction, bad rows reported.

A payment is keyed by customer and reference, so importing the same file again records nothing new.
"""
from __future__ import annotations

import logging

import peewee
from marshmallow import Schema

from models.core.config import Settings
from models.core.errors import ValidationFailed
from models.partners.master_data import (
    LOOKUP_CHUNK,
    ImportReport,
    Source,
    check_row_schema,
    load_rows,
    read_csv_rows,
)
from models.partners.tables import Partner
from models.receivables.payments import BUYER_KINDS, record_payment

log = logging.getLogger(__name__)

# Columns a payments file must have (received_on may be blank: the day it is recorded).
PAYMENT_HEADERS = ("customer_code", "amount", "currency", "reference", "method", "received_on")


def import_payments(source: Source, *, row_schema: Schema, actor: str = "cli",
                    settings: Settings | None = None) -> ImportReport:
    """Record the payments of a CSV file, each row loaded by ``row_schema`` (the boundary's payment row schema);
    ``created`` counts new payments, ``unchanged`` repeated ones. The file is read within the import limits of
    ``settings`` (None: the OMS_* environment's), as master data files are."""
    check_row_schema(row_schema, PAYMENT_HEADERS, "a payment row")
    report = ImportReport("payments")
    parsed = read_csv_rows(source, PAYMENT_HEADERS, report, settings=settings)
    if parsed is None:
        return report
    rows = load_rows(row_schema, parsed, report)
    customers = _customers({row.data["customer_code"] for row in rows})
    for row in rows:
        data = row.data
        customer = customers.get(data["customer_code"])
        if customer is None:
            report.reject(row.line, "customer_code", f"unknown customer {data['customer_code']!r}")
            continue
        try:
            _, created = record_payment(customer, amount=data["amount"], currency=data["currency"],
                                        reference=data["reference"], method=data["method"],
                                        received_on=data["received_on"], actor=actor)
        except ValidationFailed as exc:
            for field_name, messages in exc.messages.items():
                for message in messages:
                    report.reject(row.line, field_name, message)
        else:
            if created:
                report.created += 1
            else:
                report.unchanged += 1
    report.errors.sort(key=lambda error: error.row)
    log.info("%s imported payments: created %d, unchanged %d, errors %d", actor, report.created,
             report.unchanged, len(report.errors))
    return report


def _customers(codes: set[str]) -> dict[str, Partner]:
    """The buyers the rows name, by code, read in one query per chunk."""
    found = {}
    for chunk in peewee.chunked(sorted(codes), LOOKUP_CHUNK):
        for customer in Partner.select().where(Partner.code.in_(chunk), Partner.kind.in_(BUYER_KINDS)):
            found[customer.code] = customer
    return found
