"""Dramatiq middleware: a database connection for exactly the life of each message."""
from __future__ import annotations

import dramatiq

from models.core.db import bind_database, database


class DatabaseConnection(dramatiq.Middleware):
    """Bind the database in each worker process; open the connection before an actor runs and close
    it after, even when the actor failed."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def after_process_boot(self, broker) -> None:
        # Worker processes started by the dramatiq CLI; inside `oms up` the database is bound already.
        if database.obj is None:
            bind_database(self.database_url)

    def before_process_message(self, broker, message) -> None:
        if database.obj is None:
            bind_database(self.database_url)
        database.connect(reuse_if_open=True)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self._close()

    def after_skip_message(self, broker, message) -> None:
        self._close()

    @staticmethod
    def _close() -> None:
        if not database.is_closed():
            database.close()
