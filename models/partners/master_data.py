"""Importing master data from CSV: each row validated, its codes resolved, then created or updated by natural key.

A bad row never takes good rows down: every row is written in its own savepoint and a refused row becomes a
RowError in the report. Problems with the file itself (not UTF-8, missing columns, past a read limit) import
nothing.

The file is read within the order files' limits (OMS_IMPORT_MAX_BYTES, OMS_IMPORT_MAX_ROWS,
OMS_IMPORT_MAX_CELL_CHARS and ROW_CHARS per row), each checked before any row is written.
"""
from __future__ import annotations

import csv
import io
import logging
import os
from dataclasses import dataclass, field
from typing import IO, Callable, Union

import peewee
from marshmallow import Schema, ValidationError

from models.core.base import utc_now
from models.core.config import Settings, load_settings
from models.core.db import database
from models.core.errors import ImportUnsafe, RowRejected, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake.file_import.limits import ROW_CHARS, RowLines
from models.inventory.moves import set_on_hand
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.partners.master_data_files import KINDS, REQUIRED_HEADERS, header_key
from models.partners.tables import Partner, User
from models.receivables.ledger import set_opening_balance

log = logging.getLogger(__name__)

Source = Union[str, os.PathLike, IO[bytes], IO[str]]

HEADER_ROW = 1
CHUNK_ROWS = 200  # rows per transaction: fewer commits, while each row still rolls back alone
LOOKUP_CHUNK = 500  # codes per IN (...), well under SQLite's bound-variable limit
csv.field_size_limit(ROW_CHARS)  # as for order files: never reached first, RowLines refuses such a row


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file; the header is line 1
    field: str
    message: str


@dataclass
class ImportReport:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def reject(self, row: int, field_name: str, message: str) -> None:
        self.errors.append(RowError(row, field_name, message))


@dataclass
class _Row:
    line: int
    data: dict  # as loaded by the kind's schema


# CSV column naming another record -> (its code column, its kind column if it has one)
_REFERENCES = {
    "supplier_code": (Partner.code, Partner.kind),
    "distributor_code": (Partner.code, Partner.kind),
    "warehouse_code": (Warehouse.code, None),
    "sku": (Product.sku, None),
}
Codes = dict[str, dict[str, tuple[int, str | None]]]  # CSV column -> code -> (id, kind)


@dataclass(frozen=True)
class _Kind:
    """How one kind of row maps onto its table."""

    model: type[peewee.Model]
    key: tuple[str, ...]  # model fields of the natural key
    csv_key: tuple[str, ...]  # the same key as CSV columns
    references: tuple[str, ...]  # CSV columns resolved through _REFERENCES
    values: Callable[[dict, Codes], dict]  # column values of a row; raises RowRejected
    check: Callable[[peewee.Model, dict], None] = lambda current, values: None  # may refuse an update
    update: Callable[[peewee.Model, dict], None] | None = None  # replaces the plain UPDATE by id
    # Values that are not plain columns: taken out before the row is written, then handed to
    # ``after_write(row_id, values)``, which returns whether it changed anything.
    derived: tuple[str, ...] = ()
    after_write: Callable[[int, dict], bool] | None = None


def import_master_data(kind: str, path_or_stream: Source, *, row_schema: Schema, actor: str = "cli",
                       settings: Settings | None = None) -> ImportReport:
    """Create or update the rows of a master data CSV file, each loaded by ``row_schema`` (the boundary's schema
    for a row of ``kind``); return what happened to each row. The file is read within the import limits of
    ``settings`` (None: the OMS_* environment's)."""
    if kind not in KINDS:
        raise ValidationFailed({"kind": [TextMessage(Text("unknown kind %(kind)s; one of %(kinds)s", kind=repr(kind),
                                                           kinds=", ".join(KINDS)))]})
    check_row_schema(row_schema, REQUIRED_HEADERS[kind], f"a row of {kind}")
    report = ImportReport(kind)
    parsed = read_csv_rows(path_or_stream, REQUIRED_HEADERS[kind], report, settings=settings)
    if parsed is None:
        return report
    spec = _KINDS[kind]
    rows = _without_duplicates(spec, load_rows(row_schema, parsed, report), report)
    for batch in _passes(kind, rows):
        _write(spec, batch, report)
    report.errors.sort(key=lambda error: error.row)
    log.info("%s imported %s: created %d, updated %d, unchanged %d, errors %d", actor, kind,
             report.created, report.updated, report.unchanged, len(report.errors))
    return report


def check_row_schema(row_schema: Schema, columns: tuple[str, ...], loads: str) -> None:
    """Refuse a schema that is not a marshmallow Schema instance, or has no field for one of the columns."""
    if not isinstance(row_schema, Schema):
        raise TypeError(f"row_schema must be a marshmallow Schema instance loading {loads}, not {row_schema!r}")
    absent = [name for name in columns if name not in row_schema.fields]
    if absent:
        raise ValueError(f"row_schema {type(row_schema).__name__} has no field for {', '.join(absent)}; "
                         f"pass the schema of {loads}")


class _Refused(Exception):
    """The file passes a read limit: reported as the import's one error, and nothing is imported."""

    def __init__(self, row: int, field_name: str, message: str) -> None:
        super().__init__(message)
        self.row, self.field, self.message = row, field_name, message


def read_csv_rows(source: Source, required: tuple[str, ...], report: ImportReport, *,
                  settings: Settings | None = None) -> list[tuple[int, dict]] | None:
    """Rows of the file as (line, {header: cell}); None, with the reason reported, if the file is unusable or
    passes a read limit of ``settings`` (None: the OMS_* environment's)."""
    settings = settings or load_settings()
    try:
        text = _read_text(source, report, settings.import_max_bytes)
        if text is None:
            return None
        return _rows(text, required, report, settings)
    except _Refused as refused:
        report.reject(refused.row, refused.field, refused.message)
        return None


def _rows(text: str, required: tuple[str, ...], report: ImportReport,
          settings: Settings) -> list[tuple[int, dict]] | None:
    max_rows, max_chars = settings.import_max_rows, settings.import_max_cell_chars
    lines = RowLines(io.StringIO(text, newline=""))
    reader = csv.reader(lines)
    try:
        header = next(reader, [])
        _check_cells(header, HEADER_ROW, ["header"] * len(header), max_chars, lines)
        headers = [header_key(name) for name in header]
        if not _headers_usable(required, headers, report):
            return None
        rows, start = [], reader.line_num + 1
        lines.row_read()
        for cells in reader:
            # line_num is where a record ends; a quoted cell may span lines, so count from where it began
            line, start = start, reader.line_num + 1
            _check_cells(cells, line, headers, max_chars, lines)
            lines.row_read()
            if any(cell.strip() for cell in cells):
                if len(rows) == max_rows:
                    raise _Refused(line, "file", TextMessage(Text("the file has more than %(most)s rows; split it",
                                                                  most=max_rows)))
                rows.append((line, {name: cell for name, cell in zip(headers, cells) if name}))
            elif reader.line_num > 2 * max_rows + 1:  # blank lines are cheap, but not free
                raise _Refused(line, "file", TextMessage(Text(
                    "the file has more than %(most)s lines, blank ones included; split it", most=2 * max_rows)))
    except ImportUnsafe:  # RowLines: the row being read passed ROW_CHARS
        raise _Refused(lines.row_start, "file", TextMessage(Text(
            "a row of more than %(most)s characters; no master data row is that long", most=ROW_CHARS))) from None
    except csv.Error as exc:
        report.reject(reader.line_num, "file", TextMessage(Text("not readable as CSV: %(error)s", error=str(exc))))
        return None
    return rows


def _check_cells(cells: list[str], line: int, names: list[str], max_chars: int, lines: RowLines) -> None:
    if lines.row_chars <= max_chars:  # only a row that long can hold a cell that long
        return
    for index, cell in enumerate(cells):
        if len(cell) > max_chars:
            name = names[index] if index < len(names) and names[index] else f"column {index + 1}"
            raise _Refused(line, name, TextMessage(Text(
                "more than %(most)s characters (%(read)s read); no master data field is that long",
                most=max_chars, read=len(cell))))


def _read_text(source: Source, report: ImportReport, max_bytes: int) -> str | None:
    """The file's text, refused once it passes ``max_bytes`` (never read further than one byte past it)."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    else:
        raw = source.read(max_bytes + 1)
    too_large = _Refused(HEADER_ROW, "file", TextMessage(Text(
        "the file is larger than the limit of %(most)s bytes; split it", most=max_bytes)))
    if isinstance(raw, str):
        if len(raw) > max_bytes or len(raw.encode("utf-8")) > max_bytes:
            raise too_large
        return raw.removeprefix("\ufeff")
    if len(raw) > max_bytes:
        raise too_large
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        byte = format(raw[exc.start], "#04x")
        report.reject(line, "file", TextMessage(Text("not UTF-8 text (byte %(byte)s); save the file as UTF-8",
                                                     byte=byte)))
        return None


def _headers_usable(required: tuple[str, ...], headers: list[str], report: ImportReport) -> bool:
    missing = [name for name in required if name not in headers]
    if missing:
        report.reject(HEADER_ROW, "header", TextMessage(Text("missing columns: %(columns)s",
                                                             columns=", ".join(missing))))
        return False
    repeated = sorted({name for name in headers if name and headers.count(name) > 1})
    if repeated:
        report.reject(HEADER_ROW, "header", TextMessage(Text("columns named more than once: %(columns)s",
                                                             columns=", ".join(repeated))))
        return False
    return True


def load_rows(schema: Schema, parsed: list[tuple[int, dict]], report: ImportReport) -> list[_Row]:
    """The rows the schema loads; every message of the others reported with its line and field."""
    rows = []
    for line, cells in parsed:
        try:
            rows.append(_Row(line, schema.load(cells)))
        except ValidationError as exc:
            for field_name, messages in exc.messages.items():
                for message in messages if isinstance(messages, list) else [messages]:
                    report.reject(line, "row" if field_name == "_schema" else field_name, str(message))
    return rows


def _without_duplicates(spec: _Kind, rows: list[_Row], report: ImportReport) -> list[_Row]:
    """Refuse a second row with the same natural key: which of the two should win is anyone's guess."""
    first_line, kept = {}, []
    for row in rows:
        key = tuple(row.data[column] for column in spec.csv_key)
        if key in first_line:
            report.reject(row.line, spec.csv_key[-1],
                          TextMessage(Text("same %(key)s as row %(row)s", key=" and ".join(spec.csv_key),
                                           row=first_line[key])))
        else:
            first_line[key] = row.line
            kept.append(row)
    return kept


def _passes(kind: str, rows: list[_Row]) -> list[list[_Row]]:
    if kind != "customers":
        return [rows]
    # Distributors first, so a customer may name a distributor that appears anywhere in the same file.
    return [[row for row in rows if row.data["kind"] == "distributor"],
            [row for row in rows if row.data["kind"] != "distributor"]]


def _write(spec: _Kind, rows: list[_Row], report: ImportReport) -> None:
    codes = _codes(spec, rows)
    ready = []
    for row in rows:
        try:
            ready.append((row.line, spec.values(row.data, codes)))
        except RowRejected as exc:
            report.reject(row.line, exc.field, exc.message)
    existing = _existing(spec, [values for _, values in ready])
    for chunk in peewee.chunked(ready, CHUNK_ROWS):
        with database.atomic():
            for line, values in chunk:
                try:
                    with database.atomic():  # a savepoint: a refused row undoes only itself
                        outcome = _upsert(spec, values, existing.get(_key(spec, values)))
                except RowRejected as exc:
                    report.reject(line, exc.field, exc.message)
                except (peewee.IntegrityError, peewee.DataError) as exc:
                    # e.g. another writer created the same key since it was read
                    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                    report.reject(line, spec.csv_key[-1], TextMessage(Text("refused by the database: %(reason)s",
                                                                            reason=reason)))
                else:
                    setattr(report, outcome, getattr(report, outcome) + 1)


def _upsert(spec: _Kind, values: dict, current: peewee.Model | None) -> str:
    """Write one row; return which ImportReport counter it adds to."""
    derived = {name: values[name] for name in spec.derived}
    values = {name: value for name, value in values.items() if name not in derived}
    if current is None:
        row_id = spec.model.insert(values).execute()
        if spec.after_write:
            spec.after_write(row_id, derived)
        return "created"
    spec.check(current, values)
    changes = {name: value for name, value in values.items() if _stored(current, name) != value}
    if changes:
        if "updated_at" in spec.model._meta.fields:
            changes["updated_at"] = utc_now()
        if spec.update:
            spec.update(current, changes)
        else:
            spec.model.update(changes).where(spec.model.id == current.id).execute()
    derived_changed = spec.after_write(current.id, derived) if spec.after_write else False
    return "updated" if changes or derived_changed else "unchanged"


def _stored(row: peewee.Model, name: str):
    """A column's stored value; a foreign key as its id, so it compares with resolved codes."""
    column = row._meta.fields[name]
    return getattr(row, column.object_id_name if isinstance(column, peewee.ForeignKeyField) else name)


def _key(spec: _Kind, values: dict) -> tuple:
    return tuple(values[name] for name in spec.key)


def _existing(spec: _Kind, values: list[dict]) -> dict[tuple, peewee.Model]:
    """The stored rows these values would update, by natural key, read in one query per chunk."""
    wanted = {_key(spec, row) for row in values}
    first = spec.key[0]
    found = {}
    for chunk in peewee.chunked(sorted({key[0] for key in wanted}), LOOKUP_CHUNK):
        for row in spec.model.select().where(getattr(spec.model, first).in_(chunk)):
            key = tuple(_stored(row, name) for name in spec.key)
            if key in wanted:
                found[key] = row
    return found


def _codes(spec: _Kind, rows: list[_Row]) -> Codes:
    """Ids (and kinds) of every record the rows name, read in one query per column and chunk."""
    codes: Codes = {}
    for column in spec.references:
        code_column, kind_column = _REFERENCES[column]
        model = code_column.model
        selected = (model.id, code_column, kind_column or peewee.Value(None))
        wanted = sorted({row.data[column] for row in rows if row.data.get(column)})
        codes[column] = {}
        for chunk in peewee.chunked(wanted, LOOKUP_CHUNK):
            for id_, code, kind in model.select(*selected).where(code_column.in_(chunk)).tuples():
                codes[column][code] = (id_, kind)
    if "distributor_code" in codes:
        # A distributor this file turns into a plain customer can no longer serve anyone.
        distributors = codes["distributor_code"]
        for row in rows:
            if row.data["code"] in distributors:
                distributors[row.data["code"]] = (distributors[row.data["code"]][0], row.data["kind"])
    return codes


def _resolve(codes: Codes, data: dict, column: str, noun: Text, kind: str | None = None) -> int | None:
    code = data.get(column)
    if not code:
        return None
    found = codes[column].get(code)
    if found is None or (kind is not None and found[1] != kind):
        raise RowRejected(column, TextMessage(Text("no %(noun)s %(code)s", noun=noun, code=repr(code))))
    return found[0]


def _supplier_values(data: dict, codes: Codes) -> dict:
    return {"code": data["code"], "name": data["name"], "kind": "supplier", "email": data["email"],
            "lead_time_days": data["lead_time_days"]} | ({"locale": data["locale"]} if "locale" in data else {})


def _customer_values(data: dict, codes: Codes) -> dict:
    distributor = _resolve(codes, data, "distributor_code", Text("distributor with code"), "distributor")
    fields = ("code", "name", "kind", "email", "region", "credit_limit", "payment_terms_days",
              "outstanding_balance", "blocked")
    optional = {name: data[name] for name in ("currency", "group_credit_limit", "locale") if name in data}
    return {name: data[name] for name in fields} | optional | {"distributor": distributor}


def _write_opening_balance(partner_id: int, derived: dict) -> bool:
    """The outstanding_balance column is the opening balance: kept as the customer's opening invoice."""
    try:
        partner = Partner.get_by_id(partner_id)
        # in the buyer's currency when it is first opened; an existing opening invoice keeps its own
        return set_opening_balance(partner, derived["outstanding_balance"], currency=partner.currency)
    except ValidationFailed as exc:
        raise RowRejected("outstanding_balance", _joined(exc.messages["outstanding_balance"])) from None


def _check_partner_kind(current: Partner, values: dict) -> None:
    """Refuse turning a supplier into a buyer (or back), or a distributor that still serves others into a customer."""
    if current.kind == values["kind"]:
        return
    if "supplier" in (current.kind, values["kind"]):
        raise RowRejected("code", TextMessage(Text("%(code)s is a %(kind)s; give the %(new_kind)s its own code",
                                                    code=current.code, kind=current.kind, new_kind=values["kind"])))
    if current.kind == "distributor":
        served = Partner.select().where(Partner.distributor == current.id).count()
        users = User.select().where(User.partner == current.id).count()
        if served or users:
            raise RowRejected("kind", TextMessage(Text(
                "%(code)s still serves %(served)s customer(s) and has %(users)s user(s); move them to another "
                "distributor first", code=current.code, served=served, users=users)))


def _product_values(data: dict, codes: Codes) -> dict:
    supplier = _resolve(codes, data, "supplier_code", Text("supplier with code"), "supplier")
    fields = ("sku", "name", "unit_price", "currency", "weight_kg", "dropship", "reorder_point")
    return {name: data[name] for name in fields} | {"supplier": supplier}


def _warehouse_values(data: dict, codes: Codes) -> dict:
    optional = {name: data[name] for name in ("city", "postcode", "country") if name in data}
    return {name: data[name] for name in ("code", "name", "region", "address")} | optional


def _lane_values(data: dict, codes: Codes) -> dict:
    return {"warehouse": _resolve(codes, data, "warehouse_code", Text("warehouse with code")),
            "region": data["region"],
            "cost": data["cost"], "lead_time_days": data["lead_time_days"]}


def _stock_values(data: dict, codes: Codes) -> dict:
    return {"warehouse": _resolve(codes, data, "warehouse_code", Text("warehouse with code")),
            "product": _resolve(codes, data, "sku", Text("product with SKU")), "on_hand": data["on_hand"]}


def _write_on_hand(stock_id: int, derived: dict) -> bool:
    """Set on_hand as a counted figure, never below reserved; the difference is an audited movement that
    also nudges backorders and low-stock alerts."""
    try:
        return set_on_hand(stock_id, derived["on_hand"], actor="stock import") is not None
    except ValidationFailed as exc:
        raise RowRejected("on_hand", _joined(exc.messages["on_hand"])) from None


def _joined(messages: list) -> str:
    """A ValidationFailed field's messages as one; a single one keeps its template."""
    if len(messages) == 1:
        return messages[0]
    return "; ".join(messages)


_KINDS = {
    "suppliers": _Kind(Partner, ("code",), ("code",), (), _supplier_values, check=_check_partner_kind),
    "customers": _Kind(Partner, ("code",), ("code",), ("distributor_code",), _customer_values,
                       check=_check_partner_kind, derived=("outstanding_balance",),
                       after_write=_write_opening_balance),
    "products": _Kind(Product, ("sku",), ("sku",), ("supplier_code",), _product_values),
    "warehouses": _Kind(Warehouse, ("code",), ("code",), (), _warehouse_values),
    "lanes": _Kind(Lane, ("warehouse", "region"), ("warehouse_code", "region"), ("warehouse_code",), _lane_values),
    "stock": _Kind(Stock, ("warehouse", "product"), ("warehouse_code", "sku"), ("warehouse_code", "sku"),
                   _stock_values, derived=("on_hand",), after_write=_write_on_hand),
}
