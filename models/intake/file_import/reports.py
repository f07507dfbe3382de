"""Reading import batches back: who may see which, the result as JSON and the error report as CSV."""
from __future__ import annotations

from itertools import chain
from typing import Iterator

import peewee

from models.core.csv_export import csv_lines
from models.core.text_messages import stored_message
from models.intake.tables import ImportBatch, ImportRowError

REPORTED_ERRORS = 1000


def visible_batches(user) -> peewee.ModelSelect:
    """Batches ``user`` may see: all for ops, a distributor its own, nothing for other roles."""
    query = ImportBatch.select()
    if user.is_ops:
        return query
    if user.role == "distributor" and user.partner_id:
        return query.where(ImportBatch.distributor == user.partner_id)
    return query.where(peewee.SQL("1 = 0"))


def batch_for(user, batch_id: int) -> ImportBatch | None:
    return visible_batches(user).where(ImportBatch.id == batch_id).first()


def batch_errors(batch_id: int, limit: int = REPORTED_ERRORS) -> list[dict]:
    """The batch's first row errors; a message whose template was stored is a TextMessage (reads as its English)."""
    query = (ImportRowError.select(ImportRowError.row, ImportRowError.external_ref, ImportRowError.field,
                                   ImportRowError.message, ImportRowError.message_text)
             .where(ImportRowError.batch == batch_id).order_by(ImportRowError.row, ImportRowError.id).limit(limit))
    errors = list(query.dicts())
    for error in errors:
        error["message"] = stored_message(error["message"], error.pop("message_text"))
    return errors


def batch_payload(batch: ImportBatch) -> dict:
    """The import result of a batch, with its status, as the import call returned it."""
    errors = batch_errors(batch.id)
    return {"batch_id": batch.id, "status": batch.status, "failure": batch.failure, "channel": batch.channel,
            "filename": batch.filename, "rows": batch.rows, "orders_accepted": batch.orders_accepted,
            "orders_rejected": batch.orders_rejected, "orders_duplicate": batch.orders_duplicate,
            "lines_accepted": batch.lines_accepted, "errors": errors,
            "errors_total": ImportRowError.select().where(ImportRowError.batch == batch.id).count()}


def errors_csv_lines(batch_id: int) -> Iterator[str]:
    """The batch's error report as CSV text, streamed a line at a time; cells the file gave (external_ref)
    cannot run as formulas in a spreadsheet."""
    query = (ImportRowError.select(ImportRowError.row, ImportRowError.external_ref, ImportRowError.field,
                                   ImportRowError.message)
             .where(ImportRowError.batch == batch_id).order_by(ImportRowError.row, ImportRowError.id).tuples())
    yield from csv_lines(chain([("row", "external_ref", "field", "message")], query.iterator()))
