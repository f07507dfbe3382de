"""The inventory report page and API: ops see every SKU, a supplier only its own, the CSV holds exactly the rows
shown, the chart is inline SVG within the Content-Security-Policy, and a bad range is refused."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from models.core.db import bind_database, database
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock, Warehouse
from models.partners.api_tokens import create_token
from models.partners.tables import Partner, User
from models.reports.inventory import InventoryFilter, inventory_report
from models.reports.inventory_rollup import keep_inventory_figures
from models.reports.inventory_tables import InventoryDay
from models.reports.periods import DateRange
from portal.report_support import today
from portal.reports_inventory import busiest
from schemas.orders import order_schema
from tests.factories import allow_repeat_orders, book_waybills, order_body
from tests.portal.conftest import USERS


@pytest.fixture
def shipped(app):
    """WIDGET and GADGET (SUP1's) and BOLT (SUP2's) shipped from EAST, the rollup and snapshot kept."""
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.50"), supplier=sup2)
    for warehouse in Warehouse.select():
        Stock.create(warehouse=warehouse, product=bolt, on_hand=100)
    allow_repeat_orders()
    for ref, lines in (("PO-1", None), ("PO-2", [{"sku": "BOLT", "quantity": 7}])):
        order, _ = place_order(order_schema.load(order_body(ref, lines=lines)), actor="test")
        book_waybills(order)
    keep_inventory_figures()
    return app


def token(role: str) -> str:
    return create_token(User.get(User.email == USERS[role][0]))[1]


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_ops_see_every_sku_with_a_chart_and_no_inline_style(shipped, client, auth):
    auth.login_as("ops_agent")
    page = client.get("/ops/reports/inventory")
    assert page.status_code == 200
    html = page.text
    for sku in ("WIDGET", "GADGET", "BOLT"):
        assert f'data-sku="{sku}"' in html
    assert '<tr data-sku="BOLT" data-warehouse="EAST">' in html
    assert "<svg" in html and "<script" not in html and "style=" not in html


def test_the_csv_holds_exactly_the_rows_shown(shipped, client, auth):
    auth.login_as("ops_admin")
    html = client.get("/ops/reports/inventory?warehouse=EAST").text
    shown = html.count('data-warehouse="EAST"')
    exported = rows_of(client.get("/ops/reports/inventory?warehouse=EAST&format=csv&part=stock").text)
    assert len(exported) == shown == 3
    bolt = next(row for row in exported if row["sku"] == "BOLT")
    assert bolt["units_shipped"] == "7" and bolt["warehouse"] == "EAST"
    service = rows_of(client.get("/ops/reports/inventory?format=csv&part=service").text)
    assert {row["sku"] for row in service} == {"WIDGET", "GADGET", "BOLT"}
    assert next(row for row in service if row["sku"] == "BOLT")["fill_rate"] == "1.0000"
    assert 'href="/ops/reports/inventory?warehouse=EAST&amp;format=csv&amp;part=service"' in html


def test_a_supplier_sees_only_its_own_skus(shipped, client, auth):
    auth.login_as("supplier")
    html = client.get("/supplier/reports/inventory").text
    assert 'data-sku="WIDGET"' in html and "BOLT" not in html
    exported = client.get("/supplier/reports/inventory?format=csv&part=stock").text
    assert "WIDGET" in exported and "BOLT" not in exported
    assert client.get("/ops/reports/inventory").status_code == 403


def test_the_api_answers_ops_and_scopes_suppliers(shipped, client):
    body = client.get("/api/v1/reports/inventory", headers={"Authorization": f"Bearer {token('ops_agent')}"}).json
    assert {row["sku"] for row in body["rows"]} == {"WIDGET", "GADGET", "BOLT"}
    bolt = next(row for row in body["service"] if row["sku"] == "BOLT")
    assert (bolt["units_demanded"], bolt["fill_rate"]) == (7, "1.0000")
    assert set(bolt["open_backorders"]) == {"0-7 days", "8-14 days", "15-30 days", "over 30 days"}
    theirs = client.get("/api/v1/reports/inventory?sku=BOLT",
                        headers={"Authorization": f"Bearer {token('supplier')}"}).json
    assert theirs["rows"] == [] and theirs["service"] == []
    assert client.get("/api/v1/reports/inventory",
                      headers={"Authorization": f"Bearer {token('distributor')}"}).status_code == 403
    assert client.get("/api/v1/reports/inventory").status_code == 401


def test_a_bad_range_is_refused(shipped, client, auth):
    headers = {"Authorization": f"Bearer {token('ops_admin')}"}
    answer = client.get("/api/v1/reports/inventory?from=yesterday", headers=headers)
    assert answer.status_code == 422 and "from" in answer.text
    assert client.get("/api/v1/reports/inventory?part=all", headers=headers).status_code == 422
    auth.login_as("ops_admin")
    assert client.get("/ops/reports/inventory?from=2026-02-30").status_code == 400


def test_the_rebuild_command_recomputes_the_rollup(shipped, tmp_path, sqlite_url):
    from click.testing import CliRunner

    from portal.cli import main
    from tests.models.reports.inventory_raw import kept_days, raw_days

    InventoryDay.delete().execute()
    env = {"OMS_DATABASE_URL": sqlite_url, "OMS_DATA_DIR": str(tmp_path / "data"), "OMS_SECRET_KEY": "test"}
    result = CliRunner().invoke(main, ["reports", "rebuild-inventory"], env=env)
    assert result.exit_code == 0, result.output
    assert "inventory rollup rebuilt: 3 day rows" in result.output
    bind_database(sqlite_url)
    database.connect(reuse_if_open=True)
    assert kept_days() == raw_days()


def test_the_page_shows_the_busiest_rows_first_and_cuts_long_tables(shipped, client, auth):
    auth.login_as("ops_admin")
    exported = rows_of(client.get("/ops/reports/inventory?warehouse=EAST&format=csv&part=stock").text)
    assert [row["sku"] for row in exported][0] == "BOLT"  # 7 units shipped, the most
    assert client.get("/ops/reports/inventory?limit=5").status_code == 400
    report = inventory_report(DateRange(today(), today()), InventoryFilter(), today=today())
    top = busiest(report, 1)
    assert [(row.sku, row.warehouse) for row in top.stock] == [("BOLT", "EAST")]
    assert [row.sku for row in top.service] == ["BOLT"] and len(busiest(report, None).stock) == len(report.stock)
