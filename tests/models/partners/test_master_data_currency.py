"""The customers file's optional currency and group credit limit columns: a buyer's limits and opening balance in
its own currency, a cap on a distributor's whole group; a file without the columns leaves them as they are."""
import io
from decimal import Decimal

from models.partners.master_data import RowError, import_master_data
from models.partners.tables import Partner
from models.receivables.ledger import Invoice
from schemas.master_data import ROW_SCHEMAS

HEADER = ("code,name,kind,distributor_code,email,region,credit_limit,payment_terms_days,outstanding_balance,blocked,"
          "currency,group_credit_limit\n")


def run(text: str):
    return import_master_data("customers", io.BytesIO(text.encode()), row_schema=ROW_SCHEMAS["customers"])


def test_currency_and_group_limit_land_and_a_file_without_them_keeps_them(any_db):
    report = run(HEADER + "D1,Distributor One,distributor,,,east,5000,30,0,no,eur,20000\n"
                          "C1,Customer One,customer,D1,,east,1000,30,250.00,no,GBP,\n")
    assert (report.created, report.errors) == (2, [])
    distributor, customer = Partner.get(Partner.code == "D1"), Partner.get(Partner.code == "C1")
    assert (distributor.currency, distributor.group_credit_limit) == ("EUR", Decimal("20000.00"))
    assert (customer.currency, customer.group_credit_limit) == ("GBP", None)
    assert Invoice.get(Invoice.number == "OPEN-C1").currency == "GBP"  # the opening balance in its currency
    plain = run("code,name,kind,distributor_code,email,region,credit_limit,payment_terms_days,outstanding_balance,"
                "blocked\nD1,Distributor One,distributor,,,east,5000,30,0,no\n")
    assert (plain.unchanged, plain.errors) == (1, [])
    assert Partner.get(Partner.code == "D1").group_credit_limit == Decimal("20000.00")


def test_a_bad_currency_and_a_customers_group_limit_are_refused_by_row_and_field(any_db):
    report = run(HEADER + "C1,Customer One,customer,,,east,1000,30,0,no,XYZ,\n"
                          "C2,Customer Two,customer,,,east,1000,30,0,no,USD,500\n")
    assert [(error.row, error.field) for error in report.errors] == [(2, "currency"), (3, "group_credit_limit")]
    assert report.errors[1] == RowError(3, "group_credit_limit", "only a distributor has a group credit limit")
    assert Partner.select().count() == 0
