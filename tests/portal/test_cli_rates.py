"""`oms import rates FILE`: the example file imports, a second run changes nothing, a bad row exits 1 naming it."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection
from models.core.migrate import upgrade_database
from models.currency.tables import ExchangeRate
from portal.cli_master_data import import_command

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "rates.csv"


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


def test_the_example_rates_import_then_are_unchanged(cli_env):
    runner = CliRunner()
    first = runner.invoke(import_command, ["rates", str(EXAMPLE)], env=cli_env)
    assert first.exit_code == 0, first.output
    assert "rates: created 10, updated 0, unchanged 0, errors 0" in first.output
    again = runner.invoke(import_command, ["rates", str(EXAMPLE)], env=cli_env)
    assert "rates: created 0, updated 0, unchanged 10, errors 0" in again.output
    with connection():
        assert ExchangeRate.select().count() == 10


def test_a_bad_row_exits_1_and_is_named(cli_env, tmp_path):
    bad = tmp_path / "rates.csv"
    bad.write_text("day,currency,rate\n2026-05-01,EUR,0.9\n2026-05-01,EUR,zero\n")
    result = CliRunner().invoke(import_command, ["rates", str(bad)], env=cli_env)
    assert result.exit_code == 1
    assert "row 3, rate:" in result.stderr
