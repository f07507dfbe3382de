"""Recording a payment on the credit desk sends the customer's credit-held orders back through the real pipeline
(SQLite, the in-process broker and worker): reviewed again, approved now that they fit the limit, and shipped."""
from __future__ import annotations

from decimal import Decimal

import pytest

from models.intake.entry import place_order
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.receivables.ledger import set_opening_balance
from models.review.reviews import reviews_of
from portal.app import create_app
from schemas.orders import order_schema
from tests.conftest import settings_for
from tests.factories import make_world, order_body
from tests.pipeline_support import drain, running_sandbox

PASSWORD = "correct-horse-1"


@pytest.fixture
def desk(tmp_path, sqlite_url, db):
    make_world(credit_limit="100.00")
    create_user("credit@relay.test", "credit_controller", password=PASSWORD)
    app = create_app(settings_for(tmp_path, OMS_DATABASE_URL=sqlite_url),
                     test_config={"TESTING": True, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    assert client.post("/login", data={"email": "credit@relay.test", "password": PASSWORD}).status_code == 302
    return client


def test_a_payment_recorded_on_the_desk_releases_the_credit_hold(desk, worker):
    customer = Partner.get(Partner.code == "CUST1")
    set_opening_balance(customer, Decimal("80.00"))  # 80.00 owed + this order's 45.50 > the limit of 100.00
    order, _ = place_order(order_schema.load(order_body("PO-CREDIT")), actor="test")
    with running_sandbox():
        drain(worker)
        assert Order.get_by_id(order.id).status == "on_hold"
        assert reviews_of(order.id)[-1].code_list == ["credit_limit"]
        response = desk.post("/ops/customers/CUST1/payments", data={
            "payment-amount": "80.00", "payment-currency": "USD", "payment-reference": "BANK-REL-1",
            "payment-method": "bank_transfer"}, follow_redirects=True)
        assert "1 held order(s) sent back to review" in response.text
        assert Order.get_by_id(order.id).status == "reviewing"
        drain(worker)
    assert [review.outcome for review in reviews_of(order.id)] == ["hold", "approve"]
    assert Order.get_by_id(order.id).status == "shipped"
    page = desk.get("/ops/customers/CUST1").text
    assert "BANK-REL-1" in page and "PO-CREDIT" not in page.split("Orders on hold")[1].split("Open invoices")[0]
