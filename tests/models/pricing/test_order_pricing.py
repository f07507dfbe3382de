"""Pricing and taxing a whole order: resolved prices for lines given none, tax per line, totals. Pure."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

from models.pricing.order_pricing import LineToPrice, OrderToPrice, price_order
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList
from models.pricing.tax_rules import TaxRate

RATES = (TaxRate("standard", "GB", "", Decimal("0.2"), name="VAT"),)


def order(*lines: LineToPrice, currency="GBP", country="GB") -> OrderToPrice:
    return OrderToPrice(currency=currency, day=date(2026, 6, 1), customer="CUST1", distributor="DIST1",
                        customer_group="", country=country, region="ENG", shipping_total=Decimal("5.00"),
                        lines=tuple(lines))


def line(no=1, sku="SKU-A", quantity=2, price="0.00", given=False, catalogue="208.73", currency="GBP",
         matched=True) -> LineToPrice:
    return LineToPrice(no, sku, quantity, Decimal(price), given, matched,
                       None if catalogue is None else Decimal(catalogue), currency, "standard")


def gross_list(price: str) -> PriceBook:
    return PriceBook(lists=(PriceList("DIST", "GBP", "distributor", "DIST1", tax_included=True,
                                      entries={"SKU-A": (PriceBreak(1, price=Decimal(price)),)}),))


def test_a_line_given_no_price_takes_the_resolved_one_and_is_taxed_on_top():
    priced = price_order(order(line()), PriceBook(), RATES)
    first = priced.lines[0]
    assert (first.unit_price, first.line_total, first.list_price, first.tax_rate, first.tax_amount) == (
        Decimal("208.73"), Decimal("417.46"), Decimal("208.73"), Decimal("0.2"), Decimal("83.49"))
    assert first.price_note == "no price given: catalogue price of SKU-A: 208.73; VAT GB: 20 %"
    assert (priced.subtotal, priced.tax_total, priced.total, priced.prices_include_tax) == (
        Decimal("417.46"), Decimal("83.49"), Decimal("505.95"), False)


def test_a_given_price_is_kept_and_the_resolved_one_recorded():
    first = price_order(order(line(price="0.01", given=True)), PriceBook(), RATES).lines[0]
    assert (first.unit_price, first.line_total, first.list_price) == (Decimal("0.01"), Decimal("0.02"),
                                                                      Decimal("208.73"))


def test_prices_from_tax_inclusive_lists_make_the_order_gross():
    priced = price_order(order(line()), gross_list("120.00"), RATES)
    assert (priced.subtotal, priced.tax_total, priced.total, priced.prices_include_tax) == (
        Decimal("240.00"), Decimal("40.00"), Decimal("245.00"), True)


def test_a_gross_price_is_taken_net_when_the_order_mixes_bases():
    mixed = order(line(), line(2, "SKU-B", 1, catalogue="10.00"))
    priced = price_order(mixed, gross_list("120.00"), RATES)
    assert priced.prices_include_tax is False
    assert priced.lines[0].unit_price == Decimal("100.00")
    assert priced.lines[0].price_note == "no price given: list DIST: 120.00, 100.00 net of 20 % tax; VAT GB: 20 %"
    assert priced.total == Decimal("257.00")  # 200 + 10 + 5 shipping + 42 tax


def test_a_catalogue_price_in_another_currency_prices_nothing_without_a_converter():
    first = price_order(order(line(currency="EUR")), PriceBook(), RATES).lines[0]
    assert (first.unit_price, first.list_price, first.price_note) == (
        Decimal("0.00"), None, "no price for SKU-A in GBP; VAT GB: 20 %")


def test_no_tax_rate_for_the_destination_is_said():
    first = price_order(order(line(), country="FR"), PriceBook(), RATES).lines[0]
    assert first.tax_amount == Decimal("0.00") and first.price_note.endswith("no tax rate for standard goods to FR-ENG")


def test_an_unknown_sku_line_is_neither_priced_nor_taxed():
    unknown = line(price="3.00", given=True, catalogue=None, matched=False)
    first = price_order(order(unknown), PriceBook(), RATES).lines[0]
    assert (first.unit_price, first.list_price, first.tax_amount, first.price_note) == (
        Decimal("3.00"), None, Decimal("0.00"), "")


def test_orders_sharing_what_they_buy_resolve_each_price_once_and_read_the_same(monkeypatch):
    from models.pricing import order_pricing
    calls = []
    real = order_pricing.resolve_price
    monkeypatch.setattr(order_pricing, "resolve_price", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    book, known = gross_list("120.00"), {}
    first = price_order(order(line(), line(2, quantity=3)), book, RATES, known=known)
    again = price_order(order(line(), line(2, quantity=3)), book, RATES, known=known)
    assert len(calls) == 1  # 2 and 3 units reach the same break: one resolution for both lines of both orders
    assert again == first and first.lines[0].price_note == again.lines[0].price_note
    alone = price_order(order(line(), line(2, quantity=3)), book, RATES)
    assert alone == first


def test_quantities_reaching_the_same_breaks_share_a_resolution_and_price_as_if_resolved_alone(monkeypatch):
    from models.pricing import order_pricing
    calls = []
    real = order_pricing.resolve_price
    monkeypatch.setattr(order_pricing, "resolve_price", lambda *a, **k: calls.append(a[1].quantity) or real(*a, **k))
    book = PriceBook(lists=(PriceList("DIST", "GBP", "distributor", "DIST1", entries={"SKU-A": (
        PriceBreak(1, price=Decimal("10.00")), PriceBreak(10, price=Decimal("9.00")),
        PriceBreak(50, price=Decimal("8.00")))}),),
        contracts=(ContractPrice("CUST1", "SKU-A", "GBP", Decimal("7.50"), reference="K", min_quantity=25),))
    quantities = (0, 1, 2, 9, 10, 11, 24, 25, 26, 49, 50, 51, 500)
    known: dict = {}
    shared = [price_order(order(line(quantity=q)), book, RATES, known=known).lines[0] for q in quantities]
    assert calls == [0, 1, 10, 25, 50]  # the first quantity of each class, resolved once
    alone = [price_order(order(line(quantity=q)), book, RATES).lines[0] for q in quantities]
    assert shared == alone
    assert [p.unit_price for p in shared[1:]] == [Decimal(p) for p in (
        "10.00", "10.00", "10.00", "9.00", "9.00", "9.00", "7.50", "7.50", "7.50", "7.50", "7.50", "7.50")]


def test_lines_sharing_a_tax_class_destination_and_day_find_their_rate_once_and_price_as_if_alone(monkeypatch):
    from models.pricing import order_pricing
    calls = []
    real = order_pricing.rate_for
    monkeypatch.setattr(order_pricing, "rate_for", lambda *a: calls.append(a[1:]) or real(*a))
    rates = RATES + (TaxRate("standard", "GB", "SCT", Decimal("0.1"), name="VAT Scotland"),
                     TaxRate("reduced", "GB", "", Decimal("0.05"), name="VAT reduced"),
                     TaxRate("standard", "GB", "", Decimal("0.25"), valid_from=date(2026, 7, 1), name="VAT new"))
    reduced = LineToPrice(3, "SKU-C", 1, Decimal("0.00"), False, True, Decimal("4.00"), "GBP", "reduced")
    orders = [replace(order(line(), line(2, "SKU-B", 1, catalogue="10.00"), reduced), region=region, day=day)
              for region in ("ENG", "SCT", "ENG") for day in (date(2026, 6, 1), date(2026, 7, 1), date(2026, 6, 1))]
    known: dict = {}
    shared = [price_order(each, PriceBook(), rates, known=known) for each in orders]
    assert len(calls) == len(set(calls)) == 8  # 2 classes x 2 regions x 2 days, each found once
    assert shared == [price_order(each, PriceBook(), rates) for each in orders]
    assert {(p.lines[0].tax_rate, p.lines[2].tax_rate) for p in shared} == {
        (Decimal("0.2"), Decimal("0.05")), (Decimal("0.1"), Decimal("0.05")), (Decimal("0.25"), Decimal("0.05"))}


def test_lines_priced_alike_in_a_batch_share_one_note_and_others_get_their_own():
    known: dict = {}
    first, again, given, gross = (price_order(one, book, RATES, known=known).lines[0] for one, book in (
        (order(line()), PriceBook()), (order(line(no=2, quantity=3)), PriceBook()),
        (order(line(price="200.00", given=True)), PriceBook()), (order(line()), gross_list("120.00"))))
    assert again.price_note_text is first.price_note_text
    assert given.price_note != first.price_note and given.price_note_text is not first.price_note_text
    assert gross.price_note_text is not first.price_note_text
    abroad = price_order(order(line(), country="FR"), PriceBook(), RATES, known=known).lines[0]
    assert abroad.price_note != first.price_note  # no rate for FR: another tax sentence
