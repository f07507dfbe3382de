"""`oms import price-lists FILE.csv`: the example file imports as one price book version; bad rows exit 1."""
from pathlib import Path

from models.core.db import connection
from models.pricing.versions import PriceBookVersion, price_book_in_force
from portal.cli_master_data import import_command
from tests.portal.test_cli_master_data import cli_env, runner  # noqa: F401 - fixtures

EXAMPLES = Path(__file__).resolve().parents[2] / "deploy" / "examples"


def test_the_example_price_lists_import(runner, cli_env, tmp_path):  # noqa: F811
    for kind in ("suppliers", "customers", "products"):
        assert runner.invoke(import_command, [kind, str(EXAMPLES / "master-data" / f"{kind}.csv")],
                             env=cli_env).exit_code == 0
    result = runner.invoke(import_command, ["price-lists", str(EXAMPLES / "price-lists.csv")], env=cli_env)
    assert (result.exit_code, result.stdout) == (0, "price-lists: created 8, updated 0, unchanged 0, errors 0\n")
    bad = tmp_path / "prices.csv"
    bad.write_text("list_code,applies_to,party,currency,sku,price\nCAT-USD,catalogue,,USD,NO-SKU,1.00\n")
    result = runner.invoke(import_command, ["price-lists", str(bad)], env=cli_env)
    assert result.exit_code == 1 and "row 2, sku: unknown SKU 'NO-SKU'" in result.stderr
    with connection():
        assert PriceBookVersion.select().count() == 1
        assert price_book_in_force()[1].list_by_code("DIST-NE-2026").discount_percent == 8
