"""The price pages: ops read the book and check prices, editors change it (each change a new version), a CSV
upload imports it; distributors see their own and their customers' prices, never another's (portal and API)."""
import io
from datetime import date
from decimal import Decimal

import pytest

from models.partners.accounts import create_user
from models.partners.tables import ApiToken, User
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList
from models.pricing.versions import (
    PriceBookVersion,
    price_book_in_force,
    save_price_book,
)
from tests.portal.conftest import PASSWORD

BOOK = PriceBook(
    lists=(PriceList("CAT", "USD", "catalogue", entries={"WIDGET": (PriceBreak(1, Decimal("9.00")),)}),
           PriceList("D1", "USD", "distributor", party="DIST1", base="CAT", discount_percent=Decimal("10"),
                     entries={"WIDGET": (PriceBreak(100, Decimal("7.00")),)}),
           PriceList("D2", "USD", "distributor", party="DIST2", base="CAT", discount_percent=Decimal("50"))),
    contracts=(ContractPrice("CUST2", "GADGET", "USD", Decimal("3.33"), reference="SECRET-B"),))


@pytest.fixture
def book(app):
    return save_price_book(BOOK, expected_version=None, actor="test").id


def test_every_ops_role_reads_the_book(client, auth, book):
    auth.login_as("ops_agent")
    page = client.get("/ops/prices")
    assert page.status_code == 200 and "D1" in page.text and "SECRET-B" in page.text
    assert "Add list" not in page.text  # an agent reads, never edits
    assert client.get("/ops/prices/list?code=D1").status_code == 200
    assert client.get("/ops/prices/list?code=NOPE").status_code == 404
    assert client.post("/ops/prices/breaks", data={"break-code": "D1"}).status_code == 403


def test_an_editor_adds_a_break_as_a_new_version(client, auth, book):
    auth.login_as("ops_admin")
    answer = client.post("/ops/prices/breaks", data={
        "break-code": "D1", "break-sku": "GADGET", "break-min_quantity": "10", "break-price": "20.00",
        "break-expected_version": str(book), "break-note": "east deal"}, follow_redirects=True)
    assert "Saved as version" in answer.text
    version, saved = price_book_in_force()
    assert version != book and saved.list_by_code("D1").entries["GADGET"] == (PriceBreak(10, Decimal("20.00")),)
    assert PriceBookVersion.get_by_id(version).note == "east deal"


def test_a_stale_edit_is_refused(client, auth, book):
    save_price_book(BOOK, expected_version=book, actor="someone")  # saved meanwhile
    auth.login_as("ops_admin")
    answer = client.post("/ops/prices/lists/remove", data={"rmlist-code": "D2", "rmlist-expected_version": str(book)},
                         follow_redirects=True)
    assert "while you edited" in answer.text and price_book_in_force()[1].list_by_code("D2") is not None


def test_a_list_used_as_base_cannot_be_removed(client, auth, book):
    auth.login_as("ops_admin")
    answer = client.post("/ops/prices/lists/remove", data={"rmlist-code": "CAT", "rmlist-expected_version": str(book)},
                         follow_redirects=True)
    assert "is the base of D1, D2" in answer.text and price_book_in_force()[0] == book


def test_a_new_list_names_a_known_party(client, auth, book):
    auth.login_as("ops_admin")
    data = {"list-code": "C1", "list-applies_to": "customer", "list-party": "NOBODY", "list-currency": "USD",
            "list-expected_version": str(book)}
    assert "unknown customer" in client.post("/ops/prices/lists", data=data, follow_redirects=True).text
    data["list-party"] = "CUST1"
    client.post("/ops/prices/lists", data=data)
    assert price_book_in_force()[1].list_by_code("C1").party == "CUST1"


def test_upload_imports_the_file(client, auth, book):
    auth.login_as("ops_admin")
    csv = b"list_code,applies_to,party,currency,sku,price\nCAT,catalogue,,USD,GADGET,24.00\nCAT,catalogue,,USD,NOPE,1\n"
    answer = client.post("/ops/prices/upload", data={"upload-file": (io.BytesIO(csv), "prices.csv")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert "created 1" in answer.text and "row 3, sku: unknown SKU" in answer.text
    assert price_book_in_force()[1].list_by_code("CAT").entries["GADGET"][0].price == Decimal("24.00")


def test_price_check_explains(client, auth, book):
    auth.login_as("credit_controller")
    answer = client.get("/ops/prices/check?check-customer=CUST1&check-sku=WIDGET&check-quantity=100")
    assert "list D1, break ≥ 100 units: 7.00" in answer.text
    answer = client.get("/ops/prices/check?check-customer=CUST1&check-sku=GADGET&check-quantity=1")
    assert "10 % off CAT" not in answer.text and "catalogue price of GADGET: 25.50" in answer.text


def test_a_distributor_sees_its_customers_prices_only(client, auth, book):
    auth.login_as("distributor")
    page = client.get("/my/prices?customer=CUST1&sku=WIDGET")
    assert page.status_code == 200 and "list D1, 10 % off CAT 9.00: 8.10" in page.text
    assert client.get("/my/prices").status_code == 200  # its own, by default
    assert client.get("/my/prices?customer=CUST2").status_code == 404
    assert "SECRET-B" not in client.get("/my/prices?sku=GADGET").text
    assert client.get("/ops/prices").status_code == 403


@pytest.fixture
def tokens(app, book):
    create_user("sales@relay.test", "sales_manager", password=PASSWORD)
    return {role: ApiToken.issue(User.get(User.email == email)) for role, email in (
        ("distributor", "dist1@relay.test"), ("ops_agent", "agent@relay.test"), ("supplier", "sup1@relay.test"),
        ("sales_manager", "sales@relay.test"))}


def get(client, tokens, role, url):
    return client.get(url, headers={"Authorization": f"Bearer {tokens[role]}"})


def test_api_prices_for_a_distributor(client, tokens):
    answer = get(client, tokens, "distributor", "/api/v1/prices?customer=CUST1&sku=WIDGET,GADGET&quantity=100")
    assert answer.status_code == 200
    prices = {row["sku"]: row for row in answer.json["prices"]}
    assert prices["WIDGET"]["price"] == "7.00" and prices["WIDGET"]["source"] == "distributor"
    assert prices["GADGET"]["explanation"] == "catalogue price of GADGET: 25.50"
    assert answer.json["price_book_version"] == price_book_in_force()[0]
    assert get(client, tokens, "distributor", "/api/v1/prices").json["customer"] == "DIST1"
    assert get(client, tokens, "distributor", "/api/v1/prices?customer=CUST2").status_code == 404
    assert get(client, tokens, "distributor", "/api/v1/prices?quantity=0").status_code == 422
    assert get(client, tokens, "supplier", "/api/v1/prices?customer=CUST1").status_code == 403


def test_api_prices_for_ops(client, tokens):
    answer = get(client, tokens, "ops_agent", f"/api/v1/prices?customer=CUST2&sku=GADGET&day={date.today()}")
    assert answer.json["prices"][0]["explanation"] == "contract SECRET-B: 3.33"
    assert get(client, tokens, "ops_agent", "/api/v1/prices").status_code == 404  # ops name the customer
    lists = get(client, tokens, "sales_manager", "/api/v1/price-lists")
    assert lists.status_code == 200 and [pl["code"] for pl in lists.json["lists"]] == ["CAT", "D1", "D2"]
    assert get(client, tokens, "distributor", "/api/v1/price-lists").status_code == 403


def test_a_sales_manager_edits_and_a_credit_controller_may_not(client, auth, book):
    create_user("sales@relay.test", "sales_manager", password=PASSWORD)
    data = {"rmlist-code": "D2", "rmlist-expected_version": str(book)}
    auth.login_as("credit_controller")
    assert client.post("/ops/prices/lists/remove", data=data).status_code == 403
    auth.logout()
    assert auth.login("sales@relay.test").status_code == 302
    assert "Add list" in client.get("/ops/prices").text
    client.post("/ops/prices/lists/remove", data=data)
    version, saved = price_book_in_force()
    assert saved.list_by_code("D2") is None and PriceBookVersion.get_by_id(version).created_by == "sales@relay.test"
