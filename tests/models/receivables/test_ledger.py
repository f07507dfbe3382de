"""Receivables: invoices per shipped order, payments applied oldest due first, credit, overdue, opening balances."""
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.core.db import database
from models.core.errors import ValidationFailed
from models.invariants import receivables_add_up
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.ledger import (
    Invoice,
    Payment,
    PaymentApplication,
    applications_of,
    issue_invoice,
    overdue_position,
    set_opening_balance,
)
from models.receivables.payments import customer_by_code, record_payment
from tests.factories import make_world

ACTOR = "test"
TODAY = utc_now().date()


def an_order(customer: Partner, total: str, ref: str, currency: str = "USD") -> Order:
    return Order.create(channel="api", external_ref=ref, customer=customer, currency=currency, total=Decimal(total),
                        status="shipped", ship_to_name="Receiving", ship_to_address="1 Dock Rd",
                        ship_to_city="Newark", ship_to_region="R1", ship_to_country="US")


def invoice(customer: Partner, total: str, ref: str, *, due_in_days: int | None = None, currency: str = "USD"):
    with database.atomic():
        issued = issue_invoice(an_order(customer, total, ref, currency), actor=ACTOR)
    if due_in_days is not None:
        Invoice.update(due_on=TODAY + timedelta(days=due_in_days)).where(Invoice.id == issued.id).execute()
    return Invoice.get_by_id(issued.id)


def pay(customer: Partner, amount: str, reference: str, /, **overrides):
    values = {"amount": Decimal(amount), "currency": "USD", "reference": reference, "method": "bank_transfer",
              "received_on": TODAY, "actor": ACTOR} | overrides
    return record_payment(customer, **values)


def balance(customer: Partner) -> Decimal:
    return Partner.get_by_id(customer.id).outstanding_balance


def state(number: str) -> tuple[Decimal, str]:
    found = Invoice.get(Invoice.number == number)
    return found.paid, found.status


@pytest.fixture
def customer(any_db) -> Partner:
    return make_world()["customer"]


def test_an_invoice_per_order_once_raising_the_balance(customer):
    order = an_order(customer, "45.50", "PO-1")
    with database.atomic():
        first = issue_invoice(order, actor=ACTOR)
        again = issue_invoice(order, actor=ACTOR)
    assert again.id == first.id
    assert (first.number, first.amount, first.paid, first.status) == (f"INV-{order.id:06d}", Decimal("45.50"),
                                                                       Decimal("0.00"), "open")
    assert first.due_on == first.issued_at.date() + timedelta(days=30)
    assert Invoice.select().count() == 1
    assert balance(customer) == Decimal("45.50")
    assert receivables_add_up() == []


def test_a_payment_settles_the_oldest_due_first_and_part_of_the_next(customer):
    late = invoice(customer, "100.00", "PO-LATE", due_in_days=20).number
    first = invoice(customer, "50.00", "PO-FIRST", due_in_days=-5).number
    second = invoice(customer, "30.00", "PO-SECOND", due_in_days=3).number
    payment, created = pay(customer, "70.00", "BANK-1")
    assert created
    assert applications_of(payment.id) == [(first, Decimal("50.00")), (second, Decimal("20.00"))]
    assert (state(first), state(second), state(late)) == (
        (Decimal("50.00"), "paid"), (Decimal("20.00"), "open"), (Decimal("0.00"), "open"))
    assert payment.unapplied == Decimal("0.00")
    assert balance(customer) == Decimal("110.00")

    again, _ = pay(customer, "110.00", "BANK-2")
    assert applications_of(again.id) == [(second, Decimal("10.00")), (late, Decimal("100.00"))]
    assert Invoice.select().where(Invoice.status == "open").count() == 0
    assert balance(customer) == Decimal("0.00")
    assert receivables_add_up() == []


def test_an_overpayment_stays_as_credit_and_pays_the_next_invoice(customer):
    invoice(customer, "40.00", "PO-1")
    payment, _ = pay(customer, "100.00", "BANK-1")
    assert payment.unapplied == Decimal("60.00")
    assert balance(customer) == Decimal("-60.00")

    later = invoice(customer, "45.50", "PO-2")
    assert (later.paid, later.status) == (Decimal("45.50"), "paid")
    assert Payment.get_by_id(payment.id).unapplied == Decimal("14.50")
    assert balance(customer) == Decimal("-14.50")
    bigger = invoice(customer, "20.00", "PO-3")
    assert (bigger.paid, bigger.status) == (Decimal("14.50"), "open")
    assert Payment.get_by_id(payment.id).unapplied == Decimal("0.00")
    assert balance(customer) == Decimal("5.50")
    assert receivables_add_up() == []


def test_credit_is_used_oldest_payment_first(customer):
    pay(customer, "10.00", "OLD", received_on=TODAY - timedelta(days=9))
    pay(customer, "10.00", "NEW", received_on=TODAY)
    later = invoice(customer, "15.00", "PO-1")
    assert [(p.reference, p.unapplied) for p in Payment.select().order_by(Payment.id)] == [
        ("OLD", Decimal("0.00")), ("NEW", Decimal("5.00"))]
    assert later.status == "paid"
    assert receivables_add_up() == []


def test_a_payment_settles_only_invoices_in_its_currency(customer):
    dollars = invoice(customer, "30.00", "PO-USD")
    payment, _ = pay(customer, "30.00", "EUR-1", currency="EUR")
    assert (payment.unapplied, state(dollars.number)) == (Decimal("30.00"), (Decimal("0.00"), "open"))
    assert balance(customer) == Decimal("0.00")  # one number for every currency, as credit limits are
    assert receivables_add_up() == []


def test_a_repeated_payment_changes_nothing(customer):
    number = invoice(customer, "30.00", "PO-1").number
    first, created = pay(customer, "12.34", "BANK-1")
    again, created_again = pay(customer, "12.34", "BANK-1", method="card", received_on=TODAY - timedelta(days=1))
    assert (created, created_again, again.id) == (True, False, first.id)
    assert (Payment.select().count(), PaymentApplication.select().count()) == (1, 1)
    assert (balance(customer), state(number)) == (Decimal("17.66"), (Decimal("12.34"), "open"))


@pytest.mark.parametrize("overrides", [{"amount": Decimal("12.35")}, {"currency": "EUR"}])
def test_the_same_reference_with_another_amount_is_refused(customer, overrides):
    pay(customer, "12.34", "BANK-1")
    with pytest.raises(ValidationFailed) as refused:
        pay(customer, "12.34", "BANK-1", **overrides)
    assert "BANK-1" in refused.value.messages["reference"][0]
    assert Payment.select().count() == 1
    assert balance(customer) == Decimal("-12.34")


def test_the_same_reference_from_another_customer_is_another_payment(customer):
    other = Partner.create(code="CUST9", name="Other", kind="customer", region="R1")
    assert pay(customer, "5.00", "BANK-1")[1] and pay(other, "7.00", "BANK-1")[1]
    assert Payment.select().count() == 2


@pytest.mark.parametrize("overrides, field", [
    ({"amount": Decimal(0)}, "amount"),
    ({"amount": Decimal(-5)}, "amount"),
    ({"amount": Decimal("1.234")}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"amount": Decimal("NaN")}, "amount"),
    ({"currency": "XYZ"}, "currency"),
    ({"method": "barter"}, "method"),
    ({"reference": " "}, "reference"),
    ({"reference": "R" * 65}, "reference"),
    ({"received_on": "2030-01-01"}, "received_on"),
])
def test_bad_payments_name_the_field_and_store_nothing(customer, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        pay(customer, "10.00", "BANK-1", **overrides)
    assert list(refused.value.messages) == [field]
    assert Payment.select().count() == 0


def test_a_supplier_or_an_unknown_code_is_no_customer(any_db):
    world = make_world()
    with pytest.raises(ValidationFailed) as refused:
        pay(world["supplier"], "10.00", "BANK-1")
    assert list(refused.value.messages) == ["customer_code"]
    with pytest.raises(ValidationFailed) as unknown:
        customer_by_code("NOPE")
    assert unknown.value.messages == {"customer_code": ["unknown customer 'NOPE'"]}
    assert customer_by_code("DIST1").code == "DIST1"


def test_a_new_payment_rechecks_held_orders_in_its_transaction(customer, monkeypatch):
    calls = []

    def recheck(customer_id, *, actor):
        calls.append((customer_id, actor, database.in_transaction()))
        return [41, 42]

    monkeypatch.setattr("models.receivables.payments.recheck_held_orders", recheck)
    payment, _ = pay(customer, "10.00", "BANK-1")
    again, _ = pay(customer, "10.00", "BANK-1")
    assert calls == [(customer.id, ACTOR, True)]
    assert (payment.orders_rechecked, again.orders_rechecked) == ((41, 42), ())


@pytest.mark.parametrize("due_in_days, expected", [
    (0, (Decimal("0.00"), 0)),  # due today: not yet overdue
    (1, (Decimal("0.00"), 0)),
    (-1, (Decimal("45.50"), 1)),
    (-30, (Decimal("45.50"), 30)),
])
def test_overdue_position_boundaries(customer, due_in_days, expected):
    invoice(customer, "45.50", "PO-1", due_in_days=due_in_days)
    assert overdue_position(customer.id, TODAY) == expected


def test_overdue_counts_what_is_unpaid_and_dates_from_the_oldest(customer):
    invoice(customer, "100.00", "PO-1", due_in_days=-10)
    invoice(customer, "20.00", "PO-2", due_in_days=-3)
    invoice(customer, "99.00", "PO-3", due_in_days=5)
    assert overdue_position(customer.id, TODAY) == (Decimal("120.00"), 10)
    pay(customer, "30.00", "BANK-1")
    assert overdue_position(customer.id, TODAY) == (Decimal("90.00"), 10)
    pay(customer, "70.00", "BANK-2")
    assert overdue_position(customer.id, TODAY) == (Decimal("20.00"), 3)
    assert overdue_position(customer.id + 1000, TODAY) == (Decimal("0.00"), 0)


def test_opening_balance_is_an_invoice_kept_at_the_given_amount(customer):
    assert set_opening_balance(customer, Decimal(0)) is False
    assert set_opening_balance(customer, Decimal("250.50")) is True
    opening = Invoice.get(Invoice.number == "OPEN-CUST1")
    assert (opening.order_id, opening.amount, opening.currency) == (None, Decimal("250.50"), "USD")
    assert opening.due_on == TODAY + timedelta(days=30)
    assert set_opening_balance(customer, Decimal("250.50")) is False
    invoice(customer, "10.00", "PO-1")
    assert balance(customer) == Decimal("260.50")

    pay(customer, "100.00", "BANK-1")  # the opening invoice is due first
    assert set_opening_balance(customer, Decimal("150.00")) is True
    assert state("OPEN-CUST1") == (Decimal("100.00"), "open")
    assert balance(customer) == Decimal("60.00")
    with pytest.raises(ValidationFailed) as refused:
        set_opening_balance(customer, Decimal("99.99"))
    assert "already paid" in refused.value.messages["outstanding_balance"][0]
    assert set_opening_balance(customer, Decimal("100.00")) is True
    assert state("OPEN-CUST1") == (Decimal("100.00"), "paid")
    assert balance(customer) == Decimal("10.00")
    assert receivables_add_up() == []


def test_a_raised_opening_balance_takes_credit_and_zero_removes_it(customer):
    set_opening_balance(customer, Decimal("20.00"))
    assert set_opening_balance(customer, Decimal("0.00")) is True
    assert not Invoice.select().exists() and balance(customer) == Decimal("0.00")
    set_opening_balance(customer, Decimal("20.00"))
    payment, _ = pay(customer, "50.00", "BANK-1")
    set_opening_balance(customer, Decimal("45.00"))
    assert state("OPEN-CUST1") == (Decimal("45.00"), "paid")
    assert applications_of(payment.id) == [("OPEN-CUST1", Decimal("45.00"))]
    assert balance(customer) == Decimal("-5.00")
    assert receivables_add_up() == []


def test_the_invariant_catches_balances_and_applications_that_disagree(customer):
    number = invoice(customer, "30.00", "PO-1").number
    payment, _ = pay(customer, "10.00", "BANK-1")
    Partner.update(outstanding_balance=Decimal("99.00")).where(Partner.id == customer.id).execute()
    Invoice.update(paid=Decimal("11.00")).where(Invoice.number == number).execute()
    Payment.update(unapplied=Decimal("1.00")).where(Payment.id == payment.id).execute()
    problems = receivables_add_up()
    assert len(problems) == 3
    assert problems[0].startswith("customer CUST1: outstanding balance 99.00")
    assert problems[1].startswith(f"invoice {number}: paid 11.00 but applications total 10.00")
    assert problems[2].startswith(f"payment {payment.id} (BANK-1): amount 10.00")


def test_payments_and_invoices_in_parallel_add_up(pg_db):
    """Concurrent payments and shipments of one customer queue on its row lock; nothing is lost."""
    customer = make_world()["customer"]
    orders = [an_order(customer, "7.30", f"PO-{n}") for n in range(8)]
    errors = []

    def run(work):
        try:
            with database.connection_context():
                work()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    def ship(batch):
        for order in batch:
            with database.atomic():
                issue_invoice(order, actor=ACTOR)

    def receive(prefix):
        for n in range(8):
            pay(customer, "3.65", f"{prefix}-{n}")

    threads = [threading.Thread(target=run, args=(work,)) for work in (
        lambda: ship(orders[:4]), lambda: ship(orders[4:]), lambda: ship(orders),
        lambda: receive("A"), lambda: receive("B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Invoice.select().count() == 8
    assert balance(customer) == Decimal("0.00")
    assert Invoice.select().where(Invoice.status == "open").count() == 0
    assert receivables_add_up() == []


def test_an_order_total_of_zero_is_invoiced_as_paid(customer):
    free = invoice(customer, "0.00", "PO-FREE")
    assert (free.status, balance(customer)) == ("paid", Decimal("0.00"))
    assert receivables_add_up() == []


def test_dates_are_dates(customer):
    payment, _ = pay(customer, "1.00", "BANK-1", received_on=date(2030, 5, 6))
    assert Payment.get_by_id(payment.id).received_on == date(2030, 5, 6)
