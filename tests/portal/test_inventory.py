import re
from datetime import timedelta

import pytest

from models.core.base import utc_now
from models.inventory.alerts import evaluate_alerts
from models.inventory.moves import adjust_stock
from models.inventory.tables import Product, Stock, StockAlert, StockMovement, Warehouse
from models.partners.tables import Partner
from tests.portal.conftest import USERS


@pytest.fixture
def bolt(app):
    """A SKU of another supplier, in EAST only."""
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    product = Product.create(sku="BOLT", name="Bolt", unit_price="1.00", supplier=other)
    Stock.create(warehouse=Warehouse.get(Warehouse.code == "EAST"), product=product, on_hand=7)
    return product


def rows(page: str) -> list[tuple[str, str]]:
    """(SKU, warehouse) of each stock row, top to bottom."""
    cells = r'<td><a href="/ops/inventory/(\w+)">\w+</a> <span class="muted">[^<]*</span></td>\s*<td>(\w+)</td>'
    return re.findall(cells, page)


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


def adjustment(**overrides) -> dict:
    values = {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": "-3", "reason_code": "damaged", "note": ""}
    return {f"adjust-{name}": value for name, value in (values | overrides).items()}


def transfer(**overrides) -> dict:
    values = {"from_warehouse": "EAST", "to_warehouse": "WEST", "sku": "GADGET", "quantity": "10",
              "reason_code": "rebalance", "note": ""}
    return {f"transfer-{name}": value for name, value in (values | overrides).items()}


# --- the stock table -----------------------------------------------------------------------------

def test_ops_see_every_sku_and_warehouse_with_the_forms(auth, client, bolt):
    auth.login_as("ops_agent")
    page = client.get("/ops/inventory").text
    assert rows(page) == [("BOLT", "EAST"), ("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST"),
                          ("WIDGET", "WEST")]
    assert 'action="/ops/inventory/adjustments"' in page and 'action="/ops/inventory/transfers"' in page
    assert '<option value="cycle_count">Cycle count</option>' in page
    assert 'href="/ops/alerts"' in page  # the nav


def test_filters_by_sku_warehouse_and_low_stock(auth, client, bolt):
    auth.login_as("ops_admin")
    assert rows(client.get("/ops/inventory?sku=WIDGET").text) == [("WIDGET", "EAST"), ("WIDGET", "WEST")]
    assert rows(client.get("/ops/inventory?warehouse=WEST").text) == [("GADGET", "WEST"), ("WIDGET", "WEST")]
    Stock.update(reorder_point=10).where(Stock.product == bolt.id).execute()
    page = client.get("/ops/inventory?low=1").text
    assert rows(page) == [("BOLT", "EAST")] and 'class="low"' in page


def test_a_credit_controller_reads_but_has_no_forms(auth, client):
    auth.login_as("credit_controller")
    page = client.get("/ops/inventory").text
    assert len(rows(page)) == 4 and "Adjust stock" not in page
    assert client.post("/ops/inventory/adjustments", data=adjustment()).status_code == 403


def test_a_supplier_sees_its_own_skus_read_only(auth, client, bolt):
    adjust_stock("EAST", "BOLT", -1, reason_code="damaged", actor="admin@relay.test")
    auth.login_as("supplier")
    page = client.get("/ops/inventory").text
    assert rows(page) == [("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST"), ("WIDGET", "WEST")]
    assert "Adjust stock" not in page and 'href="/supplier/stock"' in page
    assert client.get("/ops/inventory/WIDGET").status_code == 200
    assert client.get("/ops/inventory/BOLT").status_code == 404
    assert client.post("/ops/inventory/adjustments", data=adjustment()).status_code == 403
    assert client.post("/ops/inventory/transfers", data=transfer()).status_code == 403
    assert stock("EAST", "WIDGET") == (100, 0)


@pytest.mark.parametrize("path", ["/ops/inventory", "/ops/inventory/WIDGET", "/ops/alerts"])
def test_distributors_are_refused_and_strangers_sent_to_sign_in(auth, client, path):
    assert client.get(path).status_code == 302
    auth.login_as("distributor")
    assert client.get(path).status_code == 403


# --- adjustments and transfers -------------------------------------------------------------------

def test_adjustment_form_changes_stock_and_audits_who(auth, client):
    auth.login_as("ops_agent")
    response = client.post("/ops/inventory/adjustments", data=adjustment(note="dropped"), follow_redirects=True)
    assert response.status_code == 200
    assert "-3 WIDGET in EAST (damaged)." in response.text
    assert stock("EAST", "WIDGET") == (97, 0)
    movement = StockMovement.get()
    assert (movement.actor, movement.note, movement.reason_code) == (USERS["ops_agent"][0], "dropped", "damaged")


def test_adjustment_form_refuses_bad_input_next_to_the_field(auth, client):
    Stock.update(reserved=98).where(Stock.product == Product.get(Product.sku == "WIDGET").id).execute()
    auth.login_as("ops_admin")
    response = client.post("/ops/inventory/adjustments", data=adjustment())
    assert response.status_code == 422
    assert "EAST has 98 of 100 WIDGET reserved for orders; at most 2 can be taken away" in response.text
    unknown = client.post("/ops/inventory/adjustments", data=adjustment(sku="NOPE", warehouse="NORTH",
                                                                        quantity_change="x"))
    assert unknown.status_code == 422
    assert "Not a valid choice." in unknown.text and "Not a valid integer value." in unknown.text
    missing_sku = client.post("/ops/inventory/adjustments", data=adjustment(sku="NOPE"))
    assert "unknown SKU &#39;NOPE&#39;" in missing_sku.text
    assert StockMovement.select().count() == 0


def test_transfer_form_moves_available_units_only(auth, client):
    Stock.update(reserved=95).where(Stock.product == Product.get(Product.sku == "GADGET").id,
                                    Stock.warehouse == Warehouse.get(Warehouse.code == "EAST").id).execute()
    auth.login_as("ops_agent")
    refused = client.post("/ops/inventory/transfers", data=transfer())
    assert refused.status_code == 422
    assert "only 5 GADGET available in EAST (95 of 100 on hand are reserved for orders)" in refused.text
    same = client.post("/ops/inventory/transfers", data=transfer(to_warehouse="EAST"))
    assert "must differ from from_warehouse" in same.text
    moved = client.post("/ops/inventory/transfers", data=transfer(quantity="5"))
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/ops/inventory?sku=GADGET")
    assert stock("EAST", "GADGET") == (95, 95) and stock("WEST", "GADGET") == (105, 0)


# --- history and alerts --------------------------------------------------------------------------

def test_sku_page_lists_movements_newest_first(auth, client):
    adjust_stock("EAST", "WIDGET", 5, reason_code="found", note="first", actor="someone@relay.test")
    adjust_stock("WEST", "WIDGET", -2, reason_code="shrinkage", note="second", actor="someone@relay.test")
    adjust_stock("WEST", "GADGET", -1, reason_code="shrinkage", note="other sku", actor="someone@relay.test")
    auth.login_as("ops_admin")
    page = client.get("/ops/inventory/WIDGET").text
    assert page.index("second") < page.index("first") and "other sku" not in page
    assert "+5" in page and "Shrinkage" in page and "someone@relay.test" in page
    assert client.get("/ops/inventory/NOPE").status_code == 404


def test_alerts_page_shows_open_oldest_first_and_recently_cleared(auth, client, bolt):
    Product.update(reorder_point=200).execute()
    evaluate_alerts([row.id for row in Stock.select()])
    StockAlert.update(raised_at=utc_now() - timedelta(days=2)).where(
        StockAlert.product == Product.get(Product.sku == "WIDGET").id).execute()
    Product.update(reorder_point=0).where(Product.sku == "GADGET").execute()
    evaluate_alerts([row.id for row in Stock.select()])  # GADGET clears
    auth.login_as("ops_agent")
    page = client.get("/ops/alerts").text
    open_part, cleared_part = page.split("Recently cleared")
    listed = re.findall(r'href="/ops/inventory/(\w+)"', open_part)
    assert listed[:2] == ["WIDGET", "WIDGET"] and set(listed[2:]) == {"BOLT"}
    assert re.findall(r'href="/ops/inventory/(\w+)"', cleared_part) == ["GADGET", "GADGET"]
    auth.logout()
    auth.login_as("supplier")
    supplier_page = client.get("/ops/alerts").text
    assert "BOLT" not in supplier_page and "WIDGET" in supplier_page
