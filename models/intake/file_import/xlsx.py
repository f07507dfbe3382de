"""The first sheet of an XLSX workbook as (row number, cell texts), read as a stream within the read limits.

Not through openpyxl's reader: even read-only, it builds a whole cell's text and the whole shared-string table as
Python objects before anything can look at them (a 300 KB file with one 300 MB cell took 6.6 GB). Here the zip's
declared sizes are checked first (unpacking.py), the sheet's rows are counted before any is checked, and each part
goes to expat a block at a time, so a text that grows past the cell limit stops the read at once. openpyxl still
supplies the number formats and date arithmetic (imported only when a workbook is read), so cells read as they did
through it.
"""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Callable, Iterator

from models.core.errors import ImportRefused
from models.intake.file_import.limits import (
    MAX_COLUMNS,
    ROW_CHARS,
    ReadLimits,
    cell_too_long,
    row_too_long,
    too_many_rows,
)
from models.intake.file_import.unpacking import open_archive, part_blocks
from models.intake.file_import.xlsx_parts import (
    QUIET_BYTES,
    SharedStrings,
    date_styles,
    feed,
    find_parts,
    local,
    new_parser,
    shared_strings,
)

Rows = Iterator[tuple[int, list[str]]]
DIGITS = "0123456789"
COUNT_BLOCK = 1024 * 1024
ROOT_PREFIX = re.compile(rb"<([\w.-]+:)?worksheet[\s>/]")  # "x:" when tags are prefixed


def open_sheet(path: Path, limits: ReadLimits) -> tuple[list[str], Rows, Callable[[], None]]:
    """(header row, the rows after it, close) of the workbook's first sheet. Refused before a row is handed out
    when the zip or the row count passes the limits; an endless cell or row further down stops the rows there."""
    archive = open_archive(path, limits)
    rows = None
    try:
        parts = find_parts(archive)
        strings = shared_strings(archive, parts.strings, limits.max_cell_chars)
        dates, durations = date_styles(archive, parts.styles)
        reader = _SheetReader(parts.sheet, strings, dates, durations, parts.date1904, limits)
        rows = _sheet_rows(archive, reader)
        first = next(rows, None)  # the header, read first: an endless cell there is refused before counting rows
        _check_row_count(archive, parts.sheet, limits.max_rows)
    except BaseException:
        if rows is not None:
            rows.close()
        archive.close()
        raise

    def close() -> None:
        rows.close()
        archive.close()

    if first is None:
        return [], rows, close
    if first[0] == 1:
        return first[1], rows, close
    return [], chain([first], rows), close  # no row 1: no header, as openpyxl reads it


def _check_row_count(archive: zipfile.ZipFile, sheet: str, max_rows: int) -> None:
    """Refuse a sheet with more rows than the limit (plus its header) by counting row end tags in the unpacked
    bytes: far faster than parsing, so a 3M-row sheet is refused in a second, not after checking 1M rows.
    Rows with only formatted, empty cells count too; rows without cells do not."""
    rows, tail, row_end = 0, b"", None
    for block in part_blocks(archive, sheet, COUNT_BLOCK):
        if row_end is None:
            root = ROOT_PREFIX.search(block)
            row_end = b"</" + ((root.group(1) or b"") if root else b"") + b"row>"
        head = block[:len(row_end) - 1]
        rows += block.count(row_end) + (tail + head).count(row_end)  # tail + head: a tag cut by the block boundary
        tail = block[1 - len(row_end):]
        if rows > max_rows + 1:
            raise too_many_rows(max_rows)


def _sheet_rows(archive: zipfile.ZipFile, reader: _SheetReader) -> Rows:
    quiet = max(QUIET_BYTES, 8 * reader.max_chars)  # one legitimate cell's XML may run to ~6 bytes a character
    for _ in feed(archive, reader.name, new_parser(reader.name, reader), reader, quiet):
        if reader.rows:
            rows, reader.rows = reader.rows, []
            yield from rows


class _SheetReader:
    """Collects the rows of <sheetData>: each <c>'s value as the text a CSV would hold, at its column."""

    def __init__(self, name: str, strings: SharedStrings, dates: set[str], durations: set[str], date1904: bool,
                 limits: ReadLimits) -> None:
        from openpyxl.utils import (
            datetime as excel_dates,  # only XLSX uploads pay for importing openpyxl
        )

        self.name, self.strings, self.dates, self.durations = name, strings, dates, durations
        self.epoch = excel_dates.MAC_EPOCH if date1904 else excel_dates.WINDOWS_EPOCH
        self._from_excel, self._from_iso = excel_dates.from_excel, excel_dates.from_ISO8601
        self._columns: dict[str, int] = {}
        self.max_chars, self.max_rows = limits.max_cell_chars, limits.max_rows
        self.rows: list[tuple[int, list[str]]] = []  # finished since the caller last took them
        self.events, self.done = 0, False
        self._row_no, self._counted, self._row_chars = 0, 0, 0
        self._cells: list[str] = []
        self._column, self._ref, self._kind, self._style = 0, None, "n", None
        self._pieces: list[str] = []
        self._size = 0
        self._capture = self._inline = self._phonetic = False
        self._tags: dict[str, str] = {}

    def _tag(self, name: str) -> str:
        """The tag without its namespace prefix, remembered: the sheet repeats a handful of names millions of times."""
        tag = local(name)
        if len(self._tags) < 1000:
            self._tags[name] = tag
        return tag

    def start(self, name: str, attrs: dict) -> None:
        tag = self._tags.get(name) or self._tag(name)
        if tag == "c":
            self._ref = attrs.get("r")
            self._column = self._column_of(self._ref) if self._ref else self._column + 1
            self._kind, self._style = attrs.get("t", "n"), attrs.get("s")
            self._pieces, self._size = [], 0
        elif tag == "v":
            self._capture = self._kind != "inlineStr"  # openpyxl reads an inline string's <is> only
        elif tag == "t":
            self._capture = self._inline and not self._phonetic
        elif tag == "is":
            self._inline = True
        elif tag == "rPh":
            self._phonetic = True
        elif tag == "row":
            ref = attrs.get("r")
            self._row_no = self._number(ref) if ref else self._row_no + 1
            self._cells, self._column, self._row_chars = [], 0, 0

    def data(self, text: str) -> None:
        if self._capture:
            self._size += len(text)
            if self._size > self.max_chars:
                raise cell_too_long(f"row {self._row_no}, cell {self._ref or self._column}", self._size,
                                    self.max_chars)
            self._pieces.append(text)

    def end(self, name: str) -> None:
        self.events += 1
        tag = self._tags.get(name) or self._tag(name)
        if tag == "c":
            cells, at, value = self._cells, self._column - 1, self._value("".join(self._pieces))
            self._row_chars += len(value)
            if self._row_chars > ROW_CHARS:  # each cell within its limit, but thousands of them
                raise row_too_long(f"row {self._row_no}")
            if at >= len(cells):
                cells.extend([""] * (at - len(cells)))
                cells.append(value)
            else:
                cells[at] = value
        elif tag in ("v", "t"):
            self._capture = False
        elif tag == "is":
            self._inline = False
        elif tag == "rPh":
            self._phonetic = False
        elif tag == "row":
            if self._cells:
                self._counted += 1
                if self._counted > self.max_rows + 1:
                    raise too_many_rows(self.max_rows)
                self.rows.append((self._row_no, self._cells))
            self._cells = []
        elif tag == "sheetData":
            self.done = True

    def _value(self, text: str) -> str:
        """The cell's text as openpyxl (read-only, data only) gave it and ``cell_text`` wrote it."""
        kind = self._kind
        if not text or kind in ("inlineStr", "str", "e"):
            return text
        if kind == "s":
            try:
                return self.strings[int(text)]
            except (IndexError, ValueError):
                raise ImportRefused(f"the workbook is damaged (row {self._row_no}: no shared string {text!r})") \
                    from None
        if kind == "b":
            return str(bool(int(text))) if text.isdigit() else text
        if kind == "d":
            try:
                return cell_text(self._from_iso(text))
            except ValueError:
                return text
        try:
            number = float(text) if "." in text or "E" in text or "e" in text else int(text)
        except ValueError:
            return text
        if self._style in self.dates:
            try:
                return cell_text(self._from_excel(number, self.epoch, timedelta=self._style in self.durations))
            except (OverflowError, ValueError):
                return "#VALUE!"
        return cell_text(number)

    def _column_of(self, ref: str) -> int:
        """1 for "A7", 28 for "AB7"; refused past XFD, Excel's last column."""
        letters = ref.rstrip(DIGITS)
        column = self._columns.get(letters)
        if column is None:
            column = 0
            for letter in letters.upper() if letters.isascii() and letters.isalpha() and len(letters) <= 3 else "?":
                column = column * 26 + ord(letter) - 64
            if not 1 <= column <= MAX_COLUMNS:
                raise ImportRefused(f"the workbook is damaged (row {self._row_no}: no column {ref[:20]!r})")
            self._columns[letters] = column
        return column

    def _number(self, ref: str) -> int:
        if not (ref.isascii() and ref.isdigit() and len(ref) <= 9):
            raise ImportRefused(f"the workbook is damaged (row number {ref[:20]!r})")
        return int(ref)


def cell_text(value: object) -> str:
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
