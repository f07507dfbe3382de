"""The one database handle: a proxy filled from OMS_DATABASE_URL by ``bind_database``."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import peewee
from playhouse.db_url import connect as connect_url

database = peewee.DatabaseProxy()

# WAL lets the portal read while a worker writes; IMMEDIATE transactions take the write lock at
# BEGIN, so two writers queue on busy_timeout instead of failing when a reader upgrades.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 30000,
    "foreign_keys": 1,
    "synchronous": "normal",
}


def bind_database(url: str) -> peewee.Database:
    """Open (lazily) the database at ``url`` and point the shared proxy at it."""
    if url.startswith("sqlite"):
        db = connect_url(url, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", timeout=30)
    else:
        db = connect_url(url, autoconnect=True)
    database.initialize(db)
    return db


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def lock_for_update(query: peewee.ModelSelect) -> peewee.ModelSelect:
    """Row-lock ``query`` on PostgreSQL; SQLite already holds the database write lock."""
    return query if is_sqlite() else query.for_update()


@contextmanager
def connection() -> Iterator[None]:
    """Hold a connection for the block and close it after, whoever opened it."""
    opened = database.connect(reuse_if_open=True)
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()
