"""Reading an order file row by row without loading it whole: CSV (any common encoding and delimiter)
or the first sheet of an XLSX workbook. Rows come out as (line number in the file, list of cell texts)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator

from models.core.errors import ImportRefused
from models.intake.file_import.decoding import SAMPLE_BYTES, detect_encoding

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
csv.field_size_limit(1024 * 1024)


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number, cells); the header is line 1
    close: Callable[[], None]


def open_table(path: Path, filename: str) -> Table:
    """The header and a row iterator of the stored file; refuses what is neither CSV nor XLSX."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    suffix = Path(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and sample.startswith(ZIP_MAGIC)):
        return _xlsx_table(path)
    if suffix not in CSV_SUFFIXES and b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(f"{filename}: not a CSV or XLSX file")
    if suffix not in CSV_SUFFIXES and suffix:
        raise ImportRefused(f"{filename}: not a CSV or XLSX file (expected .csv or .xlsx)")
    return _csv_table(path, sample)


def _csv_table(path: Path, sample: bytes) -> Table:
    encoding = detect_encoding(sample)
    if encoding is None:
        raise ImportRefused("cannot read the file's text encoding; save it as UTF-8 CSV")
    handle = path.open("r", encoding=encoding, newline="")
    first_line = handle.readline()
    handle.seek(0)
    reader = csv.reader(handle, delimiter=_delimiter(first_line))
    try:
        header = next(reader, [])
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise ImportRefused(f"cannot read the header row: {exc}") from None
    return Table(header=header, rows=_csv_rows(reader), close=handle.close)


def _delimiter(header_line: str) -> str:
    """The delimiter the header line uses most: headers rarely contain , ; or tab themselves."""
    return max(DELIMITERS, key=header_line.count)


def _csv_rows(reader) -> Iterator[tuple[int, list[str]]]:
    start = reader.line_num + 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"line {start}: the text is not in the file's encoding ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportRefused(f"line {start}: {exc}") from None


def _xlsx_table(path: Path) -> Table:
    import openpyxl  # only XLSX uploads pay for the import

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt zip or not a workbook at all: openpyxl raises many kinds
        raise ImportRefused(f"cannot open the workbook: {exc}") from None
    sheet = workbook.worksheets[0]
    rows = enumerate(sheet.iter_rows(values_only=True), start=1)
    _, header = next(rows, (1, ()))
    cells = ((number, [_cell_text(value) for value in values]) for number, values in rows)
    return Table(header=[_cell_text(value) for value in header], rows=cells, close=workbook.close)


def _cell_text(value) -> str:
    """A cell as the text a CSV would hold: 3.0 → "3", a date → "2024-05-01"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
