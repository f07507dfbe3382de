"""`oms user unlock|deactivate`, `oms token create --expires-days/--name` and `oms token revoke PREFIX`."""
from datetime import timedelta

import pytest
from click.testing import CliRunner

from models.core.base import utc_now
from models.partners.accounts import authenticate, create_user
from models.partners.api_tokens import create_token
from models.partners.login_throttle import LockoutPolicy, locked_until, record_failure
from models.partners.tables import ApiToken, User
from portal.cli import main

PASSWORD = "long-enough-1"


@pytest.fixture
def oms(tmp_path, sqlite_url, db):
    """Run `oms ARGS…` against the migrated SQLite file the test's `db` is bound to."""
    runner = CliRunner()
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)

    def run(*args: str):
        return runner.invoke(main, list(args), env={"OMS_DATA_DIR": str(tmp_path / "data"),
                                                    "OMS_DATABASE_URL": sqlite_url})
    return run


def test_user_unlock_lifts_a_lock_out(oms):
    record_failure("agent@relay.test", policy=LockoutPolicy(max_failures=1, lockout=timedelta(minutes=15)))
    assert locked_until("agent@relay.test") is not None
    version = User.get().session_version
    result = oms("user", "unlock", "Agent@Relay.test")
    assert (result.exit_code, result.stdout) == (0, "user agent@relay.test unlocked\n")
    assert locked_until("agent@relay.test") is None
    assert User.get().session_version == version + 1
    again = oms("user", "unlock", "agent@relay.test")
    assert (again.exit_code, again.stdout) == (0, "user agent@relay.test was not locked out\n")


def test_user_unlock_and_deactivate_name_an_unknown_user(oms):
    for command in ("unlock", "deactivate"):
        result = oms("user", command, "nobody@relay.test")
        assert result.exit_code == 1 and "no user 'nobody@relay.test'" in result.stderr


def test_user_deactivate_stops_sign_in(oms):
    result = oms("user", "deactivate", "agent@relay.test")
    assert (result.exit_code, result.stdout) == (0, "user agent@relay.test deactivated\n")
    assert authenticate("agent@relay.test", PASSWORD) is None


def test_token_create_with_a_name_and_an_expiry(oms):
    result = oms("token", "create", "agent@relay.test", "--name", "ERP", "--expires-days", "7")
    assert result.exit_code == 0, result.output
    clear = result.stdout.strip()
    row = ApiToken.get()
    assert (row.name, row.prefix) == ("ERP", clear[:12])
    assert timedelta(days=6, hours=23) < row.expires_at - utc_now() <= timedelta(days=7)
    assert ApiToken.user_for(clear).email == "agent@relay.test"
    assert ApiToken.user_for(clear, now=utc_now() + timedelta(days=7, seconds=1)) is None


@pytest.mark.parametrize("days", ["0", "-1", "3651", "soon"])
def test_token_create_refuses_a_bad_expiry(oms, days):
    result = oms("token", "create", "agent@relay.test", "--expires-days", days)
    assert result.exit_code == 2 and "--expires-days" in result.stderr
    assert ApiToken.select().count() == 0


def test_token_revoke_by_prefix(oms):
    token, clear = create_token(User.get(), name="ERP")
    result = oms("token", "revoke", f"{token.prefix}…")
    assert (result.exit_code, result.stdout) == (0, f"revoked token {token.prefix} of agent@relay.test\n")
    assert ApiToken.user_for(clear) is None
    again = oms("token", "revoke", token.prefix)
    assert again.exit_code == 1 and f"no unrevoked token with prefix {token.prefix!r}" in again.stderr


def test_token_revoke_refuses_a_prefix_naming_two_tokens(oms):
    first, first_clear = create_token(User.get())
    second, _ = create_token(User.get())
    ApiToken.update(prefix=first.prefix).where(ApiToken.id == second.id).execute()
    result = oms("token", "revoke", first.prefix)
    assert result.exit_code == 1 and "names more than one token" in result.stderr
    assert ApiToken.user_for(first_clear) is not None
