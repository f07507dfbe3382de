"""The order list on the desk and in the API: filters by channel and customer, search by customer name, keyset
pages that keep the filters, and the same scoping for a distributor's token."""
import re

from models.orders import order_list
from tests.portal.conftest import place
from tests.portal.test_api import api, bearer  # noqa: F401 - the API fixture with a token per role
from tests.portal.test_ops_orders import listed_ids


def test_desk_filters_by_channel_and_customer_code(auth, client):
    api_order = place("PO-API")
    phone = place("PO-PHONE", channel="phone")
    other = place("PO-C2", customer_code="CUST2", region="R2")
    auth.login_as("ops_agent")
    assert listed_ids(client.get("/orders?channel=phone").text) == [phone.id]
    assert listed_ids(client.get("/orders?customer=CUST2").text) == [other.id]
    assert listed_ids(client.get("/orders?customer=CUST1&channel=api").text) == [api_order.id]
    assert listed_ids(client.get("/orders?customer=NOBODY").text) == []
    assert listed_ids(client.get("/orders?channel=carrier-pigeon").text) == [other.id, phone.id, api_order.id]


def test_desk_searches_by_customer_name(auth, client):
    mine = place("PO-1")
    other = place("PO-2", customer_code="CUST2", region="R2")
    auth.login_as("ops_admin")
    assert listed_ids(client.get("/orders?q=customer two").text) == [other.id]
    assert listed_ids(client.get("/orders?q=Customer").text) == [other.id, mine.id]
    auth.logout()
    auth.login_as("distributor")  # DIST1 does not serve Customer Two
    assert listed_ids(client.get("/orders?q=customer").text) == [mine.id]


def test_older_link_keeps_the_filters_and_pages_without_repeating(auth, client):
    ids = [place(f"PO-{n:03d}", channel="phone").id for n in range(53)]
    place("PO-API")
    auth.login_as("ops_admin")
    first = client.get("/orders?channel=phone&q=PO-0").text
    older = re.search(r'rel="next" href="([^"]*)"', first)[1].replace("&amp;", "&")
    assert "channel=phone" in older and "q=PO-0" in older and "before=" in older
    second = client.get(older).text
    assert listed_ids(first) + listed_ids(second) == ids[::-1]
    assert 'rel="next"' not in second


def test_desk_counts_are_exact_without_an_approximation_sign_on_sqlite(auth, client):
    place("PO-1"), place("PO-2")
    auth.login_as("ops_admin")
    page = client.get("/orders").text
    assert re.search(r"all <b>(\d+)</b>", page)[1] == "2"
    assert "≈" not in page


def test_desk_shows_a_lower_bound_when_a_search_matches_more_than_it_counts(auth, client, monkeypatch):
    monkeypatch.setattr(order_list, "COUNT_CAP", 1)
    place("PO-1"), place("PO-2")
    auth.login_as("ops_admin")
    page = client.get("/orders?q=PO-").text
    assert re.search(r"all <b>([^<]+)</b>", page)[1] == "1+"
    assert re.search(r'status-\w+">\w+</span></a>', page)  # the status still links, without a figure


# --- GET /api/v1/orders ------------------------------------------------------------------------

def test_api_lists_orders_newest_first_by_keyset(api):  # noqa: F811
    ids = [place(f"PO-{n}").id for n in range(5)]
    headers = bearer(api.tokens["ops_agent"])
    first = api.client.get("/api/v1/orders?limit=3", headers=headers).json
    assert [row["id"] for row in first["orders"]] == ids[::-1][:3]
    assert first["orders"][0] == {**first["orders"][0], "external_ref": "PO-4", "customer_code": "CUST1",
                                  "customer_name": "Customer One", "channel": "api"}
    assert first["next_before"] == ids[2]
    rest = api.client.get(f"/api/v1/orders?limit=3&before={first['next_before']}", headers=headers).json
    assert [row["id"] for row in rest["orders"]] == ids[:2][::-1] and rest["next_before"] is None


def test_api_list_filters_and_searches_within_the_tokens_scope(api):  # noqa: F811
    mine = place("PO-MINE")
    theirs = place("PO-THEIRS", customer_code="CUST2", region="R2")
    ops, dist = bearer(api.tokens["ops_agent"]), bearer(api.tokens["distributor"])
    listed = lambda url, headers: [row["id"] for row in api.client.get(url, headers=headers).json["orders"]]  # noqa: E731
    assert listed("/api/v1/orders?q=customer two", ops) == [theirs.id]
    assert listed("/api/v1/orders?customer=CUST2", ops) == [theirs.id]
    assert listed("/api/v1/orders", dist) == [mine.id]
    assert listed("/api/v1/orders?customer=CUST2", dist) == []
    assert listed("/api/v1/orders?status=delivered&channel=api", ops) == []


def test_api_list_refuses_bad_parameters_and_other_roles(api):  # noqa: F811
    ops = bearer(api.tokens["ops_agent"])
    for query in ("status=lost", "limit=0", "limit=1000", "before=x", "colour=blue"):
        assert api.client.get(f"/api/v1/orders?{query}", headers=ops).status_code == 422, query
    assert api.client.get("/api/v1/orders", headers=bearer(api.tokens["supplier"])).status_code == 403
    assert api.client.get("/api/v1/orders").status_code == 401
