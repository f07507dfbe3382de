"""Where every `oms bench` runs: the database and broker of OMS_DATABASE_URL and OMS_BROKER_URL like every other
command, else SQLite in a temporary folder and the in-process broker; the data folder is always temporary."""
from __future__ import annotations

import os
from pathlib import Path

import click

from models.core.config import Settings, load_settings
from models.core.errors import ConfigError

# Kept so that older scripts still run; OMS_DATABASE_URL says the same for every bench.
deprecated_database_url = click.option(
    "--database-url", default=None, hidden=True, help="deprecated: set OMS_DATABASE_URL instead")


def bench_environment(folder: Path, *, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The OMS_* environment of a bench in ``folder``: the caller's, with the database it chose (SQLite in
    ``folder`` when none) and ``extra`` settings."""
    if database_url:
        click.echo("--database-url is deprecated: set OMS_DATABASE_URL instead", err=True)
    env = {**os.environ, **extra, "OMS_DATA_DIR": str(folder / "data")}
    env["OMS_DATABASE_URL"] = (database_url or os.environ.get("OMS_DATABASE_URL")
                               or f"sqlite:///{folder / 'oms.sqlite3'}")
    return env


def bench_settings(env: dict[str, str]) -> Settings:
    """Load ``env``'s settings; a bad value stops the bench with its message."""
    try:
        return load_settings(env)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def require_empty_database() -> None:
    """Stop unless the bound database holds no partner yet (before migrating it too): a bench seeds its own world
    and never writes into one that is in use."""
    from models.core.db import database
    from models.partners.tables import Partner

    if Partner._meta.table_name in database.get_tables() and Partner.select().exists():
        raise click.ClickException("the bench needs an empty database; point OMS_DATABASE_URL at a disposable one")


def where(settings: Settings) -> str:
    """Database and broker, without credentials, for the bench's first line."""
    return (f"{settings.database_url.split('@')[-1]}, broker "
            f"{settings.broker_url.split('@')[-1] if settings.uses_rabbitmq else 'in-process'}")
