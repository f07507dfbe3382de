from types import SimpleNamespace

import pytest

from models.core.db import database
from models.core.transitions import transition
from models.intake.entry import place_order
from models.inventory.tables import Product, Stock, StockMovement, Warehouse
from models.partners.tables import ApiToken, Partner, User
from models.supply.tables import PurchaseOrder, PurchaseOrderLine
from schemas.orders import order_schema
from tests.factories import make_world, order_body
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal (CSRF on, as in production) with make_world(), a second supplier's SKU and a token per role."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world(on_hand=100)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price="1.00", supplier=other)
    Stock.create(warehouse=world["east"], product=bolt, on_hand=7)
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens, world=world)
    if not database.is_closed():
        database.close()


def get(api, role: str, query: str = ""):
    return api.client.get(f"/api/v1/stock{query}", headers={"Authorization": f"Bearer {api.tokens[role]}"})


def post(api, role: str, path: str, body):
    return api.client.post(f"/api/v1/stock/{path}", json=body, headers={"Authorization": f"Bearer {api.tokens[role]}"})


def keys(response) -> list[tuple[str, str]]:
    return [(item["sku"], item["warehouse"]) for item in response.json["items"]]


def reserve(api, warehouse: str, product: str, units: int) -> None:
    Stock.update(reserved=units).where(Stock.product == api.world[product],
                                       Stock.warehouse == api.world[warehouse]).execute()


def stock(warehouse: str, sku: str) -> tuple[int, int]:
    row = (Stock.select().join(Warehouse).switch(Stock).join(Product)
           .where(Warehouse.code == warehouse, Product.sku == sku).get())
    return row.on_hand, row.reserved


# --- reading -------------------------------------------------------------------------------------

def test_ops_see_every_position_by_sku_then_warehouse(api):
    response = get(api, "ops_agent")
    assert response.status_code == 200
    assert keys(response) == [("BOLT", "EAST"), ("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST"),
                              ("WIDGET", "WEST")]
    assert response.json["next"] is None
    assert response.json["items"][1] == {"sku": "GADGET", "warehouse": "EAST", "on_hand": 100, "reserved": 0,
                                         "available": 100, "incoming": 0, "incoming_on": None, "backordered": 0, "reorder_point": 0,
                                         "low": False, "alert_open": False}


def test_filters_by_sku_warehouse_and_low_stock(api):
    assert keys(get(api, "ops_admin", "?sku=WIDGET")) == [("WIDGET", "EAST"), ("WIDGET", "WEST")]
    assert keys(get(api, "ops_admin", "?warehouse=WEST")) == [("GADGET", "WEST"), ("WIDGET", "WEST")]
    assert keys(get(api, "ops_admin", "?sku=WIDGET&warehouse=WEST")) == [("WIDGET", "WEST")]
    Product.update(reorder_point=10).where(Product.sku == "BOLT").execute()
    low = get(api, "credit_controller", "?low=true")
    assert keys(low) == [("BOLT", "EAST")] and low.json["items"][0]["low"] is True
    assert get(api, "ops_admin", "?sku=NOPE").json == {"items": [], "next": None}


def test_pages_follow_the_cursor(api):
    first = get(api, "ops_admin", "?limit=3")
    assert keys(first) == [("BOLT", "EAST"), ("GADGET", "EAST"), ("GADGET", "WEST")]
    second = get(api, "ops_admin", f"?limit=3&after={first.json['next']}")
    assert keys(second) == [("WIDGET", "EAST"), ("WIDGET", "WEST")] and second.json["next"] is None
    bad = get(api, "ops_admin", "?after=bm9wZQ&limit=0")
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"limit"}
    assert get(api, "ops_admin", "?after=bm9wZQ").json["errors"] == {
        "after": ["not a cursor this API gave; start again without it"]}


def test_incoming_counts_open_purchase_orders_and_backordered_counts_waiting_orders(api):
    supplier, east = api.world["supplier"], api.world["east"]
    orders = (("PO-1", "sent", False, 10, 4), ("PO-2", "shipped", False, 5, 0), ("PO-3", "draft", False, 50, 0),
              ("PO-4", "confirmed", True, 9, 0), ("PO-5", "received", False, 8, 8))
    for number, status, dropship, quantity, received in orders:
        po = PurchaseOrder.create(number=number, supplier=supplier, status=status, dropship=dropship, warehouse=east)
        PurchaseOrderLine.create(purchase_order=po, product=api.world["widget"], quantity=quantity,
                                 received_quantity=received)
    order, _ = place_order(order_schema.load(order_body("SO-1")), actor="test")
    for status in ("approved", "backordered"):
        assert transition("order", order.id, status, actor="test")
    items = {(i["sku"], i["warehouse"]): i for i in get(api, "ops_admin").json["items"]}
    assert items[("WIDGET", "EAST")]["incoming"] == 11 and items[("WIDGET", "WEST")]["incoming"] == 0
    # order_body orders 2 WIDGET and 1 GADGET: backorders are per SKU, shown on every warehouse row
    assert [items[(sku, wh)]["backordered"] for sku, wh in (("WIDGET", "EAST"), ("WIDGET", "WEST"),
                                                             ("GADGET", "EAST"), ("BOLT", "EAST"))] == [2, 2, 1, 0]


def test_a_supplier_sees_only_the_skus_it_supplies(api):
    assert keys(get(api, "supplier")) == [("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST"),
                                          ("WIDGET", "WEST")]
    assert get(api, "supplier", "?sku=BOLT").json["items"] == []


def test_a_distributor_sees_availability_per_sku_only(api):
    reserve(api, "east", "widget", 30)
    Warehouse.create(code="OLD", name="Closed DC", region="R1", active=False)
    Stock.create(warehouse=Warehouse.get(Warehouse.code == "OLD"), product=api.world["widget"], on_hand=500)
    response = get(api, "distributor")
    assert response.json == {"items": [{"sku": "BOLT", "name": "Bolt", "available": 7},
                                       {"sku": "GADGET", "name": "Gadget", "available": 200},
                                       {"sku": "WIDGET", "name": "Widget", "available": 170}], "next": None}
    page = get(api, "distributor", "?limit=2")
    assert [i["sku"] for i in page.json["items"]] == ["BOLT", "GADGET"]
    assert [i["sku"] for i in get(api, "distributor", f"?after={page.json['next']}").json["items"]] == ["WIDGET"]


def test_a_token_is_required(api):
    assert api.client.get("/api/v1/stock").status_code == 401


# --- changing ------------------------------------------------------------------------------------

def test_ops_adjust_stock(api):
    response = post(api, "ops_agent", "adjustments", {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": -4,
                                                      "reason_code": "damaged", "note": "forklift"})
    assert response.status_code == 201, response.json
    assert response.json["stock"] == {"warehouse": "EAST", "sku": "WIDGET", "on_hand": 96, "reserved": 0,
                                      "available": 96}
    movement = response.json["movement"]
    assert {k: movement[k] for k in ("warehouse", "sku", "kind", "quantity", "reason_code", "note", "actor")} == {
        "warehouse": "EAST", "sku": "WIDGET", "kind": "adjustment", "quantity": -4, "reason_code": "damaged",
        "note": "forklift", "actor": "api:ops_agent@relay.test"}
    assert movement["at"].endswith("+00:00")


@pytest.mark.parametrize("role", ["credit_controller", "supplier", "distributor"])
def test_other_roles_may_not_change_stock(api, role):
    adjustment = {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": 1, "reason_code": "found"}
    transfer = {"from_warehouse": "EAST", "to_warehouse": "WEST", "sku": "WIDGET", "quantity": 1,
                "reason_code": "rebalance"}
    assert post(api, role, "adjustments", adjustment).status_code == 403
    assert post(api, role, "transfers", transfer).status_code == 403
    assert stock("EAST", "WIDGET") == (100, 0) and StockMovement.select().count() == 0


def test_bad_adjustments_answer_422_naming_fields(api):
    response = post(api, "ops_admin", "adjustments", {"warehouse": "EAST", "quantity_change": 0, "reason_code": "x"})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"sku", "quantity_change", "reason_code"}
    assert response.json["errors"]["quantity_change"] == ["must not be 0"]
    reserve(api, "east", "widget", 90)
    below = post(api, "ops_admin", "adjustments", {"warehouse": "EAST", "sku": "WIDGET", "quantity_change": -11,
                                                   "reason_code": "shrinkage"})
    assert below.status_code == 422 and below.json["errors"] == {"quantity_change": [
        "EAST has 90 of 100 WIDGET reserved for orders; at most 10 can be taken away"]}
    unknown = post(api, "ops_admin", "adjustments", {"warehouse": "NORTH", "sku": "NOPE", "quantity_change": 1,
                                                     "reason_code": "found"})
    assert unknown.json["errors"] == {"warehouse": ["unknown warehouse 'NORTH'"], "sku": ["unknown SKU 'NOPE'"]}
    not_json = api.client.post("/api/v1/stock/adjustments", data="x",
                               headers={"Authorization": f"Bearer {api.tokens['ops_admin']}"})
    assert not_json.status_code == 400


def test_ops_transfer_available_stock(api):
    reserve(api, "west", "gadget", 60)
    body = {"from_warehouse": "WEST", "to_warehouse": "EAST", "sku": "GADGET", "quantity": 41,
            "reason_code": "rebalance"}
    refused = post(api, "ops_admin", "transfers", body)
    assert refused.status_code == 422 and refused.json["errors"] == {"quantity": [
        "only 40 GADGET available in WEST (60 of 100 on hand are reserved for orders)"]}
    response = post(api, "ops_admin", "transfers", body | {"quantity": 40, "note": "peak"})
    assert response.status_code == 201
    out, into = response.json["movements"]
    assert (out["kind"], out["quantity"], into["kind"], into["quantity"]) == ("transfer_out", -40, "transfer_in", 40)
    assert out["reference"] == into["reference"] == response.json["reference"]
    assert [s["on_hand"] for s in response.json["stock"]] == [60, 140]
    assert post(api, "ops_admin", "transfers", body | {"quantity": "5"}).json["errors"] == {
        "quantity": ["Not a valid integer."]}


def receive(api, role: str, number: str, body):
    return api.client.post(f"/api/v1/purchase-orders/{number}/receipts", json=body,
                           headers={"Authorization": f"Bearer {api.tokens[role]}"})


def test_receiving_a_purchase_order_over_the_api(api):
    order = PurchaseOrder.create(number="PO-77", supplier=api.world["supplier"], status="confirmed",
                                 warehouse=api.world["east"])
    PurchaseOrderLine.create(purchase_order=order, product=api.world["widget"], quantity=30)
    receipt = {"lines": [{"sku": "WIDGET", "quantity": 30}]}
    assert receive(api, "supplier", "PO-77", receipt).status_code == 403
    twice = receive(api, "ops_agent", "PO-77",
                    {"lines": [{"sku": "WIDGET", "quantity": 1}, {"sku": "WIDGET", "quantity": 1}]})
    assert twice.status_code == 422 and "lines.WIDGET" in twice.json["errors"]
    answer = receive(api, "ops_agent", "PO-77", receipt)
    assert answer.status_code == 201, answer.json
    assert (answer.json["status"], answer.json["stock"][0]["on_hand"]) == ("received", 130)
    assert answer.json["movements"][0]["kind"] == "receipt"
    again = receive(api, "ops_agent", "PO-77", receipt)
    assert again.status_code == 422 and "PO-77 is received" in again.json["errors"]["number"][0]
    assert receive(api, "ops_agent", "NOPE", receipt).status_code == 404
