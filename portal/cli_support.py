"""What every `oms` command needs: settings loaded and the database bound and connected."""
from __future__ import annotations

import signal
from contextlib import contextmanager
from typing import Iterator

import click

from models.core.config import Settings, load_settings
from models.core.db import bind_database, database
from models.core.errors import ConfigError


@contextmanager
def cli_context() -> Iterator[Settings]:
    """Load settings (a bad OMS_* value stops the command with its message) and hold a connection."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    bind_database(settings.database_url)
    database.connect(reuse_if_open=True)
    try:
        yield settings
    finally:
        if not database.is_closed():
            database.close()


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM both unwind the main thread as KeyboardInterrupt, so shutdown runs once,
    in order, outside any signal handler (even when started in the background with SIGINT ignored)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
