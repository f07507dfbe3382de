from pathlib import Path

import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection, database
from models.core.migrate import upgrade_database
from models.inventory.tables import Lane, Product, Stock, Warehouse
from models.partners.tables import Partner, User
from portal.cli_master_data import import_command, seed_command

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "master-data"
IMPORT_ORDER = ("suppliers", "customers", "warehouses", "lanes", "products", "stock")


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    """Environment for an `oms` command against a freshly migrated SQLite file."""
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_example_files_import_in_order(runner, cli_env):
    for kind in IMPORT_ORDER:
        result = runner.invoke(import_command, [kind, str(EXAMPLES / f"{kind}.csv")], env=cli_env)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{kind}: created ")
        assert result.stdout.rstrip().endswith("errors 0")
        assert result.stderr == ""
    assert database.is_closed()  # the command closes what it opened
    with connection():
        assert Partner.select().count() == 7
        assert Warehouse.select().count() == 2
        assert Lane.select().count() == 4
        assert Product.select().count() == 4
        assert Stock.select().count() == 6

    again = runner.invoke(import_command, ["stock", str(EXAMPLES / "stock.csv")], env=cli_env)
    assert (again.exit_code, again.stdout) == (0, "stock: created 0, updated 0, unchanged 6, errors 0\n")


def test_bad_rows_exit_1_and_list_errors_on_stderr(runner, cli_env, tmp_path):
    bad = tmp_path / "warehouses.csv"
    bad.write_text("code,name,region,address\nEAST,East,east,\n,Nameless,west,\nWEST,West,,\n")
    result = runner.invoke(import_command, ["warehouses", str(bad)], env=cli_env)
    assert result.exit_code == 1
    assert result.stdout == "warehouses: created 1, updated 0, unchanged 0, errors 2\n"
    assert result.stderr.splitlines() == ["row 3, code: may not be blank", "row 4, region: may not be blank"]


def test_missing_columns_exit_1(runner, cli_env, tmp_path):
    bad = tmp_path / "stock.csv"
    bad.write_text("warehouse,sku\nEAST,W1\n")
    result = runner.invoke(import_command, ["stock", str(bad)], env=cli_env)
    assert result.exit_code == 1
    assert result.stderr == "row 1, header: missing columns: warehouse_code, on_hand\n"


def test_unknown_kind_and_missing_file_are_usage_errors(runner, cli_env, tmp_path):
    assert runner.invoke(import_command, ["parts", str(EXAMPLES / "stock.csv")], env=cli_env).exit_code == 2
    assert runner.invoke(import_command, ["stock", str(tmp_path / "nope.csv")], env=cli_env).exit_code == 2


def test_seed_demo_prints_logins_then_refuses_a_second_time(runner, cli_env):
    result = runner.invoke(seed_command, ["demo", "--password", "another-pass"], env=cli_env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(index for index, line in enumerate(lines) if line.split() == ["email", "role", "password"])
    logins = [line.split() for line in lines[header + 2:]]
    assert ["admin@relay.example", "ops_admin", "another-pass"] in logins
    assert len(logins) == 6  # one per role
    with connection():
        assert User.select().count() == 6

    again = runner.invoke(seed_command, ["demo"], env=cli_env)
    assert again.exit_code == 1
    assert "already has partners" in again.stderr
    with connection():
        assert Product.select().count() == 50
