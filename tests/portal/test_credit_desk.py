"""The credit desk pages: customers, a customer's receivables with the payment form, payouts, invoice PDFs, and the
credit warning on the ops order form; who may do what."""
from datetime import timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from models.core.base import utc_now
from models.core.db import database
from models.orders.tables import Order
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.receivables.ledger import (
    Invoice,
    Payment,
    issue_invoice,
    set_opening_balance,
)
from models.returns.tables import Refund, ReturnRequest
from tests.factories import make_world
from tests.portal.conftest import build_app, place, put_on_hold

D = Decimal
TODAY = utc_now().date()


def shipped_invoice(customer_code: str, ref: str, total: str, *, due_days_ago: int = 0) -> Invoice:
    customer = Partner.get(Partner.code == customer_code)
    with database.atomic():
        shipped = Order.create(channel="api", external_ref=ref, customer=customer, currency="USD", total=D(total),
                               subtotal=D(total), status="shipped", ship_to_name="Dock", ship_to_address="1 Dock Rd",
                               ship_to_city="Newark", ship_to_region="R1", ship_to_country="US")
        invoice = issue_invoice(shipped, actor="t")
    if due_days_ago:
        Invoice.update(due_on=TODAY - timedelta(days=due_days_ago)).where(Invoice.id == invoice.id).execute()
    return Invoice.get_by_id(invoice.id)


def pdf_text(data: bytes) -> str:
    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def payout(customer_code: str, order: Order, amount: str) -> Refund:
    customer = Partner.get(Partner.code == customer_code)
    request = ReturnRequest.create(order=order, customer=customer, resolution="refund", reason="damaged",
                                   status="refunded", currency="USD")
    return Refund.create(return_request=request, customer=customer, amount=D(amount), currency="USD",
                         method="payout", reference=f"REFUND-{request.id}", status="to_pay", created_by="t")


@pytest.mark.parametrize("url", ["/ops/customers", "/ops/customers/CUST1", "/ops/refunds",
                                 "/ops/customers?format=csv", "/ops/refunds?view=paid&format=csv"])
@pytest.mark.parametrize("role, status", [("supplier", 403), ("distributor", 403), ("ops_agent", 200),
                                          ("credit_controller", 200), ("ops_admin", 200)])
def test_who_reads_the_desk(auth, client, url, role, status):
    auth.login_as(role)
    assert client.get(url).status_code == status


@pytest.mark.parametrize("role", ["ops_agent", "distributor", "supplier"])
def test_only_money_roles_record_payments_or_mark_payouts_paid(auth, client, role):
    refund = payout("CUST1", place("PO-R"), "4.00")
    auth.login_as(role)
    response = client.post("/ops/customers/CUST1/payments", data={
        "payment-amount": "10.00", "payment-currency": "USD", "payment-reference": "X-1",
        "payment-method": "bank_transfer"})
    assert response.status_code == 403
    assert client.post(f"/ops/refunds/{refund.id}/paid", data={"paid-reference": "B-1"}).status_code == 403
    assert not Payment.select().exists() and Refund.get_by_id(refund.id).status == "to_pay"
    if role == "ops_agent":  # reads, without the forms
        page = client.get("/ops/customers/CUST1").text
        assert "Record a payment" not in page
        assert "Mark paid" not in client.get("/ops/refunds").text.split("<tbody>")[-1]


def test_customer_list_figures_filters_and_csv(auth, client):
    shipped_invoice("CUST1", "PO-LATE", "300.00", due_days_ago=9)
    Partner.create(code="=HACK", name="+cmd|' /C calc'!A0", kind="customer", blocked=True)
    auth.login_as("credit_controller")
    page = client.get("/ops/customers").text
    assert "CUST1" in page and "300.00" in page and "overdue invoices" in page
    assert "SUP1" not in page  # suppliers are no buyers
    overdue = client.get("/ops/customers?overdue=1").text
    assert "CUST1" in overdue and "DIST1" not in overdue
    blocked = client.get("/ops/customers?blocked=1&q=hack").text
    assert "HACK" in blocked and "CUST1" not in blocked
    response = client.get("/ops/customers?format=csv&sort=overdue")
    assert response.mimetype == "text/csv"
    lines = response.text.splitlines()
    assert lines[0].startswith("code,name,kind,credit_limit,outstanding")
    assert lines[1].startswith("CUST1,Customer One,customer,10000.00,300.00,0.00,300.00,9700.00,300.00,9,30,")
    assert "'=HACK,'+cmd|' /C calc'!A0,customer,,0.00,0.00,0.00,,0.00,0,30,True,0,blocked,USD" in lines


def test_receivables_page_and_recording_a_payment_sends_held_orders_back_to_review(auth, client):
    invoice = shipped_invoice("CUST1", "PO-INV", "120.00", due_days_ago=3)
    held = place("PO-HELD")
    put_on_hold(held.id)
    auth.login_as("credit_controller")
    page = client.get("/ops/customers/CUST1").text
    assert invoice.number in page and "PO-HELD" in page and f"/ops/invoices/{invoice.id}.pdf" in page
    assert f"/orders/{held.id}" in page and "credit_limit" in page
    response = client.post("/ops/customers/CUST1/payments", data={
        "payment-amount": "150.00", "payment-currency": "USD", "payment-reference": "BANK-77",
        "payment-method": "bank_transfer", "payment-received_on": TODAY.isoformat()}, follow_redirects=True)
    assert response.status_code == 200
    assert "Payment BANK-77 of 150.00 USD recorded: applied to" in response.text
    assert "30.00 USD kept as credit" in response.text and "1 held order(s) sent back to review" in response.text
    assert Order.get_by_id(held.id).status == "reviewing"
    payment = Payment.get(Payment.reference == "BANK-77")
    assert (payment.amount, payment.unapplied, payment.created_by) == (D("150.00"), D("30.00"), "credit@relay.test")
    assert Invoice.get_by_id(invoice.id).status == "paid"
    again = client.post("/ops/customers/CUST1/payments", data={
        "payment-amount": "150.00", "payment-currency": "USD", "payment-reference": "BANK-77",
        "payment-method": "bank_transfer"}, follow_redirects=True)
    assert "already recorded" in again.text and Payment.select().count() == 1


@pytest.mark.parametrize("amount, message", [("12.345", "at most 2 decimal places"), ("0", "must be more than 0"),
                                             ("abc", "Not a valid decimal value")])
def test_a_wrong_payment_is_refused_with_the_reason(auth, client, amount, message):
    auth.login_as("ops_admin")
    response = client.post("/ops/customers/CUST1/payments", data={
        "payment-amount": amount, "payment-currency": "USD", "payment-reference": "R-1",
        "payment-method": "bank_transfer"}, follow_redirects=True)
    assert message in response.text and not Payment.select().exists()


def test_unknown_customer_is_404(auth, client):
    auth.login_as("ops_admin")
    assert client.get("/ops/customers/NOPE").status_code == 404
    assert client.get("/ops/customers/SUP1").status_code == 404
    assert client.post("/ops/customers/NOPE/payments", data={}).status_code == 404


def test_payment_form_needs_its_csrf_token(tmp_path, sqlite_url, app):
    database.close()
    guarded = build_app(tmp_path / "csrf", f"sqlite:///{tmp_path / 'csrf.sqlite3'}")
    make_world()
    create_user("cc@relay.test", "credit_controller", password="correct-horse-1")
    client = guarded.test_client()
    login = client.get("/login").text
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": "cc@relay.test", "password": "correct-horse-1", "csrf_token": token})
    response = client.post("/ops/customers/CUST1/payments", data={
        "payment-amount": "10.00", "payment-currency": "USD", "payment-reference": "R-1",
        "payment-method": "bank_transfer"})
    assert response.status_code == 400 and not Payment.select().exists()


def test_refunds_to_pay_mark_paid_and_csv(auth, client):
    order = place("PO-RET")
    first, second = payout("CUST1", order, "4.00"), payout("CUST1", order, "6.50")
    auth.login_as("credit_controller")
    page = client.get("/ops/refunds").text
    assert first.reference in page and second.reference in page and "6.50" in page
    response = client.post(f"/ops/refunds/{first.id}/paid", data={"paid-reference": "BANK-OUT-1"},
                           follow_redirects=True)
    assert f"Refund {first.id} marked paid (BANK-OUT-1)" in response.text
    assert Refund.get_by_id(first.id).status == "paid"
    again = client.post(f"/ops/refunds/{first.id}/paid", data={"paid-reference": "BANK-OUT-1"}, follow_redirects=True)
    assert "already marked paid" in again.text
    assert first.reference not in client.get("/ops/refunds").text
    paid = client.get("/ops/refunds?view=paid").text
    assert first.reference in paid and "BANK-OUT-1" in paid and second.reference not in paid
    lines = client.get("/ops/refunds?view=paid&format=csv").text.splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{first.id},{first.reference},paid,4.00,USD,CUST1,")
    assert client.post("/ops/refunds/999999/paid", data={"paid-reference": "B"}).status_code == 404
    blank = client.post(f"/ops/refunds/{second.id}/paid", data={"paid-reference": ""}, follow_redirects=True)
    assert "Give the bank reference" in blank.text and Refund.get_by_id(second.id).status == "to_pay"


def test_invoice_pdf_shows_number_total_and_balance(auth, client):
    invoice = shipped_invoice("CUST1", "PO-PDF", "1234.50")
    Invoice.update(paid=D("234.50")).where(Invoice.id == invoice.id).execute()
    auth.login_as("ops_agent")
    response = client.get(f"/ops/invoices/{invoice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert invoice.number in text and "PO-PDF" in text and "Customer One" in text
    assert "1,234.50 USD" in text and "1,000.00 USD" in text  # total and balance due
    assert client.get("/ops/invoices/999999.pdf").status_code == 404


def test_opening_balance_invoice_pdf(auth, client):
    set_opening_balance(Partner.get(Partner.code == "CUST1"), D("88.80"))
    invoice = Invoice.get(Invoice.number == "OPEN-CUST1")
    auth.login_as("credit_controller")
    text = pdf_text(client.get(f"/ops/invoices/{invoice.id}.pdf").data)
    assert "OPEN-CUST1" in text and "Opening balance" in text and "88.80 USD" in text


def test_a_distributor_prints_only_invoices_of_orders_it_sees(auth, client):
    own = shipped_invoice("CUST1", "PO-OWN", "50.00")  # CUST1 is DIST1's customer
    other = shipped_invoice("CUST2", "PO-OTHER", "60.00")  # DIST2's
    set_opening_balance(Partner.get(Partner.code == "DIST1"), D("10.00"))
    opening = Invoice.get(Invoice.number == "OPEN-DIST1")
    auth.login_as("distributor")
    assert own.number in pdf_text(client.get(f"/ops/invoices/{own.id}.pdf").data)
    assert client.get(f"/ops/invoices/{other.id}.pdf").status_code == 404
    assert client.get(f"/ops/invoices/{opening.id}.pdf").status_code == 404
    auth.logout()
    auth.login_as("supplier")
    assert client.get(f"/ops/invoices/{own.id}.pdf").status_code == 403


ENTRY = {"external_ref": "PHONE-BLOCKED-1", "currency": "USD", "ship_to_name": "Ada", "ship_to_address": "1 Main St",
         "ship_to_city": "Springfield", "ship_to_region": "R1", "ship_to_country": "US",
         "lines-0-sku": "WIDGET", "lines-0-quantity": "1"}


def test_order_form_flags_blocked_and_overdue_customers(auth, client):
    Partner.update(blocked=True).where(Partner.code == "CUST2").execute()
    shipped_invoice("CUST1", "PO-OLD", "10.00", due_days_ago=40)
    auth.login_as("ops_agent")
    form = client.get("/orders/new").text
    assert "CUST2 — Customer Two ⚠ BLOCKED" in form and "CUST1 — Customer One ⚠ OVERDUE INVOICES" in form
    assert "DIST1 — Distributor One</option>" in form
    response = client.post("/orders/new", data={**ENTRY, "customer_code": "CUST2"}, follow_redirects=True)
    assert "received." in response.text
    assert "Credit warning for CUST2 (blocked): review rejects orders of a blocked customer" in response.text
    response = client.post("/orders/new", data={**ENTRY, "external_ref": "PHONE-LATE-1", "customer_code": "CUST1"},
                           follow_redirects=True)
    assert "Credit warning for CUST1 (overdue invoices): the order will be held for review" in response.text
    refused = client.post("/orders/new", data={**ENTRY, "external_ref": "", "lines-0-sku": "", "customer_code": "CUST2"})
    assert refused.status_code == 422 and "Credit warning for CUST2 (blocked)" in refused.text  # chosen, not yet placed
    clean = client.post("/orders/new", data={**ENTRY, "external_ref": "PHONE-CLEAN-1", "customer_code": "DIST1"},
                        follow_redirects=True)
    assert "received." in clean.text and "held for review" not in clean.text


def test_a_distributor_keying_an_order_sees_no_credit_standing(auth, client):
    Partner.update(blocked=True).where(Partner.code == "CUST1").execute()
    auth.login_as("distributor")
    form = client.get("/orders/new").text
    assert "⚠" not in form and "BLOCKED" not in form
    response = client.post("/orders/new", data={**ENTRY, "customer_code": "CUST1"}, follow_redirects=True)
    assert "received." in response.text and "blocked" not in response.text
