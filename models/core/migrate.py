"""Versioned schema migrations (numbered files in models/migrations) applied by ``oms db upgrade``."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import peewee
from playhouse.migrations import Runner

from models.core.db import database

logger = logging.getLogger("oms.migrate")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# PostgreSQL advisory lock key held while migrating. Advisory locks are per database, so one fixed key
# serialises every process migrating the same database and no other.
MIGRATION_LOCK_KEY = 0x6F6D735F6D696772  # "oms_migr"


def migration_runner() -> Runner:
    return Runner(database.obj, directory=str(MIGRATIONS_DIR), table_name="schema_migration")


def upgrade_database() -> list[str]:
    """Apply every pending migration in order; return the names applied (none when another process did)."""
    with migration_lock():
        return migration_runner().up()


def pending_migrations() -> list[str]:
    return [m.name for m in migration_runner().status() if not m.applied]


@contextmanager
def migration_lock() -> Iterator[None]:
    """One migrating process at a time: on PostgreSQL a session advisory lock, so parallel starts wait for the
    first and then find nothing pending. SQLite is one machine's file, migrated by the one process using it."""
    if not isinstance(database.obj, peewee.PostgresqlDatabase):
        yield
        return
    if not database.execute_sql("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,)).fetchone()[0]:
        logger.info("another process is migrating this database; waiting for it to finish")
        database.execute_sql("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        yield
    finally:
        try:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        except peewee.PeeweeException:  # the connection is gone, and its session's lock with it
            logger.warning("could not release the migration lock; its connection was lost")
