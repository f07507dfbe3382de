"""Counters each process of a bench keeps in a small shared file: SQL statements sent (those of the outbox relay's
thread apart), no-op messages consumed.

The bench sets ``OMS_BENCH_COUNTERS`` to a folder for itself and its worker and placing processes; each process
that calls ``install`` counts every statement its database connections send at the driver's cursor (queries,
BEGIN, COMMIT, SAVEPOINT, the pool's liveness check, a COPY), so a figure covers every process, and the bench reads
them while it runs.
"""
from __future__ import annotations

import mmap
import os
import sqlite3
import struct
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import peewee
import psycopg2.extensions

ENV = "OMS_BENCH_COUNTERS"
RELAY_THREAD = "outbox-relay"  # the relay's thread, as `oms up`, `oms relay` and the bench name it
PLACER_THREAD = "bench-placer"  # the start of the name of a thread (or process) placing the bench's orders
# statements, of which the relay thread's, of which placing threads', no-op messages, the last no-op message's time
# (monotonic ns)
_LAYOUT = struct.Struct("<5q")
GATE = "go"  # no-op messages wait for this file in the folder: the backlog is sent first, then let through
_state = threading.local()  # .off: this thread's statements are the bench's own look-ups, not the pipeline's


class _Slot:
    """This process's counters in a file of its own, rewritten on every change."""

    def __init__(self, folder: Path) -> None:
        with open(folder / f"{os.getpid()}.counters", "wb+") as handle:
            handle.write(bytes(_LAYOUT.size))
            handle.flush()
            self._map = mmap.mmap(handle.fileno(), _LAYOUT.size)
        self._values = [0, 0, 0, 0, 0]
        self._lock = threading.Lock()

    def add(self, statements: int = 0, noop: bool = False, thread: str = "") -> None:
        now = time.monotonic_ns() if noop else 0
        with self._lock:
            values = self._values
            values[0] += statements
            if thread == RELAY_THREAD:
                values[1] += statements
            elif thread.startswith(PLACER_THREAD):
                values[2] += statements
            if noop:
                values[3] += 1
                values[4] = now
            _LAYOUT.pack_into(self._map, 0, *values)


_folder: Path | None = None
_slot: _Slot | None = None
_slot_lock = threading.Lock()


def _current_slot() -> _Slot | None:
    global _slot
    if _folder is None:
        return None
    if _slot is None:
        with _slot_lock:
            if _slot is None:
                _slot = _Slot(_folder)
    return _slot


def _forget_slot() -> None:
    global _slot
    _slot = None  # a forked worker process counts in a file of its own


os.register_at_fork(after_in_child=_forget_slot)


def _count(statements: int) -> None:
    if not getattr(_state, "off", False):
        slot = _current_slot()
        if slot is not None:
            slot.add(statements=statements, thread=threading.current_thread().name)


def _sized(params) -> int:
    return len(params) if hasattr(params, "__len__") else 1


class _SqliteCursor(sqlite3.Cursor):
    def execute(self, sql, parameters=(), /):
        _count(1)
        return super().execute(sql, parameters)

    def executemany(self, sql, seq_of_parameters, /):
        _count(_sized(seq_of_parameters))
        return super().executemany(sql, seq_of_parameters)


class _SqliteConnection(sqlite3.Connection):
    def cursor(self, factory=_SqliteCursor):
        return super().cursor(factory)


class _PostgresCursor(psycopg2.extensions.cursor):
    def execute(self, query, vars=None):
        _count(1)
        return super().execute(query, vars)

    def executemany(self, query, vars_list):
        _count(_sized(vars_list))
        return super().executemany(query, vars_list)

    def copy_expert(self, sql, file, size=8192):
        _count(1)
        return super().copy_expert(sql, file, size)

    def copy_from(self, file, table, sep="\t", null="\\N", size=8192, columns=None):
        _count(1)
        return super().copy_from(file, table, sep, null, size, columns)

    def copy_to(self, file, table, sep="\t", null="\\N", columns=None):
        _count(1)
        return super().copy_to(file, table, sep, null, columns)


def _counting(connect, option: str, factory):
    def _connect(self):
        self.connect_params.setdefault(option, factory)
        return connect(self)

    _connect.counting = True
    return _connect


def install(folder: str | Path) -> None:
    """Count, from now on, every statement sent by connections this process opens, and no-op messages."""
    global _folder
    _folder = Path(folder)
    if not getattr(peewee.SqliteDatabase._connect, "counting", False):
        peewee.SqliteDatabase._connect = _counting(peewee.SqliteDatabase._connect, "factory", _SqliteConnection)
        peewee.PostgresqlDatabase._connect = _counting(peewee.PostgresqlDatabase._connect, "cursor_factory",
                                                       _PostgresCursor)


def install_from_env() -> None:
    """``install`` into the folder the bench named, if it named one."""
    if os.environ.get(ENV):
        install(os.environ[ENV])


_gates_open: set[int] = set()


def gate_name(round_no: int) -> str:
    """The file that lets round ``round_no``'s no-op messages through."""
    return GATE if round_no == 0 else f"{GATE}.{round_no}"


def record_noop(round_no: int = 0) -> None:
    """One no-op message of round ``round_no`` consumed, now: once the bench opened that round's gate (a worker
    thread waits for it here)."""
    slot = _current_slot()
    if slot is None:
        return
    while round_no not in _gates_open:
        if (_folder / gate_name(round_no)).exists():
            _gates_open.add(round_no)
        else:
            time.sleep(0.005)
    slot.add(noop=True)


def open_gate(folder: str | Path, round_no: int = 0) -> int:
    """Let round ``round_no``'s no-op messages through; return the time (monotonic ns) they were let through."""
    opened = time.monotonic_ns()
    (Path(folder) / gate_name(round_no)).touch()
    return opened


@contextmanager
def uncounted() -> Iterator[None]:
    """The bench's own look-ups (waiting, figures) on this thread are left out of the statement count."""
    _state.off = True
    try:
        yield
    finally:
        _state.off = False


@dataclass(frozen=True)
class Reading:
    """The counters of one process."""

    statements: int
    relay_statements: int  # of ``statements``, those the outbox relay's thread sent
    placing_statements: int  # of ``statements``, those of threads placing the bench's orders
    noops: int
    last_noop_ns: int


def read_counters(folder: str | Path) -> dict[int, Reading]:
    """Every process's counters by pid."""
    readings = {}
    for path in Path(folder).glob("*.counters"):
        data = path.read_bytes()
        if len(data) == _LAYOUT.size:
            readings[int(path.stem)] = Reading(*_LAYOUT.unpack(data))
    return readings
