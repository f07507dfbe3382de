from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.invariants import receivables_add_up
from models.orders.tables import Order
from models.partners.tables import ApiToken, Partner, User
from models.receivables.ledger import Invoice, Payment, issue_invoice
from tests.factories import make_world
from tests.portal.conftest import build_app

URL = "/api/v1/payments"
ROLES = {"ops_admin": None, "ops_agent": None, "credit_controller": None, "distributor": "DIST1",
         "supplier": "SUP1"}


@pytest.fixture
def api(tmp_path, sqlite_url):
    """The portal on a migrated SQLite file with make_world() and a token per role."""
    app = build_app(tmp_path, sqlite_url)
    world = make_world()
    tokens = {}
    for role, code in ROLES.items():
        partner = Partner.get(Partner.code == code) if code else None
        user = User.create(email=f"{role}@relay.test", role=role, partner=partner, password_hash="!")
        tokens[role] = ApiToken.issue(user)
    yield SimpleNamespace(client=app.test_client(), tokens=tokens, world=world)
    if not database.is_closed():
        database.close()


def invoiced(api, total: str, ref: str, *, due_in_days: int = 30) -> Invoice:
    order = Order.create(channel="api", external_ref=ref, customer=api.world["customer"], currency="USD",
                         total=Decimal(total), status="shipped", ship_to_name="x", ship_to_address="x",
                         ship_to_city="x", ship_to_region="R1", ship_to_country="US")
    with database.atomic():
        invoice = issue_invoice(order, actor="test")
    Invoice.update(due_on=utc_now().date() + timedelta(days=due_in_days)).where(Invoice.id == invoice.id).execute()
    return invoice


def body(**overrides) -> dict:
    return {"customer_code": "CUST1", "amount": "70.00", "currency": "USD", "reference": "BANK-1",
            "method": "bank_transfer", "received_on": "2026-03-02"} | overrides


def post(api, payload: dict, *, as_role: str = "credit_controller"):
    return api.client.post(URL, json=payload, headers={"Authorization": f"Bearer {api.tokens[as_role]}"})


def test_a_payment_is_recorded_once_and_applied_oldest_due_first(api):
    late = invoiced(api, "100.00", "PO-1", due_in_days=10)
    early = invoiced(api, "50.00", "PO-2", due_in_days=-2)
    created = post(api, body())
    assert created.status_code == 201, created.json
    assert created.json == {
        "id": created.json["id"], "customer_code": "CUST1", "amount": "70.00", "unapplied": "0.00",
        "currency": "USD", "reference": "BANK-1", "method": "bank_transfer", "received_on": "2026-03-02",
        "applied": [{"invoice": early.number, "amount": "50.00"}, {"invoice": late.number, "amount": "20.00"}],
        "orders_rechecked": []}
    repeat = post(api, body(), as_role="ops_admin")
    assert repeat.status_code == 200
    assert repeat.json == created.json
    assert Payment.select().count() == 1
    assert Partner.get(Partner.code == "CUST1").outstanding_balance == Decimal("80.00")
    assert receivables_add_up() == []


def test_an_overpayment_answers_its_unapplied_credit(api):
    response = post(api, body(amount=125.5, received_on=None))
    assert response.status_code == 201
    assert (response.json["unapplied"], response.json["applied"]) == ("125.50", [])
    assert response.json["received_on"] == utc_now().date().isoformat()


@pytest.mark.parametrize("payload, field", [
    (body(amount="0"), "amount"),
    (body(amount="-3"), "amount"),
    (body(amount="1.005"), "amount"),
    (body(amount="ten"), "amount"),
    (body(currency="XYZ"), "currency"),
    (body(method="barter"), "method"),
    (body(reference=""), "reference"),
    (body(reference="R" * 65), "reference"),
    (body(received_on="02/03/2026"), "received_on"),
    ({k: v for k, v in body().items() if k != "customer_code"}, "customer_code"),
])
def test_bad_bodies_answer_422_naming_the_field(api, payload, field):
    response = post(api, payload)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert Payment.select().count() == 0


def test_unknown_customer_and_a_changed_amount_answer_422(api):
    response = post(api, body(customer_code="NOPE"))
    assert response.status_code == 422
    assert response.json["errors"] == {"customer_code": ["unknown customer 'NOPE'"]}
    assert post(api, body(customer_code="SUP1")).json["errors"] == {"customer_code": ["unknown customer 'SUP1'"]}
    assert post(api, body()).status_code == 201
    changed = post(api, body(amount="70.01"))
    assert changed.status_code == 422
    assert "BANK-1" in changed.json["errors"]["reference"][0]


@pytest.mark.parametrize("role", ["ops_agent", "distributor", "supplier"])
def test_other_roles_may_not_record_payments(api, role):
    response = post(api, body(), as_role=role)
    assert response.status_code == 403
    assert Payment.select().count() == 0


def test_a_token_is_required_and_the_body_must_be_json(api):
    assert api.client.post(URL, json=body()).status_code == 401
    response = api.client.post(URL, data="amount=1", headers={
        "Authorization": f"Bearer {api.tokens['ops_admin']}"})
    assert response.status_code == 400


def test_receivables_show_outstanding_overdue_invoices_and_payments(api):
    overdue = invoiced(api, "100.00", "PO-1", due_in_days=-4)
    upcoming = invoiced(api, "30.00", "PO-2", due_in_days=5)
    post(api, body(amount="40.00"))
    response = api.client.get("/api/v1/customers/CUST1/receivables",
                              headers={"Authorization": f"Bearer {api.tokens['ops_agent']}"})
    assert response.status_code == 200
    data = response.json
    assert (data["customer_code"], data["outstanding"], data["overdue_amount"], data["overdue_days"]) == (
        "CUST1", "90.00", "60.00", 4)
    assert [(i["number"], i["amount"], i["paid"], i["balance"]) for i in data["open_invoices"]] == [
        (overdue.number, "100.00", "40.00", "60.00"), (upcoming.number, "30.00", "0.00", "30.00")]
    assert [(p["reference"], p["amount"], p["unapplied"]) for p in data["payments"]] == [("BANK-1", "40.00", "0.00")]


def test_receivables_are_for_ops_and_known_customers(api):
    def get(code: str, role: str):
        return api.client.get(f"/api/v1/customers/{code}/receivables",
                              headers={"Authorization": f"Bearer {api.tokens[role]}"})

    assert get("CUST1", "distributor").status_code == 403
    assert get("CUST1", "supplier").status_code == 403
    assert get("NOPE", "ops_admin").status_code == 404
    empty = get("CUST1", "credit_controller").json
    assert (empty["outstanding"], empty["overdue_days"], empty["open_invoices"], empty["payments"]) == (
        "0.00", 0, [], [])
