"""Versioned migrations: a database at an older version upgrades in place, keeping its rows."""
import pytest

from models.db import bind_database, database
from models.migrate import migration_runner, pending_migrations, upgrade_database


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
