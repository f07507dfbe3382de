"""`oms import tax-rates FILE.csv` through the CLI: the example file imports, a bad row exits 1 naming it."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection
from models.core.migrate import upgrade_database
from models.pricing.tax_tables import TaxRateRow
from portal.cli_master_data import import_command

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "examples" / "master-data" / "tax-rates.csv"


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


def test_the_example_file_imports_and_a_bad_row_exits_1(cli_env, tmp_path):
    runner = CliRunner()
    result = runner.invoke(import_command, ["tax-rates", str(EXAMPLE)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert result.stdout == "tax-rates: created 5, updated 0, unchanged 0, errors 0\n"
    with connection():
        assert TaxRateRow.select().count() == 5
    bad = tmp_path / "tax.csv"
    bad.write_text("tax_class,country,rate\nstandard,DE,0.19\nstandard,FR,20\n")
    result = runner.invoke(import_command, ["tax-rates", str(bad)], env=cli_env)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["row 3, rate: a fraction from 0 up to 1 (0.2 = 20 %)"]
