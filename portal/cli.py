"""The `oms` command: run the system (all-in-one or one role per process) and administer it."""
from __future__ import annotations

import os
import sys

import click

from portal.cli_support import cli_context


@click.group(help="Relay OMS: order management for manufacturers and wholesalers.")
def main() -> None:
    from models.core.config import log_format
    from models.core.errors import ConfigError
    from models.core.logs import configure_logging

    try:
        chosen = log_format()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    configure_logging(level=os.environ.get("OMS_LOG_LEVEL", "INFO"), log_format=chosen)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply pending schema migrations."""
    from models.core.migrate import upgrade_database

    with cli_context():
        applied = upgrade_database()
    click.echo("applied: " + ", ".join(applied) if applied else "database is up to date")


@main.group()
def user() -> None:
    """Portal users."""


@user.command("create")
@click.argument("email")
@click.option("--role", required=True, help="ops_admin, ops_agent, credit_controller, supplier or distributor")
@click.option("--partner", "partner_code", help="code of the supplier or distributor the user works for")
@click.option("--password", help="generated and printed when omitted")
def user_create(email: str, role: str, partner_code: str | None, password: str | None) -> None:
    """Create (or reset) a portal user."""
    from models.core.errors import ValidationFailed
    from models.partners.accounts import create_user

    with cli_context():
        try:
            created, clear = create_user(email, role, partner_code=partner_code, password=password)
        except ValidationFailed as exc:
            raise click.ClickException(_messages(exc))
    click.echo(f"user {created.email} ({created.role})" + ("" if password else f" password: {clear}"))


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--name", default="", help="what the token is for, shown in token lists")
@click.option("--expires-days", type=click.IntRange(min=1, max=3650), help="refused after N days (default: never)")
def token_create(email: str, name: str, expires_days: int | None) -> None:
    """Issue an API token for a user; prints the token alone on stdout."""
    from models.core.errors import ValidationFailed
    from models.partners.api_tokens import create_token
    from models.partners.tables import User

    with cli_context():
        found = User.get_or_none(User.email == email.strip().lower(), User.active == True)  # noqa: E712
        if found is None:
            raise click.ClickException(f"no active user {email!r}; create it with `oms user create`")
        try:
            _, clear = create_token(found, name=name, expires_days=expires_days)
        except ValidationFailed as exc:
            raise click.ClickException(_messages(exc))
        click.echo(clear)


@main.group()
def outbox() -> None:
    """The outbox of messages for the broker."""


@main.group()
def reports() -> None:
    """The report rollups."""


@outbox.command("prune")
@click.option("--older-than-hours", type=click.IntRange(min=1),
              help="keep rows sent within this many hours (default OMS_OUTBOX_RETENTION_HOURS, 168)")
def outbox_prune(older_than_hours: int | None) -> None:
    """Delete outbox rows sent longer ago than the retention period, in short batches; unsent rows stay."""
    from datetime import timedelta

    from models.core.outbox import prune_sent

    with cli_context() as settings:
        deleted = prune_sent(timedelta(hours=older_than_hours or settings.outbox_retention_hours))
    click.echo(f"deleted {deleted} sent outbox rows")


@main.command()
def check() -> None:
    """Check the stock, reservation, waybill and audit invariants; exit 1 on any violation."""
    from models.invariants import run_checks

    with cli_context():
        results = run_checks()
    failed = False
    for name, violations in results.items():
        click.echo(f"{'FAIL' if violations else 'ok  '} {name}")
        for violation in violations[:50]:
            click.echo(f"     {violation}")
        failed = failed or bool(violations)
    sys.exit(1 if failed else 0)


def _messages(exc) -> str:
    return "; ".join(f"{field}: {', '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
                     for field, msgs in exc.messages.items())


def _register_commands() -> None:
    from portal.cli_accounts import token_revoke, user_deactivate, user_unlock
    from portal.cli_bench import bench
    from portal.cli_bench_allocation import bench_allocation
    from portal.cli_bench_forecast import bench_forecast
    from portal.cli_bench_intake import bench_intake
    from portal.cli_bench_pricing import bench_pricing
    from portal.cli_bench_reports import bench_reports
    from portal.cli_bench_stages import bench_stages
    from portal.cli_channels import channel_command
    from portal.cli_forecast import forecast_command
    from portal.cli_master_data import import_command, seed_command
    from portal.cli_reports import rebuild_reports
    from portal.cli_reports_inventory import rebuild_inventory
    from portal.cli_run import carrier_sandbox, portal, relay, up, worker
    from portal.mail_intake import mail_intake_command

    for command in (up, portal, worker, relay, carrier_sandbox, import_command, seed_command, bench,
                    channel_command, mail_intake_command, forecast_command):
        main.add_command(command)
    bench.add_command(bench_intake)
    bench.add_command(bench_allocation)
    bench.add_command(bench_forecast)
    bench.add_command(bench_reports)
    bench.add_command(bench_stages)
    bench.add_command(bench_pricing)
    for command in (user_unlock, user_deactivate):
        user.add_command(command)
    token.add_command(token_revoke)
    reports.add_command(rebuild_inventory)
    reports.add_command(rebuild_reports)


_register_commands()


if __name__ == "__main__":
    main()
