"""Dramatiq middleware: a database connection for exactly the life of each message."""
from __future__ import annotations

import dramatiq

from models.db import database


class DatabaseConnection(dramatiq.Middleware):
    """Open the connection before an actor runs and close it after, even when the actor failed."""

    def before_process_message(self, broker, message) -> None:
        database.connect(reuse_if_open=True)

    def after_process_message(self, broker, message, *, result=None, exception=None) -> None:
        self._close()

    def after_skip_message(self, broker, message) -> None:
        self._close()

    @staticmethod
    def _close() -> None:
        if not database.is_closed():
            database.close()
