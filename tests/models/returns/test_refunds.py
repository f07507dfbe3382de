"""Refunds of returns: a credit note against what the customer owes, or a payout to make; once per return."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.core.db import database
from models.core.errors import InvalidTransition
from models.invariants import CHECKS, receivables_add_up, refunds_add_up, run_checks
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.receivables.ledger import (
    Invoice,
    Payment,
    PaymentApplication,
    applications_of,
    issue_invoice,
)
from models.receivables.payments import record_payment
from models.returns.refunds import issue_refund, mark_payout_paid, refund_value
from models.returns.tables import Refund, ReturnLine, ReturnRequest
from tests.concurrency import same_call_in_threads
from tests.factories import delivered_order, make_world

ACTOR = "worker:test"


def a_return(order: Order, units: dict[str, int], *, status: str = "inspected",
             resolution: str = "refund") -> int:
    """A return of ``units`` (sku -> quantity) of the order, each unit refunding its order line's price."""
    request = ReturnRequest.create(order=order.id, customer=order.customer_id, status=status, resolution=resolution,
                                   reason="damaged", currency=order.currency)
    for line in OrderLine.select().where(OrderLine.order == order.id, OrderLine.sku.in_(list(units))):
        ReturnLine.create(return_request=request.id, order_line=line.id, quantity=units[line.sku],
                          unit_price=line.unit_price)
    return request.id


def balance(order: Order) -> Decimal:
    return Partner.get_by_id(order.customer_id).outstanding_balance


def invoice_of(order: Order) -> Invoice:
    return Invoice.get(Invoice.order == order.id)


def clean() -> bool:
    return run_checks() == {name: [] for name in CHECKS}


def test_a_credit_note_lowers_the_balance_and_the_invoice_by_exactly_the_refund(any_db):
    make_world()
    order = delivered_order()
    assert (balance(order), invoice_of(order).balance) == (Decimal("45.50"), Decimal("45.50"))
    return_id = a_return(order, {"WIDGET": 2, "GADGET": 1})

    refund = issue_refund(return_id, actor="ops@example.com")

    assert (refund.amount, refund.currency, refund.method, refund.status, refund.reference) == (
        Decimal("45.50"), "USD", "credit_note", "applied", f"REFUND-{return_id}")
    assert (balance(order), invoice_of(order).balance, invoice_of(order).status) == (
        Decimal("0.00"), Decimal("0.00"), "paid")
    note = Payment.get(Payment.reference == f"REFUND-{return_id}")
    assert (note.method, note.amount, note.unapplied) == ("credit_note", Decimal("45.50"), Decimal("0.00"))
    assert applications_of(note.id) == [(invoice_of(order).number, Decimal("45.50"))]
    assert ReturnRequest.get_by_id(return_id).refund_amount == Decimal("45.50")
    assert [(c.to_status, c.actor) for c in StatusChange.trail("refund", refund.id)] == [
        ("applied", "ops@example.com")]
    assert clean()


def test_a_partial_return_refunds_only_its_units(any_db):
    make_world()
    order = delivered_order()
    return_id = a_return(order, {"WIDGET": 1})
    assert refund_value(return_id) == Decimal("10.00")

    refund = issue_refund(return_id, actor=ACTOR)

    assert (refund.amount, refund.method) == (Decimal("10.00"), "credit_note")
    assert (balance(order), invoice_of(order).balance, invoice_of(order).status) == (
        Decimal("35.50"), Decimal("35.50"), "open")
    assert ReturnRequest.get_by_id(return_id).refund_amount == Decimal("10.00")
    assert clean()


def test_refund_value_is_exact_in_cents(any_db):
    make_world()
    order = delivered_order()
    return_id = a_return(order, {"WIDGET": 2, "GADGET": 1})
    ReturnLine.update(unit_price=Decimal("0.10")).where(ReturnLine.return_request == return_id).execute()
    assert refund_value(return_id) == Decimal("0.30")  # not 0.30000000000000004


def test_a_paid_invoice_means_a_payout_to_make_and_the_balance_stays(any_db):
    world = make_world()
    order = delivered_order()
    record_payment(world["customer"], amount=Decimal("45.50"), currency="USD", reference="BANK-1",
                   method="bank_transfer", actor=ACTOR)
    assert (balance(order), invoice_of(order).status) == (Decimal("0.00"), "paid")
    return_id = a_return(order, {"GADGET": 1})

    refund = issue_refund(return_id, actor=ACTOR)

    assert (refund.amount, refund.method, refund.status) == (Decimal("25.50"), "payout", "to_pay")
    assert balance(order) == Decimal("0.00")
    assert not Payment.select().where(Payment.reference == f"REFUND-{return_id}").exists()
    assert clean()

    assert mark_payout_paid(refund.id, reference="BANKOUT-77", actor="finance@example.com") is True
    assert mark_payout_paid(refund.id, reference="BANKOUT-77", actor="finance@example.com") is False
    paid = Refund.get_by_id(refund.id)
    assert (paid.status, paid.reference) == ("paid", f"REFUND-{return_id}")
    assert [(c.from_status, c.to_status) for c in StatusChange.trail("refund", refund.id)] == [
        (None, "to_pay"), ("to_pay", "paid")]
    assert "BANKOUT-77" in StatusChange.trail("refund", refund.id)[-1].reason
    assert clean()


def test_an_order_never_invoiced_is_paid_out(any_db):
    make_world()
    order = delivered_order()
    PaymentApplication.delete().execute()
    Invoice.delete().execute()
    Partner.update(outstanding_balance=0).where(Partner.id == order.customer_id).execute()
    refund = issue_refund(a_return(order, {"WIDGET": 1}), actor=ACTOR)
    assert (refund.method, refund.status) == ("payout", "to_pay")


def test_a_credit_note_is_not_a_payout(any_db):
    make_world()
    refund = issue_refund(a_return(delivered_order(), {"WIDGET": 1}), actor=ACTOR)
    with pytest.raises(InvalidTransition):
        mark_payout_paid(refund.id, reference="BANKOUT-1", actor=ACTOR)


def test_what_the_invoice_no_longer_owes_goes_to_other_invoices_then_stays_as_credit(any_db):
    world = make_world()
    customer = world["customer"]
    order = delivered_order()
    record_payment(customer, amount=Decimal("40.00"), currency="USD", reference="BANK-1", method="bank_transfer",
                   actor=ACTOR)
    assert invoice_of(order).balance == Decimal("5.50")
    with database.atomic():  # another order shipped later, still owed in full
        other = issue_invoice(Order.create(channel="api", external_ref="PO-OLD", customer=customer, currency="USD",
                                           total=Decimal("20.00"), status="shipped", ship_to_name="Receiving",
                                           ship_to_address="1 Dock Rd", ship_to_city="Newark",
                                           ship_to_region="R1", ship_to_country="US"), actor=ACTOR)
    Invoice.update(due_on=other.due_on + timedelta(days=5)).where(Invoice.id == other.id).execute()
    assert balance(order) == Decimal("25.50")
    return_id = a_return(order, {"WIDGET": 2, "GADGET": 1})

    refund = issue_refund(return_id, actor=ACTOR)

    assert (refund.amount, refund.method) == (Decimal("45.50"), "credit_note")
    note = Payment.get(Payment.reference == f"REFUND-{return_id}")
    # the returned order's invoice up to its balance, then the next open one; the rest is credit
    assert applications_of(note.id) == [(invoice_of(order).number, Decimal("5.50")),
                                        (other.number, Decimal("20.00"))]
    assert note.unapplied == Decimal("20.00")
    assert balance(order) == Decimal("-20.00")
    assert receivables_add_up() == refunds_add_up() == []  # (PO-OLD has no shipment: not clean() here)


def test_the_returned_orders_invoice_is_credited_before_an_older_one(any_db):
    world = make_world()
    customer = world["customer"]
    order = delivered_order()
    with database.atomic():
        older = issue_invoice(Order.create(channel="api", external_ref="PO-OLD", customer=customer, currency="USD",
                                           total=Decimal("20.00"), status="shipped", ship_to_name="Receiving",
                                           ship_to_address="1 Dock Rd", ship_to_city="Newark",
                                           ship_to_region="R1", ship_to_country="US"), actor=ACTOR)
    Invoice.update(due_on=older.due_on - timedelta(days=20)).where(Invoice.id == older.id).execute()
    return_id = a_return(order, {"WIDGET": 1})

    issue_refund(return_id, actor=ACTOR)

    note = Payment.get(Payment.reference == f"REFUND-{return_id}")
    assert applications_of(note.id) == [(invoice_of(order).number, Decimal("10.00"))]
    assert Invoice.get_by_id(older.id).paid == Decimal("0.00")
    assert receivables_add_up() == refunds_add_up() == []


def test_a_second_call_returns_the_same_refund_and_makes_no_second_payment(any_db):
    make_world()
    order = delivered_order()
    return_id = a_return(order, {"WIDGET": 1})
    first = issue_refund(return_id, actor=ACTOR)
    again = issue_refund(return_id, actor=ACTOR)
    assert again.id == first.id
    assert Refund.select().count() == 1
    assert Payment.select().where(Payment.reference == f"REFUND-{return_id}").count() == 1
    assert balance(order) == Decimal("35.50")
    assert clean()


def test_a_lost_race_returns_the_winners_refund(any_db, monkeypatch):
    make_world()
    order = delivered_order()
    return_id = a_return(order, {"WIDGET": 1})
    winner = Refund.create(return_request=return_id, customer=order.customer_id, amount=Decimal("10.00"),
                           currency="USD", method="payout", reference=f"REFUND-{return_id}", status="to_pay",
                           created_by="other-worker")
    real = Refund.get_or_none
    calls = []

    def misses_once(*args, **kwargs):  # the winner committed just after this call looked
        calls.append(1)
        return None if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(Refund, "get_or_none", misses_once)
    assert issue_refund(return_id, actor=ACTOR).id == winner.id
    monkeypatch.undo()
    assert not Payment.select().where(Payment.reference == f"REFUND-{return_id}").exists()
    assert (balance(order), invoice_of(order).balance) == (Decimal("45.50"), Decimal("45.50"))


def test_no_refund_for_an_exchange_or_lines_worth_nothing(any_db):
    make_world()
    order = delivered_order()
    assert issue_refund(a_return(order, {"WIDGET": 1}, resolution="exchange"), actor=ACTOR) is None
    free = a_return(order, {"GADGET": 1})
    ReturnLine.update(unit_price=0).where(ReturnLine.return_request == free).execute()
    assert issue_refund(free, actor=ACTOR) is None
    assert Refund.select().count() == 0
    assert balance(order) == Decimal("45.50")


@pytest.mark.parametrize("status", ["requested", "rejected", "exchanged"])
def test_no_refund_before_approval_or_after_rejection(any_db, status):
    make_world()
    order = delivered_order()
    with pytest.raises(InvalidTransition, match=status):
        issue_refund(a_return(order, {"WIDGET": 1}, status=status), actor=ACTOR)
    assert Refund.select().count() == 0


def test_refunds_add_up_reports_what_was_tampered_with(any_db):
    make_world()
    order = delivered_order()
    credit = issue_refund(a_return(order, {"WIDGET": 1}), actor=ACTOR)
    record_payment(Partner.get_by_id(order.customer_id), amount=Decimal("35.50"), currency="USD",
                   reference="BANK-1", method="bank_transfer", actor=ACTOR)
    payout = issue_refund(a_return(order, {"GADGET": 1}, status="approved"), actor=ACTOR)
    assert (credit.method, payout.method) == ("credit_note", "payout")
    assert refunds_add_up() == []

    Refund.update(amount=Decimal("9.99")).where(Refund.id == credit.id).execute()
    name = f"refund {credit.id} (REFUND-{credit.return_request_id})"
    assert refunds_add_up() == [
        f"{name}: amount 9.99 but return {credit.return_request_id} lines come to 10.00 and its refund_amount is 10.00",
        f"{name}: a credit note of 9.99 but its payments are 10.00"]

    Refund.update(amount=Decimal("10.00")).where(Refund.id == credit.id).execute()
    ReturnRequest.update(status="requested").where(ReturnRequest.id == payout.return_request_id).execute()
    assert refunds_add_up() == [(f"refund {payout.id} (REFUND-{payout.return_request_id}): return "
                                 f"{payout.return_request_id} is requested, which is never refunded")]
    ReturnRequest.update(status="approved").where(ReturnRequest.id == payout.return_request_id).execute()

    Payment.delete().where(Payment.reference == credit.reference).execute()
    assert any("a credit note of 10.00 but its payments are none" in p for p in refunds_add_up())


def test_refunds_of_one_return_in_parallel_make_one_credit_note(pg_db):
    """Concurrent calls queue on the order and customer locks: one refund, one payment, the balance moved once."""
    make_world()
    order = delivered_order()
    return_id = a_return(order, {"WIDGET": 2})
    refunds, errors = same_call_in_threads(lambda: issue_refund(return_id, actor=ACTOR).id)
    assert errors == []
    assert len(set(refunds)) == 1 and len(refunds) == 4
    assert Payment.select().where(Payment.reference == f"REFUND-{return_id}").count() == 1
    assert balance(order) == Decimal("25.50")
    assert clean()
