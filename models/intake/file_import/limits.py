"""How much an order file may hold (the OMS_IMPORT_* settings), and the refusals when it holds more."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from models.core.errors import ImportTooLarge, ImportUnsafe

ROW_CHARS = 1024 * 1024  # one row of a file, its cells together (so one CSV line too); no order row comes near
MAX_COLUMNS = 16_384  # Excel's last column, XFD


@dataclass(frozen=True)
class ReadLimits:
    max_rows: int
    max_cell_chars: int
    max_unpacked_bytes: int  # an XLSX's parts together, as the zip declares them
    max_unpack_ratio: int  # unpacked / packed size of one XLSX part

    @classmethod
    def of(cls, settings) -> ReadLimits:
        return cls(max_rows=settings.import_max_rows, max_cell_chars=settings.import_max_cell_chars,
                   max_unpacked_bytes=settings.import_max_unpacked_bytes,
                   max_unpack_ratio=settings.import_max_unpack_ratio)


def too_many_rows(max_rows: int) -> ImportTooLarge:
    return ImportTooLarge(f"the file has more than {max_rows} rows; split it")


def cell_too_long(where: str, length: int, max_cell_chars: int) -> ImportUnsafe:
    return ImportUnsafe(f"{where}: a cell holds more than {max_cell_chars} characters ({length} read); "
                        "no order field is that long")


def row_too_long(where: str) -> ImportUnsafe:
    return ImportUnsafe(f"{where}: a row of more than {ROW_CHARS} characters; no order row is that long")


class RowLines:
    """A text's lines for a csv reader, refusing a row (a line, or several when a quoted cell spans them) once it
    passes ROW_CHARS: a file of one endless line or one never-closed quote is refused, not read whole. Every
    CSV import (order files, master data, payments) reads through it."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self._line = 0
        self.row_chars = 0  # of the row being read, line ends and quotes included
        self.row_start = 1  # the line the row being read began on

    def __iter__(self) -> RowLines:
        return self

    def __next__(self) -> str:
        line = self._handle.readline(ROW_CHARS + 1 - self.row_chars)
        if not line:
            raise StopIteration
        self._line += 1
        self.row_chars += len(line)
        if self.row_chars > ROW_CHARS:
            raise row_too_long(f"line {self.row_start}")
        return line

    def row_read(self) -> None:
        """The csv reader has returned a row: the next one starts from nothing, on the next line."""
        self.row_chars, self.row_start = 0, self._line + 1
