"""The credit desk loaders: every figure equals what the test adds up from the raw rows, the exposure equals the
one review weighs, filters and sorts pick the right customers, and the query count does not grow with the page."""
from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.account import load_receivables
from models.receivables.desk import (
    DeskFilter,
    customer_count,
    customer_positions,
    flagged_customers,
)
from models.receivables.invoice_documents import invoice_document
from models.receivables.ledger import (
    Invoice,
    Payment,
    issue_invoice,
    set_opening_balance,
)
from models.receivables.payments import record_payment
from models.returns.payout_list import payouts
from models.returns.refunds import mark_payout_paid
from models.returns.tables import Refund, ReturnRequest
from models.review.exposure import exposures_of
from models.review.reviews import current_rule_set, record_review
from models.review.rules import HOLD, ReviewDecision, ReviewReason
from tests.factories import make_world
from tests.statement_count import counted_statements

TODAY = utc_now().date()
D = Decimal
OPEN_STATES = ("approved", "partially_allocated", "backordered", "allocated")  # written out: the test's own reading


def order(customer: Partner, ref: str, total: str, status: str) -> Order:
    return Order.create(channel="api", external_ref=ref, customer=customer, currency="USD", total=D(total),
                        subtotal=D(total), status=status, ship_to_name="Receiving", ship_to_address="1 Dock Rd",
                        ship_to_city="Newark", ship_to_region="R1", ship_to_country="US")


def hold(order_row: Order, code: str) -> None:
    record_review(order_row.id, ReviewDecision(HOLD, (ReviewReason(code, code),)), current_rule_set(), actor="t")


@pytest.fixture
def desk(any_db):
    """Four buyers besides make_world's: over its limit, blocked, overdue, clean; with orders in every state."""
    world = make_world()
    over = Partner.create(code="OVER", name="Over Limit Ltd", kind="customer", credit_limit=D("100.00"))
    blocked = Partner.create(code="BLOCK", name="Blocked Inc", kind="customer", blocked=True)
    late = Partner.create(code="LATE", name="Late Payer", kind="customer", credit_limit=D("5000.00"))
    clean = Partner.create(code="CLEAN", name="Clean Co", kind="customer", credit_limit=D("0.30"))
    set_opening_balance(over, D("80.10"))
    order(over, "O-1", "10.10", "approved")
    order(over, "O-2", "9.90", "allocated")  # 80.10 + 20.00 = 100.10 > 100.00
    order(over, "O-3", "500.00", "shipped")  # invoiced or not, shipped is no longer open
    order(over, "O-4", "700.00", "reviewing")
    with database.atomic():
        shipped = order(late, "L-1", "300.00", "shipped")
        issue_invoice(shipped, actor="t")
    Invoice.update(due_on=TODAY - timedelta(days=12)).where(Invoice.order == shipped.id).execute()
    record_payment(late, amount=D("120.25"), currency="USD", reference="BANK-1", method="bank_transfer", actor="t")
    order(clean, "C-1", "0.10", "approved")
    order(clean, "C-2", "0.20", "backordered")  # 0.1 + 0.2 in floats on SQLite: still not over a limit of 0.30
    credit_held = order(over, "O-5", "1.00", "on_hold")
    hold(credit_held, "credit_limit")
    stock_held = order(over, "O-6", "1.00", "on_hold")
    hold(stock_held, "stock")
    overdue_held = order(late, "L-2", "1.00", "on_hold")
    hold(overdue_held, "stock")
    hold(overdue_held, "overdue")  # the latest review counts
    return {**world, "over": over, "blocked": blocked, "late": late, "clean": clean, "late_invoice": shipped}


def expected_rows() -> dict[str, dict]:
    """Each buyer's figures added up in Python from the raw rows."""
    buyers = {p.id: p for p in Partner.select().where(Partner.kind.in_(("customer", "distributor")))}
    rows = {p.code: {"outstanding": p.outstanding_balance, "open": D("0.00"), "overdue": D("0.00"), "days": 0}
            for p in buyers.values()}
    for o in Order.select():
        if o.status in OPEN_STATES:
            rows[buyers[o.customer_id].code]["open"] += o.total
    for invoice in Invoice.select():
        if invoice.status == "open" and invoice.due_on < TODAY:
            row = rows[buyers[invoice.customer_id].code]
            row["overdue"] += invoice.amount - invoice.paid
            row["days"] = max(row["days"], (TODAY - invoice.due_on).days)
    return rows


def test_every_figure_equals_the_raw_rows_and_the_exposure_review_uses(desk):
    rows, more = customer_positions(DeskFilter(), TODAY)
    assert not more
    expected = expected_rows()
    assert [row.code for row in rows] == sorted(expected)
    review_open = {partner_id: sum(exposure.open_orders.values(), D("0.00")) for partner_id, exposure
                   in exposures_of(Partner.id, Partner.id.in_([row.id for row in rows])).items()}
    for row in rows:
        want = expected[row.code]
        assert (row.outstanding, row.open_orders, row.overdue_amount, row.overdue_days) == (
            want["outstanding"], want["open"], want["overdue"], want["days"]), row.code
        assert row.exposure == row.outstanding + review_open.get(row.id, D("0.00"))
    by_code = {row.code: row for row in rows}
    assert by_code["OVER"].exposure == D("100.10") and by_code["OVER"].headroom == D("-0.10")
    assert by_code["LATE"].overdue_amount == D("179.75") and by_code["LATE"].overdue_days == 12
    assert (by_code["CLEAN"].exposure, by_code["CLEAN"].headroom, by_code["CLEAN"].flags) == (D("0.30"), D("0.00"), ())
    assert (by_code["OVER"].credit_holds, by_code["LATE"].credit_holds, by_code["CLEAN"].credit_holds) == (1, 1, 0)


@pytest.mark.parametrize("wanted, codes", [
    (DeskFilter(over_limit=True), ["OVER"]),
    (DeskFilter(blocked=True), ["BLOCK"]),
    (DeskFilter(overdue=True), ["LATE"]),
    (DeskFilter(flagged=True), ["BLOCK", "LATE", "OVER"]),
    (DeskFilter(search="late"), ["LATE"]),
    (DeskFilter(search="co"), ["CLEAN"]),
    (DeskFilter(search="Inc", blocked=True), ["BLOCK"]),
    (DeskFilter(search="Inc", overdue=True), []),
])
def test_filters(desk, wanted, codes):
    rows, _ = customer_positions(wanted, TODAY)
    assert [row.code for row in rows] == codes
    assert customer_count(wanted, TODAY) == len(codes)


def test_sorts_and_pages(desk):
    rows, _ = customer_positions(DeskFilter(sort="exposure"), TODAY, limit=None)
    exposures = [row.exposure for row in rows]
    assert exposures == sorted(exposures, reverse=True)
    rows, _ = customer_positions(DeskFilter(sort="overdue"), TODAY, limit=None)
    assert rows[0].code == "LATE"
    first, more = customer_positions(DeskFilter(), TODAY, limit=2)
    second, _ = customer_positions(DeskFilter(page=2), TODAY, limit=2)
    assert more and [r.code for r in first] == ["BLOCK", "CLEAN"] and [r.code for r in second] == ["CUST1", "DIST1"]


def test_flagged_customers_for_order_entry(desk):
    assert flagged_customers(TODAY) == {"BLOCK": ("blocked",), "LATE": ("overdue",), "OVER": ("over_limit",)}


def test_the_list_takes_two_queries_whatever_its_length(desk):
    for n in range(30):
        customer = Partner.create(code=f"MANY{n:02d}", name=f"Many {n}", kind="customer", credit_limit=D("1"))
        hold(order(customer, f"M-{n}", "5.00", "on_hold"), "credit_limit")
    with counted_statements() as seen:
        rows, _ = customer_positions(DeskFilter(), TODAY, limit=None)
    assert len(rows) == 36 and len(seen) == 3  # the day's exchange rates, the page, its credit holds
    assert sum(row.credit_holds for row in rows) == 32


def test_receivables_of_one_customer(desk):
    late = desk["late"]
    invoice = Invoice.get(Invoice.order == desk["late_invoice"].id)
    account = load_receivables("LATE", TODAY)
    assert account.position.code == "LATE"
    [open_invoice] = account.invoices
    assert (open_invoice.number, open_invoice.balance, open_invoice.days_overdue) == (invoice.number, D("179.75"), 12)
    assert open_invoice.order_ref == "L-1"
    [payment] = account.payments
    assert payment.reference == "BANK-1" and payment.applied == ((invoice.number, D("120.25")),)
    assert account.credit_notes == []
    assert [(h.external_ref, h.codes) for h in account.holds] == [("L-2", ("overdue",))]
    assert account.unapplied == {}
    record_payment(late, amount=D("200.00"), currency="USD", reference="BANK-2", method="cheque", actor="t")
    account = load_receivables("LATE", TODAY)
    assert account.invoices == [] and account.unapplied == {"USD": D("20.25")}
    assert [p.reference for p in account.payments] == ["BANK-2", "BANK-1"]
    assert load_receivables("NOPE", TODAY) is None
    assert load_receivables("SUP1", TODAY) is None  # a supplier is no buyer


def test_credit_notes_show_apart_from_payments(desk):
    over = desk["over"]
    shipped = Order.get(Order.external_ref == "O-3")
    request = ReturnRequest.create(order=shipped, customer=over, resolution="refund", reason="damaged",
                                   status="refunded", currency="USD")
    Refund.create(return_request=request, customer=over, amount=D("5.00"), currency="USD", method="credit_note",
                  reference=f"REFUND-{request.id}", status="applied", created_by="t")
    Payment.create(customer=over, reference=f"REFUND-{request.id}", amount=D("5.00"), currency="USD",
                   method="credit_note", received_on=TODAY, unapplied=D("5.00"), created_by="t")
    account = load_receivables("OVER", TODAY)
    assert [(c.reference, c.return_id) for c in account.credit_notes] == [(f"REFUND-{request.id}", request.id)]
    assert account.payments == []


def test_invoice_document_adds_up(desk):
    opening = Invoice.get(Invoice.number == "OPEN-OVER")
    document = invoice_document(opening.id)
    assert document.order_id is None and document.amount == D("80.10") and document.balance == D("80.10")
    assert [line.description for line in document.lines] == ["Opening balance"]
    late = invoice_document(Invoice.get(Invoice.order == desk["late_invoice"].id).id)
    assert (late.order_ref, late.amount, late.paid, late.balance) == ("L-1", D("300.00"), D("120.25"), D("179.75"))
    assert invoice_document(999999) is None


def test_payouts_to_pay_and_paid(desk):
    over = desk["over"]
    shipped = Order.get(Order.external_ref == "O-3")
    refunds = []
    for n in range(3):
        request = ReturnRequest.create(order=shipped, customer=over, resolution="refund", reason="damaged",
                                       status="refunded", currency="USD")
        refunds.append(Refund.create(return_request=request, customer=over, amount=D(f"{n + 1}.50"), currency="USD",
                                     method="payout", reference=f"REFUND-{request.id}", status="to_pay",
                                     created_by="t"))
    assert mark_payout_paid(refunds[1].id, reference="BANK-OUT-7", actor="credit@x")
    to_pay, more = payouts("to_pay")
    assert [(r.id, r.amount, r.customer_code, r.order_ref) for r in to_pay] == [
        (refunds[0].id, D("1.50"), "OVER", "O-3"), (refunds[2].id, D("3.50"), "OVER", "O-3")] and not more
    [paid], _ = payouts("paid")
    assert paid.id == refunds[1].id and paid.paid_by == "credit@x" and "BANK-OUT-7" in paid.paid_note
    assert paid.paid_at is not None
