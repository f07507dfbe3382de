"""`oms user unlock|deactivate` and `oms token revoke`: account security from the command line."""
from __future__ import annotations

import click

from portal.cli_support import cli_context


@click.command("unlock")
@click.argument("email")
def user_unlock(email: str) -> None:
    """Lift the sign-in lock-out of EMAIL (after too many wrong passwords); ends the user's sessions."""
    from models.partners.login_throttle import normalise_email, unlock_account
    from models.partners.tables import User

    with cli_context():
        if not User.select().where(User.email == normalise_email(email)).exists():
            raise click.ClickException(f"no user {email!r}")
        unlocked = unlock_account(email)
    click.echo(f"user {normalise_email(email)} " + ("unlocked" if unlocked else "was not locked out"))


@click.command("deactivate")
@click.argument("email")
def user_deactivate(email: str) -> None:
    """Stop EMAIL signing in and using API tokens, and end their sessions (`oms user create` restores them)."""
    from models.partners.accounts import deactivate_user

    with cli_context():
        user = deactivate_user(email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    click.echo(f"user {user.email} deactivated")


@click.command("revoke")
@click.argument("prefix")
def token_revoke(prefix: str) -> None:
    """Revoke the token whose prefix (its first 12 characters, as token lists show) is PREFIX."""
    from models.core.errors import NotFound, ValidationFailed
    from models.partners.api_tokens import revoke_by_prefix

    with cli_context():
        try:
            revoked = revoke_by_prefix(prefix)
        except NotFound as exc:
            raise click.ClickException(str(exc))
        except ValidationFailed as exc:
            raise click.ClickException("; ".join(exc.messages["prefix"]))
        click.echo(f"revoked token {revoked.prefix} of {revoked.user.email}")
