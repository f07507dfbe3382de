"""The purchase-order API end to end on the Flask client: ops create, send, change, cancel, close and decide
counters; the supplier confirms (JSON or CSV), announces deliveries and downloads its orders; the dock receives
against the notice. A supplier never reaches another supplier's order: 404 with the body of a missing one."""
from types import SimpleNamespace

import pytest

from models.core.db import database
from models.core.outbox import OutboxMessage
from models.inventory.tables import Product, Stock
from models.partners.tables import ApiToken, Partner, User
from models.supply.tables import PurchaseOrder
from tests.factories import make_world
from tests.portal.conftest import build_app

ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1", "supplier_b": "SUP2"}
DAY = "2031-03-14"


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal (CSRF on) with make_world(), a second supplier SUP2 with its SKU BOLT, and a token per role."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world(on_hand=0)
    other = Partner.create(code="SUP2", name="Supplier Two", kind="supplier")
    bolt = Product.create(sku="BOLT", name="Bolt", unit_price="1.00", supplier=other)
    Stock.create(warehouse=world["east"], product=bolt, on_hand=0)
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role.removesuffix("_b"), partner=partner,
                           password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens, world=world)
    if not database.is_closed():
        database.close()


def call(api, role: str, method: str, path: str, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {api.tokens[role]}"}
    return api.client.open(f"/api/v1/purchase-orders{path}", method=method, headers=headers,
                           **({"json": body} if body is not None else {}), **kwargs)


def new_order(api, *, supplier="SUP1", lines=None, send=True) -> str:
    lines = lines or [{"sku": "WIDGET", "quantity": 10, "unit_price": "2.00"}, {"sku": "GADGET", "quantity": 5}]
    created = call(api, "ops_agent", "POST", "", {"supplier": supplier, "warehouse": "EAST", "lines": lines})
    assert created.status_code == 201, created.json
    number = created.json["number"]
    if send:
        assert call(api, "ops_agent", "POST", f"/{number}/send").status_code == 200
    return number


def confirm(api, number: str, widgets=10, gadgets=5, role="supplier"):
    return call(api, role, "POST", f"/{number}/confirmation", {"lines": [
        {"sku": "WIDGET", "quantity": widgets, "promised_date": DAY},
        {"sku": "GADGET", "quantity": gadgets, "promised_date": DAY}]})


def test_ops_create_a_draft_and_send_it(api):
    created = call(api, "ops_admin", "POST", "", {"supplier": "SUP1", "warehouse": "EAST", "expected_at": DAY,
                                                   "note": "dock 2", "lines": [{"sku": "WIDGET", "quantity": 12}]})
    assert created.status_code == 201
    body = created.json
    assert (body["kind"], body["status"], body["supplier"], body["warehouse"], body["expected_at"], body["note"]) == (
        "stock", "draft", "SUP1", "EAST", DAY, "dock 2")
    assert body["number"].startswith("PO-") and body["lines"][0]["quantity"] == 12
    sent = call(api, "ops_admin", "POST", f"/{body['number']}/send")
    assert sent.status_code == 200 and sent.json["status"] == "sent" and sent.json["confirm_by"]
    again = call(api, "ops_admin", "POST", f"/{body['number']}/send")
    assert again.status_code == 409 and "only a draft can be sent" in again.json["error"]
    assert [m.args for m in OutboxMessage.select().where(
        OutboxMessage.actor_name == "mail_purchase_order_updates")] == [[PurchaseOrder.get().id, "sent"]]


def test_bad_bodies_answer_422_naming_the_fields(api):
    missing = call(api, "ops_agent", "POST", "", {"lines": []})
    assert missing.status_code == 422 and {"supplier", "warehouse", "lines"} <= set(missing.json["errors"])
    lines = call(api, "ops_agent", "POST", "", {"supplier": "SUP1", "warehouse": "EAST", "lines": [
        {"sku": "BOLT", "quantity": 1}, {"sku": "NOPE", "quantity": 1}]})
    assert lines.status_code == 422 and set(lines.json["errors"]) == {"lines[0].sku", "lines[1].sku"}
    wrong = call(api, "ops_agent", "POST", "", {"supplier": "DIST1", "warehouse": "NOWHERE",
                                                 "lines": [{"sku": "WIDGET", "quantity": 1}]})
    assert wrong.status_code == 422 and "supplier" in wrong.json["errors"]
    assert call(api, "ops_agent", "POST", "", {"supplier": "SUP1", "warehouse": "EAST", "lines": [
        {"sku": "WIDGET", "quantity": 1, "unit_price": "1.234"}]}).json["errors"]["lines"]["0"]["unit_price"]
    assert PurchaseOrder.select().count() == 0


@pytest.mark.parametrize("role", ["credit_controller", "distributor", "supplier"])
def test_only_buyers_create_send_change_and_decide(api, role):
    number = new_order(api, send=False)
    assert call(api, role, "POST", "", {"supplier": "SUP1", "warehouse": "EAST",
                                        "lines": [{"sku": "WIDGET", "quantity": 1}]}).status_code == 403
    for method, path, body in (("POST", f"/{number}/send", None), ("PATCH", f"/{number}", {"note": "x"}),
                               ("POST", f"/{number}/cancel", {"reason": "x"}),
                               ("POST", f"/{number}/close", {"reason": "x"}),
                               ("POST", f"/{number}/counter/accept", None),
                               ("POST", f"/{number}/counter/reject", {"reason": "x"})):
        assert call(api, role, method, path, body).status_code == 403, path
    assert PurchaseOrder.get().status == "draft"


def test_a_supplier_reads_its_own_orders_only(api):
    mine = new_order(api)
    theirs = new_order(api, supplier="SUP2", lines=[{"sku": "BOLT", "quantity": 3}])
    own = call(api, "supplier", "GET", f"/{mine}")
    assert own.status_code == 200 and own.json["supplier"] == "SUP1"
    assert {"number", "kind", "supplier", "warehouse", "order_id", "status", "lines", "asns", "receipts"} <= set(
        own.json)
    assert set(own.json["lines"][0]) >= {"sku", "quantity", "confirmed_quantity", "promised_date",
                                         "received_quantity"}
    foreign = call(api, "supplier", "GET", f"/{theirs}")
    missing = call(api, "supplier", "GET", "/PO-999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json["error"].replace(theirs, "N") == missing.json["error"].replace("PO-999999", "N")
    listed = call(api, "supplier", "GET", "?supplier=SUP2")
    assert [item["number"] for item in listed.json["items"]] == [mine] and listed.json["next"] is None
    assert "BOLT" not in listed.get_data(as_text=True)
    for path in (f"/{theirs}.pdf", f"/{theirs}.csv"):
        assert call(api, "supplier", "GET", path).status_code == 404
    assert call(api, "distributor", "GET", f"/{mine}").status_code == 403
    assert call(api, "distributor", "GET", "").status_code == 403
    assert call(api, "credit_controller", "GET", f"/{theirs}").status_code == 200


def test_lists_filter_and_page(api):
    numbers = [new_order(api, send=index % 2 == 0) for index in range(3)]
    page = call(api, "ops_admin", "GET", "?limit=2")
    assert [item["number"] for item in page.json["items"]] == numbers[::-1][:2]
    rest = call(api, "ops_admin", "GET", f"?limit=2&after={page.json['next']}")
    assert [item["number"] for item in rest.json["items"]] == [numbers[0]] and rest.json["next"] is None
    sent = call(api, "ops_admin", "GET", "?status=sent&kind=stock&supplier=SUP1")
    assert [item["number"] for item in sent.json["items"]] == [numbers[2], numbers[0]]
    assert call(api, "ops_admin", "GET", "?kind=drop_ship").json["items"] == []
    assert call(api, "ops_admin", "GET", "?status=lost").status_code == 422


def test_the_supplier_confirms_by_json_and_by_csv(api):
    number = new_order(api)
    answered = confirm(api, number, widgets=8)
    assert answered.status_code == 200 and answered.json["status"] == "partially_confirmed"
    assert [(line["confirmed_quantity"], line["promised_date"]) for line in answered.json["lines"]] == [
        (8, DAY), (5, DAY)]
    csv_body = f"sku,quantity,promised_date\nWIDGET,10,{DAY}\nGADGET,5,{DAY}\n"
    by_file = call(api, "supplier", "POST", f"/{number}/confirmation", data=csv_body, content_type="text/csv")
    assert by_file.status_code == 200 and by_file.json["status"] == "confirmed"
    bad_file = call(api, "supplier", "POST", f"/{number}/confirmation", data="sku,quantity,promised_date\n"
                    "WIDGET,x,2031-03-14\n", content_type="text/csv")
    assert bad_file.status_code == 422 and list(bad_file.json["errors"]) == ["row 2.quantity"]


def test_confirmation_errors(api):
    number = new_order(api)
    partial = call(api, "supplier", "POST", f"/{number}/confirmation",
                   {"lines": [{"sku": "WIDGET", "quantity": 10, "promised_date": DAY}]})
    assert partial.status_code == 422 and list(partial.json["errors"]) == ["lines.GADGET"]
    assert confirm(api, number, role="supplier_b").status_code == 404
    assert confirm(api, number, role="distributor").status_code == 403
    assert confirm(api, number, role="credit_controller").status_code == 403
    draft = new_order(api, send=False)
    conflict = confirm(api, draft)
    assert conflict.status_code == 409 and "is draft" in conflict.json["error"]
    assert call(api, "supplier", "POST", f"/{number}/confirmation", {"lines": [
        {"sku": "WIDGET", "quantity": 1, "promised_date": "14/03/2031"}]}).status_code == 422


def test_a_counter_proposal_is_accepted_or_rejected_by_ops(api):
    number = new_order(api)
    countered = confirm(api, number, widgets=12)
    assert countered.json["status"] == "countered" and countered.json["lines"][0]["proposed_quantity"] == 12
    no_reason = call(api, "ops_agent", "POST", f"/{number}/counter/reject", {})
    assert no_reason.status_code == 422 and "reason" in no_reason.json["errors"]
    rejected = call(api, "ops_agent", "POST", f"/{number}/counter/reject", {"reason": "ten is enough"})
    assert rejected.status_code == 200 and rejected.json["status"] == "sent"
    assert call(api, "ops_agent", "POST", f"/{number}/counter/accept").status_code == 409
    confirm(api, number, widgets=12)
    accepted = call(api, "ops_agent", "POST", f"/{number}/counter/accept")
    assert accepted.status_code == 200 and accepted.json["status"] == "confirmed"
    assert (accepted.json["lines"][0]["quantity"], accepted.json["lines"][0]["confirmed_quantity"]) == (12, 12)


def test_an_asn_then_a_short_damaged_receipt_shows_its_discrepancies(api):
    number = new_order(api)
    confirm(api, number)
    body = {"lines": [{"sku": "WIDGET", "quantity": 10}], "carrier": "DHL", "tracking_number": "JD01",
            "expected_on": "2031-03-20", "reference": "SUP-ASN-1"}
    assert call(api, "supplier_b", "POST", f"/{number}/asns", body).status_code == 404
    created = call(api, "supplier", "POST", f"/{number}/asns", body)
    assert created.status_code == 201
    assert {key: created.json[key] for key in ("reference", "carrier", "tracking_number", "expected_on", "status",
                                               "purchase_order_status")} == {
        "reference": "SUP-ASN-1", "carrier": "DHL", "tracking_number": "JD01", "expected_on": "2031-03-20",
        "status": "in_transit", "purchase_order_status": "shipped"}
    assert call(api, "supplier", "POST", f"/{number}/asns", body).json["id"] == created.json["id"]  # a retry
    over = call(api, "supplier", "POST", f"/{number}/asns", body | {"reference": "SUP-ASN-2"})
    assert over.status_code == 422 and "lines[0].quantity" in over.json["errors"]
    received = api.client.post(f"/api/v1/purchase-orders/{number}/receipts", json={
        "asn": created.json["id"], "lines": [{"sku": "WIDGET", "quantity": 8, "damaged": 1}]},
        headers={"Authorization": f"Bearer {api.tokens['ops_agent']}"})
    assert received.status_code == 201, received.json
    assert received.json["status"] == "partially_received"
    assert received.json["receipt"]["discrepancies"] == [{
        "sku": "WIDGET", "announced_quantity": 10, "received_quantity": 8, "damaged_quantity": 1,
        "discrepancy": "short,damaged"}]
    assert received.json["stock"][0]["on_hand"] == 8
    resource = call(api, "supplier", "GET", f"/{number}").json
    assert resource["asns"][0]["status"] == "received" and resource["lines"][0]["damaged_quantity"] == 1


def test_an_asn_on_a_draft_is_a_conflict(api):
    number = new_order(api, send=False)
    answer = call(api, "ops_agent", "POST", f"/{number}/asns", {"lines": [{"sku": "WIDGET", "quantity": 1}],
                                                                "carrier": "DHL"})
    assert answer.status_code == 409 and "is draft" in answer.json["error"]


def test_change_cancel_and_close(api):
    number = new_order(api)
    confirm(api, number)
    changed = call(api, "ops_agent", "PATCH", f"/{number}", {"lines": [{"sku": "WIDGET", "quantity": 20}],
                                                              "expected_at": DAY})
    assert changed.status_code == 200
    assert (changed.json["status"], changed.json["revision"], len(changed.json["lines"])) == ("sent", 1, 1)
    assert call(api, "ops_agent", "PATCH", f"/{number}", {}).status_code == 422
    closing = call(api, "ops_agent", "POST", f"/{number}/close", {"reason": "done"})
    assert closing.status_code == 409 and "cancel it instead" in closing.json["error"]
    cancelled = call(api, "ops_agent", "POST", f"/{number}/cancel", {"reason": "not needed"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert call(api, "ops_agent", "POST", f"/{number}/cancel", {"reason": "again"}).status_code == 200
    assert call(api, "ops_agent", "PATCH", f"/{number}", {"note": "x"}).status_code == 409
    assert call(api, "ops_agent", "POST", "/PO-999999/cancel", {"reason": "x"}).status_code == 404


def test_the_pdf_and_csv_downloads(api):
    number = new_order(api)
    pdf = call(api, "supplier", "GET", f"/{number}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert f'filename="{number}.pdf"' in pdf.headers["Content-Disposition"]
    csv = call(api, "ops_admin", "GET", f"/{number}.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[1].startswith(f"{number},0,sent,SUP1,")
    assert call(api, "distributor", "GET", f"/{number}.pdf").status_code == 403
    assert call(api, "ops_admin", "GET", "/PO-999999.csv").status_code == 404
