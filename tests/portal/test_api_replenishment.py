"""GET /api/v1/replenishment and POST /api/v1/replenishment/orders: the figures and explanation, filters and pages,
one purchase order per supplier and warehouse, and who may (ops only; suppliers and distributors refused)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.inventory.tables import Product, Stock, Warehouse
from models.partners.tables import ApiToken, Partner, User
from models.planning.replenishment import compute_replenishment
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentSuggestion,
    series_key,
)
from models.supply.tables import PurchaseOrder
from tests.factories import make_world
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1"}
FIELDS = {"sku", "warehouse", "supplier", "suggested_quantity", "edited_quantity", "quantity", "reorder_point",
          "order_up_to", "safety_stock", "lead_time_days", "service_level", "sku_class", "forecast_over_lead",
          "on_hand", "reserved", "incoming", "backordered", "explanation", "status", "purchase_order", "computed_at"}


def forecast(sku: str, warehouse: str, weekly: float) -> None:
    product, row = Product.get(Product.sku == sku), Warehouse.get(Warehouse.code == warehouse)
    head = DemandForecast.create(series=series_key(sku, warehouse), product=product, warehouse=row,
                                 method="AutoETS", history_weeks=40, horizon_weeks=8, mean_weekly=weekly, weekly_std=0)
    monday = utc_now().date() - timedelta(days=utc_now().date().weekday())
    for week in range(8):
        ForecastPeriod.create(forecast=head, week_start=monday + timedelta(weeks=week), quantity=weekly, low=0,
                              high=weekly)


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal (CSRF on, as in production), make_world() with SUP2's BOLT, suggestions, a token per role."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world(on_hand=0)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier", lead_time_days=7)
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=other, pack_size=10)
    Stock.create(warehouse=world["east"], product=bolt, on_hand=0)
    for sku, warehouse in (("WIDGET", "EAST"), ("GADGET", "EAST"), ("WIDGET", "WEST"), ("BOLT", "EAST")):
        forecast(sku, warehouse, 14)
    compute_replenishment(None, actor="test")
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens, world=world)
    if not database.is_closed():
        database.close()


def get(api, role: str, query: str = ""):
    return api.client.get(f"/api/v1/replenishment{query}", headers={"Authorization": f"Bearer {api.tokens[role]}"})


def order(api, role: str, body):
    return api.client.post("/api/v1/replenishment/orders", json=body,
                           headers={"Authorization": f"Bearer {api.tokens[role]}"})


def keys(response) -> list[tuple[str, str]]:
    return [(item["sku"], item["warehouse"]) for item in response.json["items"]]


def test_ops_read_every_suggestion_with_its_figures(api):
    response = get(api, "credit_controller")
    assert response.status_code == 200
    assert keys(response) == [("BOLT", "EAST"), ("GADGET", "EAST"), ("GADGET", "WEST"), ("WIDGET", "EAST"),
                              ("WIDGET", "WEST")]
    bolt = response.json["items"][0]
    assert set(bolt) == FIELDS
    # 14 a week: 14 over 7 days' lead, 28 with 7 days' review; σ 0: order up to 28, in packs of 10 → 30
    assert {key: bolt[key] for key in ("supplier", "suggested_quantity", "edited_quantity", "quantity",
                                       "reorder_point", "order_up_to", "safety_stock", "lead_time_days",
                                       "service_level", "forecast_over_lead", "on_hand", "incoming", "status",
                                       "purchase_order")} == {
        "supplier": "SUP2", "suggested_quantity": 30, "edited_quantity": None, "quantity": 30, "reorder_point": 14,
        "order_up_to": 28, "safety_stock": 0, "lead_time_days": 7, "service_level": 0.9,
        "forecast_over_lead": 14.0, "on_hand": 0, "incoming": 0, "status": "open", "purchase_order": None}
    assert bolt["explanation"].endswith("= 0 ≤ reorder point 14 → order up to 28: 28, rounded to pack 10 → 30")
    assert response.json["next"] is None


@pytest.mark.parametrize(("query", "expected"), [
    ("?sku=WIDGET", [("WIDGET", "EAST"), ("WIDGET", "WEST")]),
    ("?warehouse=WEST", [("GADGET", "WEST"), ("WIDGET", "WEST")]),
    ("?sku=WIDGET&warehouse=WEST", [("WIDGET", "WEST")]),
    ("?supplier=SUP2", [("BOLT", "EAST")]),
    ("?to_order=true&warehouse=WEST", [("WIDGET", "WEST")]),
    ("?sku=NOPE", []),
])
def test_filters(api, query, expected):
    assert keys(get(api, "ops_agent", query)) == expected


def test_pages_follow_on(api):
    first = get(api, "ops_admin", "?limit=2")
    assert keys(first) == [("BOLT", "EAST"), ("GADGET", "EAST")]
    second = get(api, "ops_admin", f"?limit=2&after={first.json['next']}")
    assert keys(second) == [("GADGET", "WEST"), ("WIDGET", "EAST")]
    assert get(api, "ops_admin", "?after=garbage").status_code == 422
    assert get(api, "ops_admin", "?limit=0").status_code == 422


@pytest.mark.parametrize("role", ["supplier", "distributor"])
def test_partner_tokens_are_refused(api, role):
    response = get(api, role)
    assert response.status_code == 403 and "items" not in response.json
    assert order(api, role, {"items": [{"sku": "BOLT", "warehouse": "EAST"}]}).status_code == 403
    assert PurchaseOrder.select().count() == 0


def test_no_token_answers_401(api):
    assert api.client.get("/api/v1/replenishment").status_code == 401
    assert api.client.post("/api/v1/replenishment/orders", json={"items": []}).status_code == 401


def test_ordering_makes_one_purchase_order_per_supplier_and_warehouse(api):
    response = order(api, "ops_agent", {"items": [
        {"sku": "WIDGET", "warehouse": "EAST", "quantity": 40}, {"sku": "GADGET", "warehouse": "EAST"},
        {"sku": "WIDGET", "warehouse": "WEST", "quantity": 5}, {"sku": "BOLT", "warehouse": "EAST"}]})
    assert response.status_code == 201
    numbers = response.json["purchase_orders"]
    purchases = {(po.supplier.code, po.warehouse.code): po for po in
                 PurchaseOrder.select().where(PurchaseOrder.number.in_(numbers))}
    assert set(purchases) == {("SUP1", "EAST"), ("SUP1", "WEST"), ("SUP2", "EAST")} and len(numbers) == 3
    assert {line.product.sku: line.quantity for line in purchases[("SUP1", "EAST")].lines} == \
        {"WIDGET": 40, "GADGET": 24}
    assert all(po.status == "draft" and po.created_by == "api:ops_agent@relay.test" for po in purchases.values())
    item = get(api, "ops_agent", "?sku=BOLT").json["items"][0]
    assert (item["status"], item["purchase_order"]) == ("ordered", purchases[("SUP2", "EAST")].number)


def test_send_sends_them(api):
    response = order(api, "ops_admin", {"items": [{"sku": "BOLT", "warehouse": "EAST"}], "send": True})
    assert response.status_code == 201
    assert PurchaseOrder.get(PurchaseOrder.number == response.json["purchase_orders"][0]).status == "sent"


@pytest.mark.parametrize(("body", "field"), [
    ({"items": [{"sku": "NOPE", "warehouse": "EAST"}]}, "items[0]"),
    ({"items": [{"sku": "BOLT", "warehouse": "EAST"}, {"sku": "BOLT", "warehouse": "EAST"}]}, "items[1]"),
    ({"items": [{"sku": "GADGET", "warehouse": "WEST"}]}, "items[0].quantity"),  # nothing suggested there
])
def test_bad_orders_name_the_item_and_order_nothing(api, body, field):
    response = order(api, "ops_agent", body)
    assert response.status_code == 422 and field in response.json["errors"]
    assert PurchaseOrder.select().count() == 0


def test_an_item_already_ordered_is_named(api):
    assert order(api, "ops_agent", {"items": [{"sku": "BOLT", "warehouse": "EAST"}]}).status_code == 201
    response = order(api, "ops_agent", {"items": [{"sku": "WIDGET", "warehouse": "EAST"},
                                                  {"sku": "BOLT", "warehouse": "EAST"}]})
    assert response.status_code == 422
    assert response.json["errors"]["items[1]"][0].startswith("already ordered on PO-")
    assert PurchaseOrder.select().count() == 1


@pytest.mark.parametrize("body", [[], {"items": []}, {"items": [{"sku": "BOLT", "warehouse": "EAST",
                                                                 "quantity": 0}]}, {"send": True}])
def test_malformed_bodies(api, body):
    assert order(api, "ops_agent", body).status_code in (400, 422)
    assert PurchaseOrder.select().count() == 0


def test_a_credit_controller_reads_but_may_not_order(api):
    response = order(api, "credit_controller", {"items": [{"sku": "BOLT", "warehouse": "EAST"}]})
    assert response.status_code == 403 and "ops_admin or ops_agent" in response.json["error"]
    assert ReplenishmentSuggestion.select().where(ReplenishmentSuggestion.status == "ordered").count() == 0
