"""The credit desk in the buyer's currency: invoices, credit and open orders in other currencies converted at the
day's rate, in the figures, the filters and the sort; a currency without a rate left out and flagged."""
from datetime import date
from decimal import Decimal

from models.core.base import utc_now
from models.currency.rates import set_rates
from models.orders.tables import Order
from models.partners.tables import Partner
from models.receivables.desk import DeskFilter, customer_positions
from models.receivables.ledger import set_opening_balance
from models.receivables.payments import record_payment

D = Decimal
TODAY = utc_now().date()


def order(customer: Partner, ref: str, total: str, currency: str) -> Order:
    return Order.create(channel="api", external_ref=ref, customer=customer, currency=currency, total=D(total),
                        subtotal=D(total), status="approved", ship_to_name="Receiving", ship_to_address="1 Dock Rd",
                        ship_to_city="Newark", ship_to_region="R1", ship_to_country="US")


def test_figures_are_converted_into_the_buyers_currency(any_db):
    set_rates([{"day": date(2020, 1, 1), "currency": "EUR", "rate": D("0.50")},
               {"day": date(2020, 1, 1), "currency": "GBP", "rate": D("0.25")}], actor="t")
    euro = Partner.create(code="EURO", name="Euro Buyer", kind="customer", currency="EUR", credit_limit=D("300.00"))
    dollar = Partner.create(code="DOLLAR", name="Dollar Buyer", kind="customer", credit_limit=D("300.00"))
    set_opening_balance(euro, D("100.00"), currency="USD")  # 50.00 EUR
    record_payment(euro, amount=D("20.00"), currency="GBP", reference="GBP-1", method="bank_transfer", actor="t")
    order(euro, "E-1", "200.00", "EUR")
    order(euro, "E-2", "40.00", "GBP")  # 80.00 EUR
    order(dollar, "D-1", "290.00", "USD")
    order(dollar, "D-2", "10.00", "HKD")  # no HKD rate
    rows = {row.code: row for row in customer_positions(DeskFilter(), TODAY)[0]}
    euro_row = rows["EURO"]
    # outstanding 50.00 EUR less the unapplied 20.00 GBP (40.00 EUR); open orders 200.00 + 80.00
    assert (euro_row.currency, euro_row.outstanding, euro_row.open_orders) == ("EUR", D("10.00"), D("280.00"))
    assert (euro_row.exposure, euro_row.headroom, euro_row.flags) == (D("290.00"), D("10.00"), ())
    assert not euro_row.rate_missing
    assert (rows["DOLLAR"].exposure, rows["DOLLAR"].rate_missing) == (D("290.00"), True)
    Partner.update(credit_limit=D("289.99")).where(Partner.code == "EURO").execute()
    assert [row.code for row in customer_positions(DeskFilter(over_limit=True), TODAY)[0]] == ["EURO"]
