"""Reading an order file row by row without loading it whole: CSV (any common encoding and delimiter)
or the first sheet of an XLSX workbook (xlsx.py). Rows come out as (line number in the file, list of cell texts).

Nothing read may outgrow the read limits: a row longer than ROW_CHARS is refused before it is held whole, a cell
longer than the cell limit refuses the file, and the rows are counted before any is checked (the slow part)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from models.core.errors import ImportRefused, ImportTooLarge
from models.intake.file_import.decoding import SAMPLE_BYTES, detect_encoding
from models.intake.file_import.limits import (
    ROW_CHARS,
    ReadLimits,
    RowLines,
    cell_too_long,
    too_many_rows,
)
from models.intake.file_import.xlsx import open_sheet

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t")
ZIP_MAGIC = b"PK\x03\x04"
COUNT_BLOCK = 1024 * 1024
csv.field_size_limit(ROW_CHARS)  # never reached first: RowLines refuses the row around such a cell


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (line number, cells); the header is line 1
    close: Callable[[], None]


def open_table(path: Path, filename: str, *, limits: ReadLimits) -> Table:
    """The header and a row iterator of the stored file; refuses what is neither CSV nor XLSX, or passes ``limits``."""
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    suffix = Path(filename).suffix.lower()
    if suffix in XLSX_SUFFIXES or (suffix not in CSV_SUFFIXES and sample.startswith(ZIP_MAGIC)):
        header, rows, close = open_sheet(path, limits)
        return Table(header=header, rows=rows, close=close)
    if suffix not in CSV_SUFFIXES and b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(f"{filename}: not a CSV or XLSX file")
    if suffix not in CSV_SUFFIXES and suffix:
        raise ImportRefused(f"{filename}: not a CSV or XLSX file (expected .csv or .xlsx)")
    return _csv_table(path, sample, limits)


def _csv_table(path: Path, sample: bytes, limits: ReadLimits) -> Table:
    encoding = detect_encoding(sample)
    if encoding is None:
        raise ImportRefused("cannot read the file's text encoding; save it as UTF-8 CSV")
    handle = path.open("r", encoding=encoding, newline="")
    try:
        delimiter = _delimiter(handle.readline(ROW_CHARS))
        handle.seek(0)
        _check_row_count(path, encoding, delimiter, limits.max_rows)
        lines = RowLines(handle)
        reader = csv.reader(lines, delimiter=delimiter)
        header = next(reader, [])
        _check_cells(header, 1, limits.max_cell_chars)
    except (UnicodeDecodeError, csv.Error) as exc:
        handle.close()
        raise ImportRefused(f"cannot read the header row: {exc}") from None
    except BaseException:
        handle.close()
        raise
    return Table(header=header, rows=_csv_rows(reader, lines, limits.max_cell_chars), close=handle.close)


def _delimiter(header_line: str) -> str:
    """The delimiter the header line uses most: headers rarely contain , ; or tab themselves."""
    return max(DELIMITERS, key=header_line.count)


def _check_row_count(path: Path, encoding: str, delimiter: str, max_rows: int) -> None:
    """Refuse a file of more than ``max_rows`` rows before any row is checked.

    Counting line ends in the raw bytes is nearly free and settles it for almost every file (a file cannot have
    more rows than line ends); only when there are more line ends than allowed rows (blank lines, cells spanning
    lines) does the csv reader count the rows that hold text, still without checking them."""
    ends = 0
    with path.open("rb") as raw:
        while block := raw.read(COUNT_BLOCK):
            ends += block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    if ends <= max_rows:
        return
    with path.open("r", encoding=encoding, newline="") as handle:
        lines = RowLines(handle)
        reader = csv.reader(lines, delimiter=delimiter)
        rows = 0
        try:
            for number, cells in enumerate(reader):
                lines.row_read()
                if number and any(map(str.strip, cells)):  # row 0: the header
                    rows += 1
                    if rows > max_rows:
                        raise too_many_rows(max_rows)
                if reader.line_num > 2 * max_rows + 1:  # blank lines are cheap, but not free
                    raise ImportTooLarge(f"the file has more than {2 * max_rows} lines, blank ones included; "
                                         "split it")
        except (UnicodeDecodeError, csv.Error):
            return  # reading the rows reports it, with its line


def _check_cells(cells: list[str], line: int, max_chars: int) -> None:
    longest = max(map(len, cells), default=0)
    if longest > max_chars:
        raise cell_too_long(f"line {line}", longest, max_chars)


def _csv_rows(reader, lines: RowLines, max_chars: int) -> Iterator[tuple[int, list[str]]]:
    lines.row_read()
    start = reader.line_num + 1
    try:
        for cells in reader:
            if lines.row_chars > max_chars:  # only a row that long can hold a cell that long
                _check_cells(cells, start, max_chars)
            lines.row_read()
            yield start, cells
            start = reader.line_num + 1
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"line {start}: the text is not in the file's encoding ({exc.reason})") from None
    except csv.Error as exc:
        raise ImportRefused(f"line {start}: {exc}") from None
