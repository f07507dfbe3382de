from datetime import timedelta

import pytest
from click.testing import CliRunner

from models.core.base import utc_now
from models.core.migrate import migration_runner
from models.core.outbox import OutboxMessage, enqueue_after_commit
from models.invariants import CHECKS
from models.partners.accounts import authenticate
from models.partners.tables import ApiToken, User
from portal.cli import main
from tests.factories import make_world


@pytest.fixture
def oms(tmp_path, sqlite_url):
    """Run `oms ARGS…` against the SQLite file of ``sqlite_url`` with a private data dir."""
    runner = CliRunner()

    def run(*args: str, **env: str):
        return runner.invoke(main, list(args), env={"OMS_DATA_DIR": str(tmp_path / "data"),
                                                    "OMS_DATABASE_URL": sqlite_url, **env})
    return run


@pytest.fixture
def world(db):
    """The migrated `db` (the same file `oms` uses) with make_world() in it."""
    return make_world()


def test_db_upgrade_applies_then_reports_up_to_date(oms):
    first = oms("db", "upgrade")
    every = ", ".join(m.name for m in migration_runner().migrations())
    assert every.startswith("0001_initial, 0002_waybill_last_attempt, 0003_order_intake")
    assert (first.exit_code, first.stdout) == (0, f"applied: {every}\n")
    again = oms("db", "upgrade")
    assert (again.exit_code, again.stdout) == (0, "database is up to date\n")


@pytest.mark.parametrize("role, partner", [
    ("ops_admin", None), ("ops_agent", None), ("credit_controller", None),
    ("supplier", "SUP1"), ("distributor", "DIST1"),
])
def test_user_create_for_each_role(oms, world, role, partner):
    args = ["user", "create", f"{role}@Relay.Test", "--role", role, "--password", "long-enough-1"]
    result = oms(*args, *(["--partner", partner] if partner else []))
    assert (result.exit_code, result.stdout) == (0, f"user {role}@relay.test ({role})\n")
    user = User.get(User.email == f"{role}@relay.test")
    assert (user.role, user.partner.code if user.partner else None) == (role, partner)
    assert authenticate(f"{role}@relay.test", "long-enough-1").id == user.id


def test_user_create_prints_a_generated_password_and_resets_an_existing_user(oms, world):
    result = oms("user", "create", "agent@relay.test", "--role", "ops_agent")
    assert result.exit_code == 0
    prefix = "user agent@relay.test (ops_agent) password: "
    assert result.stdout.startswith(prefix)
    password = result.stdout[len(prefix):].strip()
    assert len(password) >= 8 and authenticate("agent@relay.test", password) is not None

    again = oms("user", "create", "agent@relay.test", "--role", "ops_admin", "--password", "another-pass-2")
    assert again.exit_code == 0
    assert User.select().count() == 1
    assert authenticate("agent@relay.test", password) is None
    assert authenticate("agent@relay.test", "another-pass-2").role == "ops_admin"


@pytest.mark.parametrize("args, message", [
    (["--role", "distributor"], "partner: role distributor needs --partner with the code of a distributor"),
    (["--role", "distributor", "--partner", "SUP1"], "partner: no distributor with code 'SUP1'"),
    (["--role", "supplier", "--partner", "DIST1"], "partner: no supplier with code 'DIST1'"),
    (["--role", "supplier", "--partner", "NOPE"], "partner: no supplier with code 'NOPE'"),
    (["--role", "ops_agent", "--partner", "DIST1"], "partner: role ops_agent is not bound to a partner"),
    (["--role", "boss"], "role: unknown role 'boss'"),
    (["--role", "ops_agent", "--password", "short"], "password: at least 8 characters"),
], ids=["distributor-needs-partner", "distributor-given-supplier", "supplier-given-distributor",
        "unknown-partner", "ops-with-partner", "unknown-role", "short-password"])
def test_user_create_refuses_bad_input(oms, world, args, message):
    result = oms("user", "create", "someone@relay.test", *args)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.stderr
    assert User.select().count() == 0


def test_token_create_prints_only_the_token(oms, world):
    assert oms("user", "create", "agent@relay.test", "--role", "ops_agent", "--password", "long-enough-1"
               ).exit_code == 0
    result = oms("token", "create", "Agent@relay.test ")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("oms_") and len(lines[0]) > 40
    assert ApiToken.user_for(lines[0]).email == "agent@relay.test"


def test_token_create_for_unknown_user_fails(oms, world):
    result = oms("token", "create", "nobody@relay.test")
    assert result.exit_code == 1
    assert "no active user 'nobody@relay.test'" in result.stderr
    assert result.stdout == ""


def test_check_passes_on_a_clean_database(oms, world):
    result = oms("check")
    assert result.exit_code == 0, result.output
    assert [line.split(None, 1)[0] for line in result.stdout.splitlines()] == ["ok"] * len(CHECKS)
    assert "ok   receivables add up to each customer's outstanding balance" in result.stdout.splitlines()


def test_check_fails_and_lists_the_violation(oms, world, db):
    db.execute_sql("UPDATE stock SET reserved = 3 WHERE id = (SELECT MIN(id) FROM stock)")
    stock_id = db.execute_sql("SELECT MIN(id) FROM stock").fetchone()[0]
    result = oms("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    failed = lines.index("FAIL active reservations add up to stock.reserved")
    assert lines[failed + 1].strip() == f"stock {stock_id}: reserved 3 but active reservations total 0"
    assert sum(line.startswith("FAIL") for line in lines) == 1


@pytest.mark.parametrize("name, value", [
    ("OMS_BROKER_URL", "redis://localhost:6379/0"),
    ("OMS_DATABASE_URL", "mysql://root@localhost/oms"),
    ("OMS_WORKER_THREADS", "many"),
])
def test_bad_setting_stops_the_command_naming_the_variable(oms, name, value):
    result = oms("db", "upgrade", **{name: value})
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {name}=")
    assert "applied" not in result.stdout


def test_outbox_prune_deletes_rows_sent_before_the_retention_period(oms, db):
    rows = [enqueue_after_commit("oms_intake", "intake_orders", [n]).id for n in range(4)]
    for row_id, hours in zip(rows, (200, 100, 30, None)):
        sent_at = None if hours is None else utc_now() - timedelta(hours=hours)
        OutboxMessage.update(sent_at=sent_at).where(OutboxMessage.id == row_id).execute()
    first = oms("outbox", "prune")  # OMS_OUTBOX_RETENTION_HOURS: 168 by default
    assert (first.exit_code, first.stdout) == (0, "deleted 1 sent outbox rows\n")
    second = oms("outbox", "prune", OMS_OUTBOX_RETENTION_HOURS="48")
    assert (second.exit_code, second.stdout) == (0, "deleted 1 sent outbox rows\n")
    third = oms("outbox", "prune", "--older-than-hours", "24")
    assert (third.exit_code, third.stdout) == (0, "deleted 1 sent outbox rows\n")
    assert [row.id for row in OutboxMessage.select()] == rows[3:]  # never sent: kept
    assert oms("outbox", "prune", "--older-than-hours", "0").exit_code == 2
