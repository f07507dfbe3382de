"""`oms import tax-rates FILE.csv`: rates created, updated or unchanged, bad rows reported with line and field and
never taking the good ones down."""
import io
from datetime import date
from decimal import Decimal

from models.pricing.tax_import import import_tax_rates
from models.pricing.tax_tables import TaxRateRow
from schemas.tax_rates import tax_rate_row_schema
from tests.conftest import settings_for

FILE = """tax_class,country,region,rate,valid_from,name
standard,gb,,0.2,,VAT standard
reduced,GB,,0.05,,VAT reduced
standard,US,CA,0.0725,2026-01-01,CA sales tax
standard,US,,1.5,,too much
standard,FR,,0.123456,,too precise
standard,GB,,0.2,,again
,DE,,0.19,,no class
"""


def run(text: str, tmp_path):
    return import_tax_rates(io.StringIO(text), row_schema=tax_rate_row_schema, actor="ops@relay.test",
                            settings=settings_for(tmp_path))


def test_good_rows_are_kept_and_bad_rows_named(any_db, tmp_path):
    report = run(FILE, tmp_path)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert [(error.row, error.field) for error in report.errors] == [
        (5, "rate"), (6, "rate"), (7, "valid_from"), (8, "tax_class")]
    rows = {(r.tax_class, r.country, r.region, r.valid_from): (r.rate, r.name) for r in TaxRateRow.select()}
    assert rows == {("standard", "GB", "", None): (Decimal("0.2"), "VAT standard"),
                    ("reduced", "GB", "", None): (Decimal("0.05"), "VAT reduced"),
                    ("standard", "US", "CA", date(2026, 1, 1)): (Decimal("0.0725"), "CA sales tax")}
    assert TaxRateRow.get(TaxRateRow.region == "CA").updated_by == "ops@relay.test"


def test_importing_again_changes_only_what_changed(any_db, tmp_path):
    run(FILE, tmp_path)
    again = run(FILE.replace("0.05,,VAT reduced", "0.06,,VAT reduced"), tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 2)
    assert TaxRateRow.get(TaxRateRow.tax_class == "reduced").rate == Decimal("0.06")


def test_a_file_without_the_required_columns_is_refused_whole(any_db, tmp_path):
    report = run("tax_class,country\nstandard,GB\n", tmp_path)
    assert report.errors and report.created == 0 and TaxRateRow.select().count() == 0
