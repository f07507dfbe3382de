from decimal import Decimal

import pytest
from click.testing import CliRunner

from models.core.db import bind_database, connection
from models.core.migrate import upgrade_database
from models.invariants import receivables_add_up
from models.partners.tables import Partner
from models.receivables.ledger import Invoice, Payment, set_opening_balance
from portal.cli_master_data import import_command
from tests.factories import make_world

PAYMENTS = """customer_code,amount,currency,reference,method,received_on
CUST1,100.00,usd,BANK-1,Bank_Transfer,2026-03-01
CUST1,0,USD,BANK-2,card,2026-03-01
NOPE,5.00,USD,BANK-3,card,2026-03-01
CUST1,30.00,USD,BANK-4,cheque,
CUST1,12.345,XYZ,BANK-5,barter,01/03/2026
DIST1,9.99,EUR,BANK-1,other,2026-03-02
"""


@pytest.fixture
def cli_env(tmp_path, sqlite_url) -> dict:
    """An `oms` environment on a migrated SQLite file holding make_world() and an opening balance of 120."""
    bind_database(sqlite_url)
    with connection():
        upgrade_database()
        world = make_world()
        set_opening_balance(world["customer"], Decimal("120.00"))
    return {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}


def test_good_rows_are_recorded_bad_rows_listed_and_a_reimport_adds_nothing(cli_env, tmp_path):
    source = tmp_path / "payments.csv"
    source.write_text(PAYMENTS)
    runner = CliRunner()
    result = runner.invoke(import_command, ["payments", str(source)], env=cli_env)
    assert result.exit_code == 1
    assert result.stdout == "payments: created 3, updated 0, unchanged 0, errors 6\n"
    errors = result.stderr.splitlines()
    assert errors[:2] == ["row 3, amount: must be more than 0 and at most 999999999999.99",
                          "row 4, customer_code: unknown customer 'NOPE'"]
    assert {line.split(":")[0] for line in errors[2:]} == {"row 6, amount", "row 6, currency", "row 6, method",
                                                           "row 6, received_on"}
    with connection():
        payments = Payment.select().order_by(Payment.id)
        assert [(p.customer.code, p.reference, p.amount, p.unapplied) for p in payments] == [
            ("CUST1", "BANK-1", Decimal("100.00"), Decimal("0.00")),
            ("CUST1", "BANK-4", Decimal("30.00"), Decimal("10.00")),
            ("DIST1", "BANK-1", Decimal("9.99"), Decimal("9.99"))]
        assert Invoice.get(Invoice.number == "OPEN-CUST1").status == "paid"
        assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("-10.00")
        assert receivables_add_up() == []

    again = runner.invoke(import_command, ["payments", str(source)], env=cli_env)
    assert again.exit_code == 1
    assert again.stdout == "payments: created 0, updated 0, unchanged 3, errors 6\n"
    with connection():
        assert Payment.select().count() == 3
        assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("-10.00")


def test_a_reference_reused_for_another_amount_is_a_row_error(cli_env, tmp_path):
    source = tmp_path / "payments.csv"
    source.write_text("CUSTOMER_CODE,Amount,Currency,Reference,Method,Received_On\n"
                      "CUST1,10.00,USD,BANK-1,card,2026-03-01\nCUST1,11.00,USD,BANK-1,card,2026-03-01\n")
    result = CliRunner().invoke(import_command, ["payments", str(source)], env=cli_env)
    assert result.exit_code == 1
    assert result.stdout == "payments: created 1, updated 0, unchanged 0, errors 1\n"
    assert result.stderr.startswith("row 3, reference: payment 'BANK-1' of CUST1 is already recorded as 10.00 USD")


def test_missing_columns_import_nothing(cli_env, tmp_path):
    source = tmp_path / "payments.csv"
    source.write_text("customer_code,amount\nCUST1,10.00\n")
    result = CliRunner().invoke(import_command, ["payments", str(source)], env=cli_env)
    assert result.exit_code == 1
    assert result.stderr == "row 1, header: missing columns: currency, reference, method, received_on\n"
    with connection():
        assert Payment.select().count() == 0
