"""Exchange rates by API and on the ops page: read by ops and distributors, set by the credit roles only, each
rate of a request validated on its own, a CSV upload reporting its bad rows."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from models.core.db import database
from models.currency.tables import ExchangeRate
from models.partners.tables import ApiToken, Partner, User
from tests.factories import make_world
from tests.portal.conftest import build_app

URL = "/api/v1/exchange-rates"
ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "sales_manager": None,
         "distributor": "DIST1", "supplier": "SUP1"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)
    make_world()
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens)
    if not database.is_closed():
        database.close()


def post(api, payload, *, as_role: str = "credit_controller"):
    return api.client.post(URL, json=payload, headers={"Authorization": f"Bearer {api.tokens[as_role]}"})


def get(api, query: str = "", *, as_role: str = "distributor"):
    return api.client.get(URL + query, headers={"Authorization": f"Bearer {api.tokens[as_role]}"})


def test_rates_are_set_row_by_row_and_read_back_filtered(api):
    answer = post(api, {"rates": [{"day": "2026-05-01", "currency": "EUR", "rate": "0.92"},
                                  {"day": "2026-05-01", "currency": "USD", "rate": "1"},
                                  {"day": "2026-05-04", "currency": "EUR", "rate": "-1"},
                                  {"day": "2026-05-04", "currency": "GBP", "rate": "0.79", "source": "ECB"}]})
    assert answer.status_code == 207, answer.json
    results = answer.json["results"]
    assert results[0] == {"index": 0, "outcome": "created"} and results[3] == {"index": 3, "outcome": "created"}
    assert "base currency" in results[1]["errors"]["currency"][0]
    assert list(results[2]["errors"]) == ["rate"]
    assert post(api, {"rates": [{"day": "2026-05-01", "currency": "EUR", "rate": "0.93"}]}).json == {
        "results": [{"index": 0, "outcome": "updated"}]}
    listed = get(api, "?currency=EUR&from=2026-05-01&to=2026-05-31")
    assert listed.status_code == 200
    assert listed.json["base_currency"] == "USD"
    assert [(r["day"], r["currency"], r["rate"]) for r in listed.json["rates"]] == [("2026-05-01", "EUR", "0.93000000")]
    assert [r["currency"] for r in get(api, as_role="ops_agent").json["rates"]] == ["GBP", "EUR"]


@pytest.mark.parametrize("payload, field", [
    ({"rates": []}, "rates"), ({"rates": "EUR"}, "rates"), ({"rate": []}, "rates"), ({"rates": [1]}, "rates"),
])
def test_a_body_of_the_wrong_shape_is_422_naming_the_field(api, payload, field):
    answer = post(api, payload)
    assert answer.status_code == 422 and field in answer.json["errors"]
    assert ExchangeRate.select().count() == 0


@pytest.mark.parametrize("query, field", [("?currency=XXX", "currency"), ("?from=2026-13-01", "from"),
                                          ("?from=2026-05-02&to=2026-05-01", "to")])
def test_a_bad_query_is_422_naming_the_parameter(api, query, field):
    answer = get(api, query)
    assert answer.status_code == 422 and field in answer.json["errors"]


@pytest.mark.parametrize("role", ["ops_agent", "sales_manager", "distributor", "supplier"])
def test_only_credit_roles_set_rates(api, role):
    assert post(api, {"rates": [{"day": "2026-05-01", "currency": "EUR", "rate": "0.9"}]}, as_role=role
                ).status_code == 403
    assert ExchangeRate.select().count() == 0


def test_suppliers_do_not_read_rates(api):
    assert get(api, as_role="supplier").status_code == 403


def test_the_ops_page_lists_rates_adds_one_and_uploads_a_file(client, auth):
    auth.login_as("credit_controller")
    added = client.post("/ops/exchange-rates", data={"rate-day": "2026-05-01", "rate-currency": "EUR",
                                                     "rate-rate": "0.9215", "rate-source": "desk"},
                        follow_redirects=True)
    assert added.status_code == 200 and "EUR on 2026-05-01: 0.9215 (created)" in added.text
    csv = b"day,currency,rate\n2026-05-04,GBP,0.79\n2026-05-04,XXX,1\n"
    uploaded = client.post("/ops/exchange-rates/upload", data={"upload-file": (io.BytesIO(csv), "rates.csv")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "rates.csv: created 1, updated 0, unchanged 0, errors 1" in uploaded.text
    assert "row 3, currency:" in uploaded.text
    page = client.get("/ops/exchange-rates?currency=GBP")
    assert "0.79000000" in page.text and "0.92150000" not in page.text
