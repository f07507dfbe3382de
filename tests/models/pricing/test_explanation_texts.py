"""Price and tax explanations kept as templates with values: the same English, and the same after a JSON trip."""
import json
from datetime import date
from decimal import Decimal

import pytest

from models.core.texts import Text
from models.pricing.order_pricing import LineToPrice, OrderToPrice, price_order
from models.pricing.rules import (
    ContractPrice,
    PriceBook,
    PriceBreak,
    PriceList,
    PriceQuery,
    resolve_price,
)
from models.pricing.tax_rules import TaxRate, rate_for

DAY = date(2026, 6, 1)
BOOK = PriceBook(
    lists=(PriceList("CAT", "EUR", "catalogue", entries={"SKU-A": (PriceBreak(1, price=Decimal("20.00")),)}),
           PriceList("DST", "EUR", "distributor", "DIST1", name="Distributors", base="CAT",
                     discount_percent=Decimal("12.5"),
                     entries={"SKU-B": (PriceBreak(10, discount_percent=Decimal(10)),)}),
           PriceList("GRS", "EUR", "customer", "GROSS", tax_included=True,
                     entries={"SKU-A": (PriceBreak(1, price=Decimal("24.00")),)})),
    contracts=(ContractPrice("CUST1", "SKU-C", "EUR", Decimal("15.2"), "DST-EAST 2026", min_quantity=100),))


def query(sku="SKU-A", quantity=1, customer="CUST1", **changes) -> PriceQuery:
    return PriceQuery(**{"sku": sku, "quantity": quantity, "currency": "EUR", "day": DAY, "customer": customer,
                         "distributor": "DIST1", **changes})


def round_trip(text: Text) -> Text:
    return Text.from_json(json.loads(json.dumps(text.as_json())))


@pytest.mark.parametrize("asked, convert, english", [
    (query("SKU-C", 120), None, "contract DST-EAST 2026, break ≥ 100 units: 15.20"),
    (query("SKU-A"), None, "list DST (Distributors), 12.5 % off CAT 20.00: 17.50"),
    (query("SKU-B", 10, catalogue_price=Decimal("8.00"), catalogue_currency="EUR"), None,
     "catalogue price of SKU-B: 8.00"),
    (query("SKU-D", catalogue_price=Decimal("10.00"), catalogue_currency="USD"),
     lambda amount, _from, _to: amount * Decimal("0.9"), "catalogue price of SKU-D 10.00 USD at the day's rate: 9.00 EUR"),
], ids=["contract-break", "discounted-base-list", "catalogue", "converted"])
def test_a_resolution_keeps_its_template_and_reads_the_same(asked, convert, english):
    resolution = resolve_price(BOOK, asked, convert=convert)
    assert resolution.explanation == english
    assert str(resolution.text) == english and str(round_trip(resolution.text)) == english
    assert resolution.explanation_text is resolution.text


def test_a_break_on_a_discount_list_names_the_break_and_the_discount():
    book = PriceBook(lists=(BOOK.lists[0], PriceList("DST", "EUR", "distributor", "DIST1", entries={
        "SKU-A": (PriceBreak(10, discount_percent=Decimal(10)),)}, base="CAT")))
    resolution = resolve_price(book, query("SKU-A", 12))
    assert resolution.explanation == "list DST, break ≥ 10 units, 10 % off CAT 20.00: 18.00"
    assert str(round_trip(resolution.text)) == resolution.explanation


def test_tax_findings_keep_their_template():
    rates = (TaxRate("standard", "GB", "", Decimal("0.2")), TaxRate("standard", "GB", "SCT", Decimal("0.075"),
                                                                     name="VAT Scotland"))
    for finding, english in ((rate_for(rates, "standard", "GB", "ENG", DAY), "standard rate GB: 20 %"),
                             (rate_for(rates, "standard", "gb", "SCT", DAY), "VAT Scotland GB-SCT: 7.5 %"),
                             (rate_for(rates, "food", "FR", "", DAY), "no tax rate for food goods to FR")):
        assert finding.explanation == english == str(finding.text) == str(round_trip(finding.text))


def test_a_line_price_note_is_one_template_with_the_price_and_the_tax():
    order = OrderToPrice(currency="EUR", day=DAY, customer="GROSS", distributor="", customer_group="", country="GB",
                         region="ENG", shipping_total=Decimal(0), lines=(
                             LineToPrice(1, "SKU-A", 1, Decimal(0), False, True, None, "", "standard"),
                             LineToPrice(2, "SKU-Z", 1, Decimal("3.00"), True, True, None, "", "standard"),
                             LineToPrice(3, "NOPE", 1, Decimal("3.00"), True, False),
                             LineToPrice(4, "SKU-B", 1, Decimal("7.00"), True, True, Decimal("8.00"), "EUR", "zero")))
    rates = (TaxRate("standard", "GB", "", Decimal("0.2"), name="VAT"),)
    first, second, third, fourth = price_order(order, BOOK, rates).lines
    assert first.price_note == "no price given: list GRS: 24.00, 20.00 net of 20 % tax; VAT GB: 20 %"
    assert second.price_note == "no price for SKU-Z in EUR; VAT GB: 20 %"
    assert fourth.price_note == "catalogue price of SKU-B: 8.00; no tax rate for zero goods to GB-ENG"
    for line in (first, second, fourth):
        assert str(line.price_note_text) == line.price_note == str(round_trip(line.price_note_text))
    assert (third.price_note, third.price_note_text) == ("", "")
