"""Versioned migrations: a database at an older version upgrades in place, keeping its rows."""
from decimal import Decimal

import pytest

from models.core.db import bind_database, database
from models.core.migrate import migration_runner, pending_migrations, upgrade_database
from models.invariants import receivables_add_up


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def test_an_older_database_upgrades_in_place_and_keeps_its_rows(empty_url):
    bind_database(empty_url)
    database.connect(reuse_if_open=True)
    migration_runner().up("0001_initial")
    database.execute_sql("INSERT INTO warehouse (code, name, region, address, active) "
                         "VALUES ('OLD', 'Old DC', 'r', '', true)")
    later = [m.name for m in migration_runner().migrations()][1:]
    assert later[:2] == ["0002_waybill_last_attempt", "0003_order_intake"]
    assert pending_migrations() == later
    assert upgrade_database() == later
    assert pending_migrations() == []
    assert "last_attempt_at" in {c.name for c in database.get_columns("waybill")}
    assert {"submitted_by", "source_batch_id"} <= {c.name for c in database.get_columns("order")}
    assert [c.null for c in database.get_columns("order_line") if c.name == "product_id"] == [True]
    assert database.execute_sql("SELECT code FROM warehouse").fetchall() == [("OLD",)]
    database.close()


def test_outstanding_balances_become_opening_invoices(empty_url):
    bind_database(empty_url)
    database.connect(reuse_if_open=True)
    migration_runner().up("0004_drop_redundant_indexes")
    for code, terms, balance in (("OWES", 30, "120.50"), ("EVEN", 30, "0"), ("CREDIT", 0, "-10.25")):
        database.execute_sql("INSERT INTO partner (code, name, kind, email, region, payment_terms_days, "
                             "outstanding_balance, blocked, created_at, updated_at) VALUES "
                             f"('{code}', '{code}', 'customer', '', 'r', {terms}, {balance}, false, "
                             "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
    upgrade_database()
    invoices = database.execute_sql("SELECT number, amount, paid, status, order_id FROM invoice").fetchall()
    assert [(n, Decimal(str(a)), Decimal(str(p)), s, o) for n, a, p, s, o in invoices] == [
        ("OPEN-OWES", Decimal("120.50"), Decimal(0), "open", None)]
    payments = database.execute_sql("SELECT reference, amount, unapplied FROM payment").fetchall()
    assert [(r, Decimal(str(a)), Decimal(str(u))) for r, a, u in payments] == [
        ("OPENING-CREDIT", Decimal("10.25"), Decimal("10.25"))]
    assert receivables_add_up() == []
    database.close()
