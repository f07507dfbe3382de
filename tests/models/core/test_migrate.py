"""Versioned migrations: a database at an older version upgrades in place, keeping its rows."""
from decimal import Decimal

import peewee
import pytest

from models.core.db import bind_database, database
from models.core.migrate import migration_runner, pending_migrations, upgrade_database
from models.intake.rules import channel_scope, ops_scope, partner_scope
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


def _partner(code: str, kind: str, distributor: int | None = None) -> int:
    database.execute_sql("INSERT INTO partner (code, name, kind, email, region, payment_terms_days, "
                         "outstanding_balance, blocked, created_at, updated_at, allow_backorders, distributor_id) "
                         f"VALUES ('{code}', '{code}', '{kind}', '', 'r', 30, 0, false, '2026-01-01 00:00:00', "
                         f"'2026-01-01 00:00:00', true, {'NULL' if distributor is None else distributor})")
    return database.execute_sql(f"SELECT id FROM partner WHERE code = '{code}'").fetchone()[0]


def _order(channel: str, ref: str, customer: int, placed_by: int | None, submitted_by: str, **scope) -> None:
    columns = ("channel, external_ref, customer_id, placed_by_id, submitted_by, currency, subtotal, shipping_total, "
               "total, status, priority, ship_to_name, ship_to_phone, ship_to_email, ship_to_address, ship_to_city, "
               "ship_to_region, ship_to_postcode, ship_to_country, notes, status_reason, created_at, "
               "status_changed_at")
    values = [channel, ref, customer, placed_by, submitted_by, "USD", 0, 0, 0, "received", 0, "Ada", "", "", "1 Road",
              "City", "r", "", "US", "", "", "2026-01-01 00:00:00", "2026-01-01 00:00:00"]
    if scope:
        columns += ", intake_scope"
        values.append(scope["intake_scope"])
    database.execute_sql(f'INSERT INTO "order" ({columns}) VALUES ({", ".join([database.param] * len(values))})',
                         values)


def test_order_refs_become_unique_per_submitter_with_existing_orders_scoped(empty_url):
    bind_database(empty_url)
    database.connect(reuse_if_open=True)
    migration_runner().up("0010_warehouse_address")
    dist = _partner("DIST", "distributor")
    customer = _partner("CUST", "customer", dist)
    other = _partner("DIST2", "distributor")
    _order("api", "PO-1", customer, dist, "api:dist@example.com")
    _order("shop-cn", "5940", customer, None, "channel:shop-cn")  # a webhook order
    _order("shop-cn", "5940/BO1", customer, None, "channel:shop-cn")  # and its backorder
    _order("api", "PO-2", customer, None, "api:ops@example.com")  # keyed by ops
    _order("exchange", "PO-2/X1", customer, None, "worker:returns")
    upgrade_database()

    scopes = dict(database.execute_sql('SELECT external_ref, intake_scope FROM "order"').fetchall())
    assert scopes == {"PO-1": partner_scope(dist), "5940": channel_scope("shop-cn"),
                      "5940/BO1": channel_scope("shop-cn"), "PO-2": ops_scope(customer),
                      "PO-2/X1": ops_scope(customer)}
    unique = [index.columns for index in database.get_indexes("order") if index.unique and "id" not in index.columns]
    assert unique == [["channel", "external_ref", "intake_scope"]]
    _order("api", "PO-1", customer, other, "api:dist2@example.com", intake_scope=partner_scope(other))
    for ref, placed_by, scope in (("PO-1", dist, partner_scope(dist)), ("PO-2", None, ops_scope(customer))):
        with pytest.raises(peewee.IntegrityError), database.atomic():  # the same submitter's ref again
            _order("api", ref, customer, placed_by, "again", intake_scope=scope)
    with pytest.raises(peewee.IntegrityError), database.atomic():  # never NULL, so never "all different"
        _order("api", "PO-3", customer, None, "ops", intake_scope=None)
    database.close()
