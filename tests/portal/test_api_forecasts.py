from types import SimpleNamespace

import pytest

from models.core.db import database
from models.inventory.tables import Product, Stock
from models.partners.tables import ApiToken, Partner, User
from models.planning.forecasts import run_forecasts
from tests.factories import make_world
from tests.forecast_support import at, ship
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1", "supplier_b": "SUP2"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal with make_world(), supplier B's SKU BOLT, forecasts from 24 weeks of shipments of WIDGET
    (supplier A's, from EAST and WEST) and BOLT (from EAST), and a token per role."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world()
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    world["bolt"] = Product.create(sku="BOLT", name="Bolt", unit_price="1.00", supplier=other)
    Stock.create(warehouse=world["east"], product=world["bolt"], on_hand=7)
    for week in range(24):
        ship(world, at(week, day=1), 5 + week % 4, ref=f"E{week}")
        ship(world, at(week, day=2), 1 + week % 2, warehouse="west", ref=f"W{week}")
        ship(world, at(week, day=3), 9, sku="bolt", ref=f"B{week}")
    run_forecasts(horizon_weeks=4, actor="test", as_of=at(24))
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role.removesuffix("_b"), partner=partner,
                           password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens, world=world)
    if not database.is_closed():
        database.close()


def get(api, role: str, query: str = ""):
    return api.client.get(f"/api/v1/forecasts{query}", headers={"Authorization": f"Bearer {api.tokens[role]}"})


def keys(response) -> list[tuple[str, str]]:
    return sorted((item["sku"], item["warehouse"]) for item in response.json["items"])


def test_ops_read_every_series_with_its_weeks(api):
    response = get(api, "ops_agent", "?sku=WIDGET&warehouse=EAST")
    assert response.status_code == 200
    body = response.json
    assert body["next"] is None and len(body["items"]) == 1
    item = body["items"][0]
    assert {"sku", "warehouse", "method", "mase", "history_weeks", "computed_at", "periods"} <= set(item)
    assert (item["sku"], item["warehouse"], item["history_weeks"]) == ("WIDGET", "EAST", 24)
    assert isinstance(item["method"], str) and isinstance(item["mase"], float)
    assert item["computed_at"].endswith("+00:00")
    assert [p["week_start"] for p in item["periods"]] == [at(24 + k).date().isoformat() for k in range(4)]
    assert all(set(p) == {"week_start", "quantity", "low", "high"} for p in item["periods"])
    assert all(0 <= p["low"] <= p["quantity"] <= p["high"] for p in item["periods"])
    assert keys(get(api, "ops_admin")) == [("BOLT", "*"), ("BOLT", "EAST"), ("WIDGET", "*"), ("WIDGET", "EAST"),
                                           ("WIDGET", "WEST")]


def test_the_all_warehouse_series_is_warehouse_star(api):
    assert keys(get(api, "credit_controller", "?warehouse=*")) == [("BOLT", "*"), ("WIDGET", "*")]
    overall = get(api, "ops_admin", "?sku=WIDGET&warehouse=*").json["items"][0]
    east, west = (get(api, "ops_admin", f"?sku=WIDGET&warehouse={code}").json["items"][0] for code in ("EAST", "WEST"))
    assert overall["history_weeks"] == east["history_weeks"] == west["history_weeks"] == 24


def test_pages_follow_the_cursor(api):
    first = get(api, "ops_admin", "?limit=2").json
    second = get(api, "ops_admin", f"?limit=2&after={first['next']}").json
    third = get(api, "ops_admin", f"?limit=2&after={second['next']}").json
    assert third["next"] is None
    seen = [(i["sku"], i["warehouse"]) for page in (first, second, third) for i in page["items"]]
    assert sorted(seen) == keys(get(api, "ops_admin")) and len(seen) == 5


def test_a_supplier_sees_its_own_skus_only(api):
    assert keys(get(api, "supplier")) == [("WIDGET", "*"), ("WIDGET", "EAST"), ("WIDGET", "WEST")]
    assert keys(get(api, "supplier_b")) == [("BOLT", "*"), ("BOLT", "EAST")]
    for query in ("?sku=WIDGET", "?sku=WIDGET&warehouse=EAST", "?sku=WIDGET&warehouse=*", "?warehouse=WEST"):
        response = get(api, "supplier_b", query)
        assert response.status_code == 200 and response.json == {"items": [], "next": None}
        assert "WIDGET" not in response.text
    assert get(api, "supplier", "?sku=BOLT").json["items"] == []


def test_distributors_and_anonymous_callers_are_refused(api):
    assert get(api, "distributor").status_code == 403
    assert api.client.get("/api/v1/forecasts").status_code == 401


@pytest.mark.parametrize("query", ["?limit=0", "?limit=501", "?after=not-a-cursor", "?sku=" + "x" * 65, "?colour=red"])
def test_bad_parameters_answer_422(api, query):
    response = get(api, "ops_admin", query)
    assert response.status_code == 422 and "error" in response.json
