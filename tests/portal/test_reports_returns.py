"""The returns report page and API: by reason, SKU and supplier; a supplier sees the returns of its own SKUs
only, never another supplier's; the CSV holds exactly the rows shown."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from models.inventory.tables import Product, Stock, Warehouse
from models.partners.api_tokens import create_token
from models.partners.tables import Partner, User
from models.reports.inventory_rollup import keep_inventory_figures
from models.returns.feedback import record_feedback
from tests.factories import allow_repeat_orders, ask, delivered_order
from tests.portal.conftest import USERS


@pytest.fixture
def returned(app):
    """SUP1's WIDGET returned damaged (2 units), SUP2's BOLT returned wrong item (3 units, refund 4.50)."""
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.50"), supplier=sup2)
    for warehouse in Warehouse.select():
        Stock.create(warehouse=warehouse, product=bolt, on_hand=100)
    allow_repeat_orders()
    mine = delivered_order("PO-1")
    theirs = delivered_order("PO-2", lines=[{"sku": "BOLT", "quantity": 5}])
    assert record_feedback(theirs.id, 4, "")
    ask(mine, "damaged", sku="WIDGET", quantity=2)
    ask(theirs, "wrong_item", sku="BOLT", quantity=3)
    keep_inventory_figures()
    return app


def token(role: str) -> str:
    return create_token(User.get(User.email == USERS[role][0]))[1]


def test_ops_see_returns_by_reason_sku_and_supplier(returned, client, auth):
    auth.login_as("credit_controller")
    by_reason = client.get("/ops/reports/returns").text
    assert 'data-key="damaged"' in by_reason and 'data-key="wrong_item"' in by_reason
    by_sku = client.get("/ops/reports/returns?by=sku").text
    assert 'data-key="BOLT"' in by_sku and "USD 4.50" in by_sku and "60.00%" in by_sku  # 3 of 5 shipped
    by_supplier = client.get("/ops/reports/returns?by=supplier").text
    assert 'data-key="SUP1"' in by_supplier and 'data-key="SUP2"' in by_supplier
    assert "style=" not in by_supplier and "<script" not in by_supplier


def test_the_csv_holds_exactly_the_rows_shown(returned, client, auth):
    auth.login_as("ops_agent")
    html = client.get("/ops/reports/returns?by=sku").text
    exported = list(csv.DictReader(io.StringIO(client.get("/ops/reports/returns?by=sku&format=csv").text)))
    assert [row["key"] for row in exported] == ["BOLT", "WIDGET"]
    assert html.count("<tr data-key=") == len(exported)
    assert exported[0]["refund_value"] == "USD 4.50" and exported[0]["return_rate"] == "0.6000"
    assert exported[0]["average_rating"] == "4.00"


def test_a_supplier_never_sees_another_suppliers_returns(returned, client, auth):
    auth.login_as("supplier")  # SUP1
    for by in ("reason", "sku", "supplier"):
        html = client.get(f"/supplier/reports/returns?by={by}").text
        assert "BOLT" not in html and "SUP2" not in html and "wrong_item" not in html and "4.50" not in html
        exported = client.get(f"/supplier/reports/returns?by={by}&format=csv").text
        assert "BOLT" not in exported and "SUP2" not in exported and "wrong_item" not in exported
    assert 'data-key="WIDGET"' in client.get("/supplier/reports/returns?by=sku").text
    assert client.get("/ops/reports/returns").status_code == 403
    answer = client.get("/api/v1/reports/returns?by=supplier", headers={"Authorization": f"Bearer {token('supplier')}"})
    assert [row["key"] for row in answer.json["rows"]] == ["SUP1"]


def test_the_api_answers_ops_and_refuses_others(returned, client):
    body = client.get("/api/v1/reports/returns?by=sku",
                      headers={"Authorization": f"Bearer {token('ops_admin')}"}).json
    bolt = next(row for row in body["rows"] if row["key"] == "BOLT")
    assert bolt == {"key": "BOLT", "name": "Bolt", "returns": 1, "units": 3, "refund_value": {"USD": "4.50"},
                    "units_shipped": 5, "return_rate": "0.6000", "ratings": 1, "average_rating": "4.00"}
    assert client.get("/api/v1/reports/returns?by=colour",
                      headers={"Authorization": f"Bearer {token('ops_admin')}"}).status_code == 422
    assert client.get("/api/v1/reports/returns",
                      headers={"Authorization": f"Bearer {token('distributor')}"}).status_code == 403
