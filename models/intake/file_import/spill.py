"""Checked rows keyed by external_ref between the two passes: in memory for ordinary files, in a
temporary SQLite file once a file is large.

Why a spill and not only a dict of orders: the rows of one external_ref may be anywhere in the file, so
an order is complete only at the end of the file; keeping every order in memory until then grows with
the file (a 1M-line file would hold ~1M row objects). Up to IN_MEMORY_LINES lines a dict is cheaper
than the file (no inserts, no sort); past that the rows move to the file and memory stays flat.
Pass 2 reads orders back grouped by external_ref in the order their first row appeared.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
from itertools import groupby
from typing import Iterator

from models.core.text_messages import message_text_json

INSERT_EVERY = 20_000
IN_MEMORY_LINES = 150_000  # roughly 50 MB of rows; beyond it they go to the temporary file
HEADER_IDS = 4096  # header texts remembered for their id; a header seen again after that gets a new id


class RowSpill:
    def __init__(self, directory: str | None = None) -> None:
        self._directory = directory
        self._db: sqlite3.Connection | None = None  # opened when the rows outgrow memory
        self.path = ""
        self._by_ref: dict[str, list[tuple]] = {}  # in memory: first-appearance order, lines in file order
        self._memory_lines = 0
        self._all_problems: list[tuple] = []
        self._lines: list[tuple] = []
        self._problems: list[tuple] = []
        self.problem_count = 0
        # An order's header text (~150 bytes) repeats on each of its lines: lines carry a small id of it
        # instead, which keeps the file, the pass-2 sort and the rows read back small. Equal ids mean
        # equal texts; different ids may still hold equal texts (see header_text).
        self._header_ids: dict[str, int] = {}
        self._headers: list[tuple[int, str]] = []
        self._header_count = 0
        self._texts: dict[int, str] = {}

    def _open_file(self) -> None:
        """Move everything held in memory to a temporary SQLite file and keep spilling there."""
        handle, self.path = tempfile.mkstemp(prefix="oms-import-", suffix=".sqlite3", dir=self._directory)
        os.close(handle)
        self._db = sqlite3.connect(self.path)
        self._db.executescript("""
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16000;
            CREATE TABLE line (ref TEXT, row INTEGER, header INTEGER, product_id INTEGER, sku TEXT,
                               quantity INTEGER, unit_price TEXT, bad INTEGER, price_given INTEGER);
            CREATE TABLE header (id INTEGER PRIMARY KEY, text TEXT);
            CREATE TABLE problem (row INTEGER, ref TEXT, field TEXT, message TEXT, message_text TEXT);
        """)
        self._lines = [line for lines in self._by_ref.values() for line in lines]
        self._problems, self._all_problems = self._all_problems, []
        self._headers = list(self._texts.items())
        self._by_ref, self._texts = {}, {}
        self._flush()

    def add_line(self, ref: str, row: int, header: str | None, product_id: int | None, sku: str | None,
                 quantity: int | None, unit_price: str | None, bad: bool, price_given: bool = True) -> None:
        """Spill a row; ``header`` is the order's header text, stored as the id ``header_text`` reads."""
        if header is not None:
            header_id = self._header_ids.get(header)
            if header_id is None:
                header_id = self._new_header(header)
            header = header_id
        line = (ref, row, header, product_id, sku, quantity, unit_price, bad, price_given)
        if self._db is None:
            self._by_ref.setdefault(ref, []).append(line)
            self._memory_lines += 1
            if self._memory_lines > IN_MEMORY_LINES:
                self._open_file()
            return
        self._lines.append(line)
        if len(self._lines) >= INSERT_EVERY:
            self._flush()

    def _new_header(self, text: str) -> int:
        if len(self._header_ids) >= HEADER_IDS:
            self._header_ids.clear()
        self._header_count += 1
        self._header_ids[text] = self._header_count
        if self._db is None:
            self._texts[self._header_count] = text  # in memory every header text is kept
        else:
            self._headers.append((self._header_count, text))
        return self._header_count

    def header_text(self, header_id: int) -> str:
        """The header text of a line read back by ``orders``."""
        text = self._texts.get(header_id)
        if text is None and self._db is not None:
            (text,) = self._db.execute("SELECT text FROM header WHERE id = ?", (header_id,)).fetchone()
            if len(self._texts) >= HEADER_IDS:
                self._texts.clear()
            self._texts[header_id] = text
        return text

    def add_problem(self, row: int, ref: str, field: str, message: str) -> None:
        """Keep a problem; a TextMessage's template is kept beside its English, as JSON text."""
        self.problem_count += 1
        problem = (row, ref, field, str(message), message_text_json(message))
        if self._db is None:
            self._all_problems.append(problem)
            return
        self._problems.append(problem)
        if len(self._problems) >= INSERT_EVERY:
            self._flush()

    def orders(self) -> Iterator[tuple[str, list[tuple]]]:
        """(external_ref, its lines in file order), orders in the order of their first row; a line is
        (ref, row, header id, product_id, sku, quantity, unit_price, bad, price_given)."""
        if self._db is None:
            yield from self._by_ref.items()
            return
        self._index()
        cursor = self._db.execute("""
            SELECT l.ref, l.row, l.header, l.product_id, l.sku, l.quantity, l.unit_price, l.bad, l.price_given
            FROM line l JOIN (SELECT ref, MIN(row) AS first FROM line GROUP BY ref) f ON f.ref = l.ref
            ORDER BY f.first, l.row""")
        for ref, lines in groupby(cursor, key=lambda line: line[0]):
            yield ref, list(lines)

    def order_count(self) -> int:
        """How many orders (external_refs) the spilled lines make, good and bad."""
        if self._db is None:
            return len(self._by_ref)
        self._index()
        return self._db.execute("SELECT COUNT(DISTINCT ref) FROM line").fetchone()[0]

    def _index(self) -> None:
        self._flush()
        self._db.execute("CREATE INDEX IF NOT EXISTS line_ref ON line (ref, row)")

    def problems(self) -> Iterator[tuple[int, str, str, str, str | None]]:
        """(row, ref, field, message, its template as JSON text or None), by row."""
        if self._db is None:
            yield from sorted(self._all_problems, key=lambda problem: problem[0])  # stable: file order within a row
            return
        self._flush()
        yield from self._db.execute("SELECT row, ref, field, message, message_text FROM problem ORDER BY row, rowid")

    def _flush(self) -> None:
        if self._headers:
            self._db.executemany("INSERT INTO header VALUES (?, ?)", self._headers)
            self._headers = []
        if self._lines:
            self._db.executemany("INSERT INTO line VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self._lines)
            self._lines = []
        if self._problems:
            self._db.executemany("INSERT INTO problem VALUES (?, ?, ?, ?, ?)", self._problems)
            self._problems = []

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            os.unlink(self.path)
