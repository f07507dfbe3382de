"""Versioned schema migrations (numbered files in models/migrations) applied by ``oms db upgrade``."""
from __future__ import annotations

from pathlib import Path

from playhouse.migrations import Runner

from models.core.db import database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def migration_runner() -> Runner:
    return Runner(database.obj, directory=str(MIGRATIONS_DIR), table_name="schema_migration")


def upgrade_database() -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    return migration_runner().up()


def pending_migrations() -> list[str]:
    return [m.name for m in migration_runner().status() if not m.applied]
