"""Count the SQL statements a piece of code runs: how the tests prove a stage costs the same for any batch size."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from models.core import bulk_copy
from models.core.db import database

OWN_TRANSACTION = ("SAVEPOINT", "RELEASE", "ROLLBACK TO")  # a test's rolled-back transaction, not the code's work


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    """Every SQL statement the database runs inside the block, savepoints left out; a COPY counts as one."""
    seen: list[str] = []
    engine = type(database.obj)
    execute_sql, copy_expert = engine.execute_sql, bulk_copy.copy_expert

    def counted(self, sql, *args, **kwargs):
        if not sql.startswith(OWN_TRANSACTION):
            seen.append(sql)
        return execute_sql(self, sql, *args, **kwargs)

    def counted_copy(cursor, sql, stream):
        seen.append(sql)
        return copy_expert(cursor, sql, stream)

    engine.execute_sql, bulk_copy.copy_expert = counted, counted_copy
    try:
        yield seen
    finally:
        engine.execute_sql, bulk_copy.copy_expert = execute_sql, copy_expert
