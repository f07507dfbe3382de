"""Every CSV file the OMS hands out goes through here, so that a spreadsheet opening it shows text, not formulas.

A cell that starts with =, +, -, @, tab or carriage return is run as a formula by Excel, LibreOffice and Google
Sheets (=HYPERLINK(…) to phish, =cmd|… to execute); such a text cell gets a leading apostrophe, which those
programs read as "this is text" (OWASP, CSV injection). Numbers (int, Decimal, float) are written as they are, so a
refund of -2.50 stays a number; only str cells are changed.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator, Sequence, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: a str a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def csv_lines(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """Each row as one line of CSV text (for a streamed response), every cell through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(safe_row(row))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def write_csv(handle: TextIO, rows: Iterable[Sequence[Any]]) -> None:
    """Write ``rows`` to a text file opened with ``newline=""``, every cell through ``safe_cell``."""
    csv.writer(handle).writerows(safe_row(row) for row in rows)
