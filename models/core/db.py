"""The one database handle: a proxy filled from OMS_DATABASE_URL by ``bind_database``."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import peewee
from playhouse.db_url import connect as connect_url
from playhouse.db_url import parse as parse_url
from playhouse.pool import PooledSqliteDatabase

database = peewee.DatabaseProxy()

# WAL lets the portal read while a worker writes; IMMEDIATE transactions take the write lock at
# BEGIN, so two writers queue on busy_timeout instead of failing when a reader upgrades.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 30000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


# Connections are pooled: a worker "closes" its connection after every message and a request after
# every response, and reopening each time (TCP and auth on PostgreSQL; pragmas and a WAL checkpoint
# on SQLite) cost more than the work itself.
POOL = {"max_connections": 64, "stale_timeout": 300, "timeout": 30}

# The planner's price of a page read out of order, for this application's connections. PostgreSQL's default (4,
# against 1 for a page read in order) prices a disk that seeks; the stages read the rows of a batch just written,
# from memory, and at 4 the planner read whole order-line, reservation and shipment tables to find a batch's few
# thousand rows (the cost of each batch growing with the tables). 1.1 is what PostgreSQL's documentation suggests
# for data in memory or on SSD. A URL that sets its own ``options`` keeps them instead.
PLANNER_OPTIONS = "-c random_page_cost=1.1"


class SerializedSqliteDatabase(PooledSqliteDatabase):
    """Pooled SQLite with one writing transaction per process at a time, queued on a Python lock.

    SQLite admits one writer anyway; queueing here hands the write lock over the moment it is free,
    where SQLite's busy handler sleeps in growing steps (up to 100 ms) between attempts. Other
    processes still meet at SQLite's own lock (IMMEDIATE + busy_timeout).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._writer = threading.Lock()
        self._holder = threading.local()

    def begin(self, lock_type=None) -> None:
        self._writer.acquire()
        self._holder.holds = True
        try:
            super().begin(lock_type)
        except BaseException:
            self._release_writer()
            raise

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._release_writer()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release_writer()

    def _release_writer(self) -> None:
        if getattr(self._holder, "holds", False):
            self._holder.holds = False
            self._writer.release()


def bind_database(url: str) -> peewee.Database:
    """Open (lazily) the database at ``url`` and point the shared proxy at it."""
    if url.startswith("sqlite"):
        db = SerializedSqliteDatabase(parse_url(url)["database"], pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE",
                                      check_same_thread=False, **POOL)
    else:
        scheme, rest = url.split("://", 1)
        options = {} if "options" in parse_url(url) else {"options": PLANNER_OPTIONS}
        db = connect_url(f"{scheme.split('+')[0]}+pool://{rest}", autoconnect=True, **POOL, **options)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def lock_for_update(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Row-lock ``query`` on PostgreSQL; SQLite already holds the database write lock."""
    return query if is_sqlite() else query.for_update()


def lock_against_writers(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Row-lock ``query`` against other lockers and writers of those rows (``FOR NO KEY UPDATE``) while still
    letting rows that refer to them be inserted: a foreign-key check takes ``KEY SHARE``, which ``FOR UPDATE`` would
    block. A batch placing orders for many customers would otherwise deadlock with a review locking them."""
    return query if is_sqlite() else query.for_update("FOR NO KEY UPDATE")


@contextmanager
def connection() -> Iterator[None]:
    """Hold a connection for the block and close it after, whoever opened it."""
    opened = database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()
