"""Order file import (CSV, XLSX): store the file, check every row, create the good orders in chunks.

Pass 1 streams the rows, checks each on its own and spills them to a temporary SQLite file keyed by
external_ref (see spill.py); pass 2 reads them back one order at a time, checks the rows of each order
together and writes the accepted orders ORDERS_PER_CHUNK at a time, each chunk in one transaction (on
PostgreSQL while the next orders are checked: streaming.py). Accepted orders go straight into review.
"""
from __future__ import annotations

import gc
import hashlib
import re
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO, Iterator

from marshmallow import Schema

from models.core.base import utc_now
from models.core.errors import ImportRefused, ImportTooLarge
from models.core.text_messages import stored_message
from models.intake.file_import import writing
from models.intake.file_import.columns import canonical_columns
from models.intake.file_import.limits import ReadLimits, too_many_rows
from models.intake.file_import.planned import PlannedOrder, Provenance
from models.intake.file_import.reading import open_table
from models.intake.file_import.rows import (
    SEPARATOR,
    Customer,
    Product,
    RowChecker,
    RowProblem,
    order_problems,
)
from models.intake.file_import.spill import RowSpill
from models.intake.tables import ColumnMapping, ImportBatch, ImportRowError
from models.inventory.tables import Product as ProductRow
from models.partners.tables import Partner

__all__ = ["ImportResult", "RowProblem", "import_order_file", "ImportRefused"]

COPY_BLOCK = 1024 * 1024
REPORTED_ERRORS = 1000  # the result lists this many; the batch keeps them all
FILE_CHANNELS = ("file", "email")


@dataclass
class ImportResult:
    batch_id: int
    orders_accepted: int = 0
    orders_rejected: int = 0
    orders_duplicate: int = 0
    lines_accepted: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    errors_total: int = 0

    def as_dict(self) -> dict:
        return {**asdict(self), "errors": [asdict(problem) for problem in self.errors]}


def import_order_file(stream: BinaryIO, filename: str, *, settings, submitted_by: str,
                      distributor: Partner | None, row_schema: Schema, channel: str = "file") -> ImportResult:
    """Import an order file for ``distributor`` (None: ops, any buyer), checking each row's own fields with
    ``row_schema`` (the boundary's order row schema); refuses a bad file whole."""
    if channel not in FILE_CHANNELS:
        raise ValueError(f"channel must be one of {FILE_CHANNELS}, not {channel!r}")
    batch = ImportBatch.create(channel=channel, distributor=distributor, submitted_by=submitted_by,
                               filename=filename[:255], sha256="")
    try:
        path = _store_source(stream, batch, filename, settings)
        with _collector_paused():
            result = _import_stored(path, batch, settings=settings, distributor=distributor, row_schema=row_schema)
    except ImportRefused as exc:
        _finish(batch, status="failed", failure=str(exc))
        raise
    except Exception as exc:
        _finish(batch, status="failed", failure=f"stopped by an internal error: {exc.__class__.__name__}")
        raise
    return result


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the rows are checked and written: it walked the rows held between the
    passes (a list per order) again and again, ~12% of the import's CPU. Nothing here makes cycles to collect."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _store_source(stream: BinaryIO, batch: ImportBatch, filename: str, settings) -> Path:
    """Copy the upload under the data dir, hashing it; refuses it once it passes import_max_bytes."""
    folder = Path(settings.data_dir) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{batch.id}-{safe_filename(filename)}"
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as out:
        while block := stream.read(COPY_BLOCK):
            size += len(block)
            if size > settings.import_max_bytes:
                out.close()
                path.unlink()
                raise ImportTooLarge(f"the file is larger than the limit of {settings.import_max_bytes} bytes")
            digest.update(block)
            out.write(block)
    ImportBatch.update(stored_path=str(path), sha256=digest.hexdigest(), size_bytes=size).where(
        ImportBatch.id == batch.id).execute()
    return path


def safe_filename(filename: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(filename.replace("\\", "/")).name).strip("._")
    return name[-100:] or "upload"


def _import_stored(path: Path, batch: ImportBatch, *, settings, distributor: Partner | None,
                   row_schema: Schema) -> ImportResult:
    table = open_table(path, batch.filename, limits=ReadLimits.of(settings))
    spill = RowSpill()
    try:
        try:
            mapping = _mapping_of(distributor)
            columns = canonical_columns(table.header, mapping)
            customers = _customers()
            checker = RowChecker(customers, _products(),
                                 (distributor.id, distributor.code) if distributor else None, columns,
                                 row_schema=row_schema)
            rows = _check_rows(table.rows, checker, spill, settings.import_max_rows)
        finally:
            table.close()
        result = ImportResult(batch_id=batch.id)
        source = Provenance(batch.channel, batch.id, distributor.id if distributor else None, batch.submitted_by)
        _create_orders(spill, source, result, customers)
        _store_problems(spill, batch.id, result)
        _finish(batch, status="completed", rows=rows, result=result)
        return result
    finally:
        spill.close()


def _check_rows(rows: Iterator[tuple[int, list[str]]], checker: RowChecker, spill: RowSpill,
                max_rows: int) -> int:
    """Pass 1: check each non-blank row and spill it; refuses the file as soon as it has too many rows."""
    count = 0
    check, add_line = checker.check_cells, spill.add_line
    for row_no, cells in rows:
        checked = check(row_no, cells)
        if checked is None:
            continue  # blank lines and the empty rows spreadsheets leave at the end
        count += 1
        if count > max_rows:
            raise too_many_rows(max_rows)
        if len(checked) == 2:
            ref, problems = checked
            for problem in problems:
                spill.add_problem(problem.row, problem.external_ref, problem.field, problem.message)
            if ref:
                add_line(ref, row_no, None, None, None, None, None, True)
        else:
            ref, header, product_id, sku, quantity, unit_price, price_given = checked
            add_line(ref, row_no, header, product_id, sku, quantity, str(unit_price), False, price_given)
    return count


def _create_orders(spill: RowSpill, source: Provenance, result: ImportResult,
                   customers: dict[str, Customer]) -> None:
    """Pass 2: the orders read back from the spill and checked one at a time, the good ones written as they come."""
    written = writing.write_orders(_accepted_orders(spill, result, customers), source, at_most=spill.order_count())
    result.orders_accepted += written.created
    result.lines_accepted += written.lines
    result.orders_duplicate += written.duplicates


def _accepted_orders(spill: RowSpill, result: ImportResult,
                     customers: dict[str, Customer]) -> Iterator[PlannedOrder]:
    """The orders of the spill whose rows agree with each other; the others are counted and their problems kept."""
    # Orders share few distinct prices: parse each text once (bounded, read-only results).
    prices: dict[str, Decimal] = {}
    for ref, lines in spill.orders():
        if any(line[7] for line in lines):
            result.orders_rejected += 1
            continue
        first = lines[0][2]
        if any(line[2] != first for line in lines):  # the same header may have several ids: compare texts
            lines = [(*line[:2], spill.header_text(line[2]), *line[3:]) for line in lines]
            first = lines[0][2]
        else:
            first = spill.header_text(first)
        problems = order_problems(ref, lines)
        if problems:
            for problem in problems:
                spill.add_problem(problem.row, problem.external_ref, problem.field, problem.message)
            result.orders_rejected += 1
            continue
        if len(prices) >= 50_000:
            prices.clear()
        yield PlannedOrder(external_ref=ref, customer_id=customers[first.split(SEPARATOR, 1)[0]].id, header=first,
                           lines=[(line[3], line[4], line[5], prices.get(line[6])
                                   or prices.setdefault(line[6], Decimal(line[6])), bool(line[8]))
                                  for line in lines])


def _store_problems(spill: RowSpill, batch_id: int, result: ImportResult) -> None:
    rows: list[dict] = []
    for row, ref, field_name, message, text_json in spill.problems():
        result.errors_total += 1
        if len(result.errors) < REPORTED_ERRORS:
            result.errors.append(RowProblem(row, ref, field_name, stored_message(message, text_json)))
        rows.append({"batch": batch_id, "row": row, "external_ref": ref[:128], "field": field_name,
                     "message": message, "message_text": text_json})
        if len(rows) >= 1000:
            ImportRowError.insert_many(rows).execute()
            rows = []
    if rows:
        ImportRowError.insert_many(rows).execute()


def _finish(batch: ImportBatch, *, status: str, failure: str = "", rows: int = 0,
            result: ImportResult | None = None) -> None:
    counts = {}
    if result is not None:
        counts = {"orders_accepted": result.orders_accepted, "orders_rejected": result.orders_rejected,
                  "orders_duplicate": result.orders_duplicate, "lines_accepted": result.lines_accepted}
    ImportBatch.update(status=status, failure=failure, rows=rows, finished_at=utc_now(), **counts).where(
        ImportBatch.id == batch.id).execute()


def _mapping_of(distributor: Partner | None) -> dict[str, str]:
    if distributor is None:
        return {}
    saved = ColumnMapping.get_or_none(ColumnMapping.distributor == distributor.id)
    return saved.mapping if saved else {}


def _customers() -> dict[str, Customer]:
    return {code: Customer(pid, dist) for code, pid, dist in
            Partner.select(Partner.code, Partner.id, Partner.distributor)
            .where(Partner.kind.in_(("customer", "distributor"))).tuples()}


def _products() -> dict[str, Product]:
    return {sku: Product(pid, sku, price, currency) for pid, sku, price, currency in
            ProductRow.select(ProductRow.id, ProductRow.sku, ProductRow.unit_price, ProductRow.currency)
            .where(ProductRow.active == True).tuples()}  # noqa: E712

