"""Payouts through the API: refunds of paid invoices listed for whoever sends the money, marked paid once."""
from decimal import Decimal

from models.partners.tables import ApiToken, User
from models.receivables.ledger import Invoice
from models.receivables.payments import record_payment
from models.returns.flow import Inspected, inspect_return, receive_return, settle_return
from models.returns.tables import Refund, ReturnLine
from tests.factories import ask, delivered_order
from tests.portal.conftest import USERS


def bearer(app, role: str) -> dict:
    user = User.get(User.email == USERS[role][0])
    return {"Authorization": f"Bearer {ApiToken.issue(user)}"}


def paid_then_returned() -> Refund:
    """A delivered order whose invoice the customer paid, then one unit returned and inspected: a payout."""
    order = delivered_order("PO-PAY")
    invoice = Invoice.get(Invoice.order == order.id)
    record_payment(order.customer, amount=invoice.amount, currency=invoice.currency, reference="BANK-1",
                   method="bank_transfer", actor="test")
    request = ask(order)
    assert receive_return(request.id, actor="test")
    line = ReturnLine.get(ReturnLine.return_request == request.id)
    assert inspect_return(request.id, [Inspected(line.id, "resellable")], actor="test")
    assert settle_return(request.id, actor="test")
    return Refund.get(Refund.return_request == request.id)


def test_a_paid_order_is_refunded_by_payout_listed_then_marked_paid_once(app, client):
    refund = paid_then_returned()
    assert (refund.method, refund.status, refund.amount) == ("payout", "to_pay", Decimal("10.00"))
    listed = client.get("/api/v1/refunds", headers=bearer(app, "credit_controller")).get_json()
    assert [(p["id"], p["amount"], p["order_ref"]) for p in listed["payouts"]] == [(refund.id, "10.00", "PO-PAY")]
    paid = client.post(f"/api/v1/refunds/{refund.id}/paid", json={"reference": "SEPA-778"},
                       headers=bearer(app, "ops_admin"))
    assert paid.status_code == 200 and Refund.get_by_id(refund.id).status == "paid"
    again = client.post(f"/api/v1/refunds/{refund.id}/paid", json={"reference": "SEPA-778"},
                        headers=bearer(app, "ops_admin"))
    assert again.status_code == 409
    assert client.get("/api/v1/refunds", headers=bearer(app, "ops_admin")).get_json()["payouts"] == []


def test_payouts_are_for_money_roles_and_need_the_bank_reference(app, client):
    refund = paid_then_returned()
    assert client.get("/api/v1/refunds", headers=bearer(app, "ops_agent")).status_code == 403
    refused = client.post(f"/api/v1/refunds/{refund.id}/paid", json={"reference": ""},
                          headers=bearer(app, "ops_admin"))
    assert refused.status_code == 422 and "reference" in refused.get_json()["errors"]
    assert client.post("/api/v1/refunds/999999/paid", json={"reference": "X"},
                       headers=bearer(app, "ops_admin")).status_code == 404
