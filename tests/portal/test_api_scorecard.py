"""GET /api/v1/suppliers/<code>/scorecard: ops read any supplier's, a supplier only its own, others nothing."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.inventory.tables import Product
from models.partners.tables import ApiToken, Partner, User
from tests.factories import make_world
from tests.models.supply.test_scorecard import give_back, purchase, receive, ship
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1", "supplier_two": "SUP2"}
RATES = ("on_time_rate", "fill_rate", "defect_rate", "defective_rate")
DURATIONS = ("promised_lead_days", "actual_lead_days", "confirmation_hours")


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal with make_world(), a second supplier, a token per role, and SUP1's purchase order of 10
    WIDGET due 10 days ago: sent 30 days ago, answered in 6 hours, promised in 20 days; 6 came 12 days ago
    (on time), 2 good and 2 damaged 5 days ago (late), 4 announced but missing; 10 shipped, 1 defective."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world()
    sup2 = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role.removesuffix("_two"), partner=partner,
                           password_hash="!")
        tokens[role] = ApiToken.issue(user)
    now = utc_now()
    sent = now - timedelta(days=30)
    order = purchase(world, {"WIDGET": 10}, sent_at=sent, answered_at=sent + timedelta(hours=6),
                     promised=(now - timedelta(days=10)).date())
    receive(order, {"WIDGET": (6, 0)}, at=now - timedelta(days=12))
    receive(order, {"WIDGET": (2, 2)}, at=now - timedelta(days=5), announced={"WIDGET": 8})
    give_back(ship(world, {"WIDGET": 10}), {"WIDGET": (1, "defective")})
    yield SimpleNamespace(client=app.test_client(), tokens=tokens)
    if not database.is_closed():
        database.close()


def get(api, role: str | None, code: str, query: str = ""):
    headers = {"Authorization": f"Bearer {api.tokens[role]}"} if role else {}
    return api.client.get(f"/api/v1/suppliers/{code}/scorecard{query}", headers=headers)


@pytest.mark.parametrize("role", ["ops_admin", "ops_agent", "credit_controller"])
def test_ops_read_a_suppliers_scorecard(api, role):
    response = get(api, role, "SUP1")

    assert response.status_code == 200
    body = response.json
    assert (body["supplier"], body["name"], body["window_days"]) == ("SUP1", "Supplier One", 90)
    assert {name: body[name] for name in RATES} == {
        "on_time_rate": "0.6000", "fill_rate": "0.8000", "defect_rate": "0.1500", "defective_rate": "0.1000"}
    assert {name: body[name] for name in DURATIONS} == {
        "promised_lead_days": "20.0", "actual_lead_days": "18.0", "confirmation_hours": "6.0"}
    assert (body["purchase_orders"], body["open_purchase_orders"], body["late_lines"]) == (1, 0, 1)
    assert (body["units_ordered"], body["units_filled"], body["units_received"], body["units_damaged"]) == (
        10, 8, 8, 2)
    assert (body["units_short"], body["units_shipped"], body["units_defective_returned"]) == (4, 10, 1)
    assert len(body["months"]) == 12
    assert set(body["months"][-1]) == {"month", "on_time_rate", "fill_rate", "units_dated", "units_ordered"}
    assert body["months"][-1]["month"] == utc_now().strftime("%Y-%m")
    assert sum(month["units_dated"] for month in body["months"]) == 10
    assert sum(month["units_ordered"] for month in body["months"]) == 10


def test_a_supplier_without_data_has_null_measures(api):
    body = get(api, "ops_admin", "SUP2").json

    assert all(body[name] is None for name in RATES + DURATIONS)
    assert (body["purchase_orders"], body["units_received"], body["late_lines"]) == (0, 0, 0)
    assert all(month["on_time_rate"] is None and month["fill_rate"] is None for month in body["months"])


def test_a_supplier_reads_its_own_scorecard(api):
    response = get(api, "supplier", "SUP1")

    assert response.status_code == 200
    assert (response.json["supplier"], response.json["fill_rate"]) == ("SUP1", "0.8000")
    assert get(api, "supplier_two", "SUP2").json["supplier"] == "SUP2"


def test_another_suppliers_code_answers_as_an_unknown_one(api):
    theirs = get(api, "supplier_two", "SUP1")
    unknown = get(api, "supplier_two", "NOPE")

    assert theirs.status_code == unknown.status_code == 404
    assert set(theirs.json) == {"error"} and "fill_rate" not in theirs.text
    assert theirs.json == unknown.json == {"error": "no such supplier"}
    assert get(api, "ops_admin", "NOPE").status_code == 404
    assert get(api, "ops_admin", "CUST1").status_code == 404  # a customer has no scorecard


def test_distributors_are_forbidden_and_strangers_unauthorised(api):
    forbidden = get(api, "distributor", "SUP1")

    assert forbidden.status_code == 403 and "fill_rate" not in forbidden.text
    assert get(api, None, "SUP1").status_code == 401


def test_the_window_is_chosen_with_days(api):
    everything = get(api, "ops_admin", "SUP1", "?days=all").json
    last_month = get(api, "ops_admin", "SUP1", "?days=30").json

    assert everything["window_days"] is None and everything["units_received"] == 8
    assert last_month["window_days"] == 30 and last_month["units_received"] == 8
    refused = get(api, "ops_admin", "SUP1", "?days=7")
    assert refused.status_code == 422
    assert "days" in refused.json["errors"]
