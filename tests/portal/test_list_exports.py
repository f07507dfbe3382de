"""Every list page exports what its filters show as CSV (``?format=csv``): text cells a spreadsheet would run as
a formula are neutralised, and partners get their own rows only."""
import csv
import io
from datetime import timedelta

import pytest

import portal.list_exports as list_exports
from models.core.base import utc_now
from models.intake.tables import ImportBatch, IntakeMessage
from models.inventory.tables import Product, Stock, StockAlert, Warehouse
from models.orders.tables import Order
from models.partners.api_tokens import create_token
from models.partners.tables import Partner, User
from models.planning.tables import ReplenishmentSuggestion
from models.returns.tables import OrderFeedback, ReturnRequest
from models.shipping.tables import Shipment, ShipmentAlert
from models.supply.tables import PurchaseOrder, SupplyAlert
from tests.factories import allow_repeat_orders
from tests.portal.conftest import USERS, place, put_on_hold

EVIL = "=HYPERLINK(\"http://evil.example\",\"x\")"
SAFE = "'" + EVIL


def exported(client, url: str) -> list[dict]:
    answer = client.get(url)
    assert answer.status_code == 200, answer.text[:500]
    assert answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(answer.text)))


@pytest.fixture
def books(app):
    """Orders of DIST1's customer (CUST1) and of DIST2's (CUST2), each with a shipment, a return and feedback;
    a hostile customer name and SKU name."""
    allow_repeat_orders()
    Partner.update(name=EVIL).where(Partner.code == "CUST1").execute()
    mine, theirs = place("PO-MINE"), place("PO-THEIRS", customer_code="CUST2", region="R2")
    for order in (mine, theirs):
        Shipment.create(order=order, warehouse=1, carrier=EVIL)
        ReturnRequest.create(order=order, customer=order.customer_id, resolution="refund", reason="damaged",
                             comment=EVIL)
        OrderFeedback.create(order=order, rating=2, comment=EVIL)
    return {"mine": mine, "theirs": theirs}


def test_orders_export_is_neutralised_and_scoped(client, auth, books):
    auth.login_as("ops_agent")
    rows = exported(client, "/orders?format=csv")
    assert {row["reference"] for row in rows} == {"PO-MINE", "PO-THEIRS"}
    assert {row["customer_name"] for row in rows if row["reference"] == "PO-MINE"} == {SAFE}
    assert [row["reference"] for row in exported(client, "/orders?format=csv&q=THEIRS")] == ["PO-THEIRS"]
    auth.logout()
    auth.login_as("distributor")
    assert [row["reference"] for row in exported(client, "/orders?format=csv")] == ["PO-MINE"]


def test_orders_export_walks_every_page_up_to_the_cap(client, auth, books, monkeypatch):
    for n in range(7):
        place(f"PO-MORE-{n}")
    monkeypatch.setattr(list_exports, "EXPORT_PAGE", 2)
    monkeypatch.setattr("portal.order_export.EXPORT_PAGE", 2)
    auth.login_as("ops_admin")
    assert len(exported(client, "/orders?format=csv")) == 9
    monkeypatch.setattr(list_exports, "EXPORT_CAP", 4)
    assert len(exported(client, "/orders?format=csv")) == 4


def test_shipments_export(client, auth, books):
    auth.login_as("ops_agent")
    rows = exported(client, "/ops/shipments?format=csv")
    assert sorted(row["order_reference"] for row in rows) == ["PO-MINE", "PO-THEIRS"]
    assert {row["carrier"] for row in rows} == {SAFE}
    auth.logout()
    auth.login_as("distributor")
    assert [row["order_reference"] for row in exported(client, "/shipments?format=csv")] == ["PO-MINE"]


def test_holds_export(client, auth, books):
    put_on_hold(books["mine"].id)
    auth.login_as("credit_controller")
    rows = exported(client, "/ops/holds?format=csv")
    assert [(row["reference"], row["customer_name"], row["reasons"], row["you_may_decide"]) for row in rows] == [
        ("PO-MINE", SAFE, "credit_limit", "yes")]


def test_returns_and_feedback_exports(client, auth, books):
    auth.login_as("ops_agent")
    rows = exported(client, "/ops/returns?view=all&format=csv")
    assert sorted(row["order_reference"] for row in rows) == ["PO-MINE", "PO-THEIRS"]
    assert {row["comment"] for row in rows} == {SAFE}
    assert {row["comment"] for row in exported(client, "/ops/feedback?format=csv")} == {SAFE}
    auth.logout()
    auth.login_as("distributor")
    assert [row["order_reference"] for row in exported(client, "/returns?format=csv")] == ["PO-MINE"]


def test_stock_and_alerts_exports_keep_a_supplier_to_its_skus(client, auth, books):
    own = Product.get(Product.sku == "WIDGET")
    Product.update(name=EVIL).where(Product.id == own.id).execute()
    other_supplier = Partner.create(code="SUP9", name="Nine", kind="supplier")
    foreign = Product.create(sku="FOREIGN", name="Not yours", unit_price=1, supplier=other_supplier)
    east = Warehouse.get(Warehouse.code == "EAST")
    Stock.create(warehouse=east, product=foreign, on_hand=3)
    for product in (own, foreign):
        StockAlert.create(warehouse=east, product=product, available=1, reorder_point=5)
    purchase = PurchaseOrder.create(number="-PO-OWN", supplier=own.supplier_id, status="sent", warehouse=east)
    PurchaseOrder.create(number="PO-FOREIGN", supplier=other_supplier, status="sent", warehouse=east)
    SupplyAlert.create(purchase_order=purchase, kind="asn_overdue", message=EVIL)
    auth.login_as("supplier")
    stock = exported(client, "/ops/inventory?format=csv")
    assert {row["sku"] for row in stock} == {"WIDGET", "GADGET"}
    assert {row["name"] for row in stock if row["sku"] == "WIDGET"} == {SAFE}
    alerts = exported(client, "/ops/alerts?format=csv")
    assert {row["sku"] for row in alerts if row["kind"] == "low_stock"} == {"WIDGET"}
    assert [(row["purchase_order"], row["message"]) for row in alerts if row["kind"] == "asn_overdue"] == [
        ("'-PO-OWN", SAFE)]
    assert [row["number"] for row in exported(client, "/supplier/purchase-orders?format=csv")] == ["'-PO-OWN"]
    auth.logout()
    auth.login_as("ops_agent")
    assert {row["sku"] for row in exported(client, "/ops/inventory?format=csv")} >= {"WIDGET", "FOREIGN"}
    assert sorted(row["number"] for row in exported(client, "/ops/purchase-orders?format=csv")) == [
        "'-PO-OWN", "PO-FOREIGN"]


def test_intake_users_and_tokens_exports(client, auth, books):
    IntakeMessage.create(message_id="m-1", mail_from="buyer@example.com", subject=EVIL)
    admin = User.get(User.email == USERS["ops_admin"][0])
    create_token(admin, name=EVIL)
    create_token(User.get(User.email == USERS["distributor"][0]), name="dist token")
    auth.login_as("ops_admin")
    assert [row["subject"] for row in exported(client, "/intake?format=csv")] == [SAFE]
    users = exported(client, "/admin/users?format=csv")
    assert {row["email"] for row in users} >= {USERS[role][0] for role in USERS}
    assert {row["partner"] for row in users if row["email"] == USERS["distributor"][0]} == {"DIST1"}
    every = exported(client, "/admin/tokens?format=csv")
    assert sorted(row["name"] for row in every) == [SAFE, "dist token"]
    assert all("token_hash" not in row for row in every)
    assert [row["name"] for row in exported(client, "/account/tokens?format=csv")] == [SAFE]
    auth.logout()
    auth.login_as("distributor")
    assert [row["name"] for row in exported(client, "/account/tokens?format=csv")] == ["dist token"]


def test_shipping_problems_and_scorecard_exports(client, auth, books):
    shipment = Shipment.get(Shipment.order == books["mine"].id)
    ShipmentAlert.create(shipment=shipment, order=books["mine"], kind="lost", message=EVIL)
    Partner.update(name=EVIL).where(Partner.code == "SUP1").execute()
    auth.login_as("ops_agent")
    problems = exported(client, "/ops/shipments/problems?format=csv")
    assert [(row["problem"], row["order_reference"], row["message"]) for row in problems] == [
        ("lost", "PO-MINE", SAFE)]
    scores = exported(client, "/ops/suppliers/scorecard?format=csv")
    assert {row["name"] for row in scores if row["code"] == "SUP1"} == {SAFE}


def test_imports_export(client, auth, books):
    for distributor, name in (("DIST1", EVIL), ("DIST2", "theirs.csv")):
        ImportBatch.create(distributor=Partner.get(Partner.code == distributor), submitted_by="x@example.com",
                           filename=name, sha256="0" * 64)
    auth.login_as("distributor")
    assert [row["filename"] for row in exported(client, "/imports?format=csv")] == [SAFE]
    auth.logout()
    auth.login_as("ops_agent")
    assert sorted(row["filename"] for row in exported(client, "/imports?format=csv")) == [SAFE, "theirs.csv"]


def test_replenishment_and_stuck_exports(client, auth, books):
    product = Product.create(sku="-SKU", name="Hostile", unit_price=1)
    ReplenishmentSuggestion.create(product=product, warehouse=Warehouse.get(Warehouse.code == "EAST"),
                                   suggested_quantity=12)
    Order.update(status_changed_at=utc_now() - timedelta(hours=2), external_ref="@stuck").where(
        Order.id == books["mine"].id).execute()
    auth.login_as("ops_agent")
    suggestions = exported(client, "/ops/replenishment?format=csv")
    assert [(row["sku"], row["quantity"]) for row in suggestions] == [("'-SKU", "12")]
    stuck = exported(client, "/ops/stuck?format=csv")
    assert [(row["kind"], row["ref"]) for row in stuck if row["kind"] == "order"] == [("order", "'@stuck")]


@pytest.mark.parametrize("url", ["/orders", "/ops/shipments", "/ops/holds", "/ops/returns", "/ops/feedback",
                                 "/ops/inventory", "/ops/alerts", "/ops/purchase-orders", "/intake", "/admin/users",
                                 "/admin/tokens", "/account/tokens", "/ops/replenishment", "/ops/stuck", "/imports",
                                 "/ops/shipments/problems", "/ops/suppliers/scorecard"])
def test_every_list_links_its_export(client, auth, books, url):
    auth.login_as("ops_admin")
    html = client.get(url + "?q=x" if url == "/orders" else url).text
    assert "format=csv" in html and "Export CSV" in html


def test_sku_ledger_and_pick_list_links_show(client, auth, books):
    from models.inventory.moves import adjust_stock

    adjust_stock("EAST", "WIDGET", 4, reason_code="found", actor="ops")
    auth.login_as("ops_agent")
    page = client.get("/ops/inventory/WIDGET").text
    assert "On hand after" in page and "<td class=\"num\">104</td>" in page
    listing = client.get("/ops/shipments").text
    assert 'href="/ops/pick-list.pdf?warehouse=EAST"' in listing
    assert 'href="/ops/pick-list.pdf?warehouse=WEST"' in listing
    shipment = Shipment.get(Shipment.order == books["mine"].id)
    detail = client.get(f"/ops/shipments/{shipment.id}").text
    assert f'/ops/pick-list.pdf?warehouse=EAST&amp;shipment={shipment.id}' in detail
    auth.logout()
    auth.login_as("distributor")
    assert "pick-list" not in client.get("/shipments").text
