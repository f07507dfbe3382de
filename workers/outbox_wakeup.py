"""How the relay waits between passes: on PostgreSQL for a notification on the outbox channel (a trigger sends one
when rows are committed), elsewhere for a row written in this process; in both cases at most ``timeout``."""
from __future__ import annotations

import logging
import select
import threading
import time
from typing import Callable, Iterator

import peewee

from models.core import outbox

logger = logging.getLogger(__name__)
SLICE = 0.25  # seconds: how often a wait looks at the stop event
RECONNECT_SECONDS = 1.0  # after a failed connection, the relay polls this long before trying again


def slices(stop: threading.Event, timeout: float) -> Iterator[float]:
    """Pauses of at most SLICE seconds until ``timeout`` has passed or ``stop`` is set."""
    deadline = time.monotonic() + timeout
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        yield min(left, SLICE)


class Polling:
    """Wait for ``outbox.written`` (set by this process's writes) or the timeout: SQLite and the embedded system."""

    def wait(self, stop: threading.Event, timeout: float) -> None:
        for pause in slices(stop, timeout):
            if outbox.written.wait(pause):
                outbox.written.clear()
                return

    def close(self) -> None:
        pass


class Listening:
    """One dedicated connection that LISTENs on the outbox channel; reconnects after an outage, polling meanwhile."""

    def __init__(self, connect: Callable[[], object]) -> None:
        self.connect = connect
        self.conn = None
        self.retry_at = 0.0

    def wait(self, stop: threading.Event, timeout: float) -> None:
        for pause in slices(stop, timeout):
            if self.conn is None:
                if time.monotonic() < self.retry_at or not self._listen():
                    stop.wait(pause)
                    continue
                return  # rows may have been committed while nobody listened: one pass now
            try:
                if select.select([self.conn], [], [], pause)[0] or self.conn.notifies:
                    self.conn.poll()
                    if self.conn.notifies:
                        self.conn.notifies.clear()
                        return
            except Exception as exc:  # noqa: BLE001 - the server went away: reconnect, poll meanwhile
                logger.warning("outbox listener lost its connection: %r", exc)
                self.close()
                self.retry_at = time.monotonic() + RECONNECT_SECONDS

    def _listen(self) -> bool:
        try:
            conn = self.connect()
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f"LISTEN {outbox.NOTIFY_CHANNEL}")
        except Exception as exc:  # noqa: BLE001 - an outage: poll at the interval until it is over
            logger.warning("outbox listener cannot connect: %r", exc)
            self.retry_at = time.monotonic() + RECONNECT_SECONDS
            return False
        self.conn = conn
        return True

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self.conn = None


def waiter_for(db: peewee.Database) -> Polling | Listening:
    """Listening on PostgreSQL (its own connection, with the database's parameters), polling elsewhere."""
    if isinstance(db, peewee.PostgresqlDatabase):
        import psycopg2

        return Listening(lambda: psycopg2.connect(dbname=db.database, **db.connect_params))
    return Polling()
