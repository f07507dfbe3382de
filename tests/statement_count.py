"""Count the SQL statements a piece of code runs: how the tests prove a stage costs the same for any batch size."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from models.core.db import database

OWN_TRANSACTION = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")  # a test's rolled-back transaction, not the code's work


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement the database runs inside the block, savepoints left out."""
    seen: list[str] = []
    engine = type(database.obj)
    execute_sql = engine.execute_sql

    def counted(self, sql, *args, **kwargs):
        if not sql.startswith(OWN_TRANSACTION):
            seen.append(sql)
        return execute_sql(self, sql, *args, **kwargs)

    engine.execute_sql = counted
    try:
        yield seen
    finally:
        engine.execute_sql = execute_sql
