"""The price resolver: plain cases for breaks, validity, the fallback chain and contracts, and properties that
hold for any book (hypothesis)."""
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.pricing.rules import (
    ContractPrice,
    PriceBook,
    PriceBreak,
    PriceList,
    PriceQuery,
    resolve_price,
)

DAY = date(2026, 6, 1)
CENT = Decimal("0.01")


def query(quantity=1, *, sku="A", day=DAY, currency="USD", **kwargs) -> PriceQuery:
    defaults = dict(customer="C1", distributor="D1", customer_group="trade")
    return PriceQuery(sku, quantity, currency, day, **{**defaults, **kwargs})


def fixed(code, applies_to, price, *, party="", sku="A", **kwargs) -> PriceList:
    return PriceList(code, "USD", applies_to, party=party, entries={sku: (PriceBreak(1, Decimal(price)),)}, **kwargs)


CHAIN = (fixed("CUST", "customer", "5", party="C1"), fixed("DIST", "distributor", "6", party="D1"),
         fixed("GRP", "group", "7", party="trade"), fixed("CAT", "catalogue", "8"))


@pytest.mark.parametrize("present, source, price", [
    (CHAIN, "customer", "5.00"), (CHAIN[1:], "distributor", "6.00"), (CHAIN[2:], "group", "7.00"),
    (CHAIN[3:], "catalogue", "8.00"), ((), "product", "9.00")])
def test_fallback_chain(present, source, price):
    found = resolve_price(PriceBook(present), query(catalogue_price=Decimal("9"), catalogue_currency="USD"))
    assert (found.source, found.price) == (source, Decimal(price))


def test_other_parties_lists_never_apply():
    book = PriceBook((fixed("X", "customer", "1", party="C2"), fixed("Y", "distributor", "1", party="D2"),
                      fixed("Z", "group", "1", party="retail")))
    assert resolve_price(book, query()) is None


def test_a_distributor_buying_for_itself_gets_its_distributor_list():
    book = PriceBook((fixed("DIST", "distributor", "6", party="D1"), fixed("CAT", "catalogue", "8")))
    found = resolve_price(book, query(customer="D1", distributor="", customer_group=""))
    assert (found.source, found.source_code, found.price) == ("distributor", "DIST", Decimal("6.00"))


def test_breaks_pick_the_largest_reached():
    book = PriceBook((PriceList("CAT", "USD", "catalogue", entries={"A": (
        PriceBreak(100, Decimal("8")), PriceBreak(1, Decimal("10")), PriceBreak(10, Decimal("9")))}),))
    assert [resolve_price(book, query(q)).price for q in (1, 9, 10, 99, 100, 5000)] == [
        Decimal(p) for p in ("10", "10", "9", "9", "8", "8")]
    assert resolve_price(book, query(100)).explanation == "list CAT, break ≥ 100 units: 8.00"


def test_a_quantity_below_every_break_falls_through():
    book = PriceBook((PriceList("CAT", "USD", "catalogue", entries={"A": (PriceBreak(10, Decimal("9")),)}),))
    assert resolve_price(book, query(9)) is None


def test_validity_is_inclusive_at_both_ends():
    book = PriceBook((fixed("CAT", "catalogue", "8", valid_from=DAY, valid_to=DAY + timedelta(days=30)),))
    assert resolve_price(book, query(day=DAY)) is not None
    assert resolve_price(book, query(day=DAY + timedelta(days=30))) is not None
    assert resolve_price(book, query(day=DAY - timedelta(days=1))) is None
    assert resolve_price(book, query(day=DAY + timedelta(days=31))) is None


def test_discount_off_a_base_and_a_discount_break():
    cat = fixed("CAT", "catalogue", "20")
    dist = PriceList("DIST", "USD", "distributor", party="D1", base="CAT", discount_percent=Decimal("10"),
                     entries={"A": (PriceBreak(100, discount_percent=Decimal("15")),)})
    book = PriceBook((cat, dist))
    assert resolve_price(book, query(1)).explanation == "list DIST, 10 % off CAT 20.00: 18.00"
    assert resolve_price(book, query(100)).explanation == "list DIST, break ≥ 100 units, 15 % off CAT 20.00: 17.00"


def test_a_base_cycle_or_a_base_in_another_currency_prices_nothing():
    a = PriceList("A", "USD", "group", party="trade", base="B", discount_percent=Decimal("5"))
    b = PriceList("B", "USD", "group", party="trade", base="A", discount_percent=Decimal("5"))
    assert resolve_price(PriceBook((a, b)), query()) is None
    eur = PriceList("EUR", "EUR", "catalogue", entries={"A": (PriceBreak(1, Decimal("3")),)})
    c = PriceList("C", "USD", "group", party="trade", base="EUR", discount_percent=Decimal("5"))
    assert resolve_price(PriceBook((eur, c)), query()) is None


def test_contract_over_every_list_and_its_quantity():
    contract = ContractPrice("C1", "A", "USD", Decimal("4.5"), reference="DST-EAST 2026", min_quantity=100)
    book = PriceBook(CHAIN, (contract,))
    assert resolve_price(book, query(99)).source == "customer"
    assert resolve_price(book, query(100)).explanation == "contract DST-EAST 2026, break ≥ 100 units: 4.50"


def test_product_price_in_another_currency_needs_a_rate():
    q = query(currency="EUR", catalogue_price=Decimal("10"), catalogue_currency="USD")
    assert resolve_price(PriceBook(), q) is None
    found = resolve_price(PriceBook(), q, convert=lambda amount, frm, to: amount * Decimal("0.9"))
    assert found.price == Decimal("9.00") and "at the day's rate" in found.explanation


def test_the_lowest_of_two_lists_of_one_step_wins():
    book = PriceBook((fixed("B", "catalogue", "8"), fixed("A", "catalogue", "7.5")))
    assert resolve_price(book, query()).source_code == "A"


prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)
percents = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
quantities = st.integers(min_value=1, max_value=10_000)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
applies = st.sampled_from(("customer", "distributor", "group", "catalogue"))
PARTY = {"customer": "C1", "distributor": "D1", "group": "trade", "catalogue": ""}


@st.composite
def price_lists(draw, code: str) -> PriceList:
    applies_to = draw(applies)
    minimums = draw(st.lists(quantities, min_size=1, max_size=4, unique=True))
    breaks = tuple(PriceBreak(m, draw(prices)) for m in minimums)
    start = draw(st.none() | days)
    end = draw(st.none() | days.filter(lambda d: start is None or d >= start))
    return PriceList(code, "USD", applies_to, party=PARTY[applies_to], valid_from=start, valid_to=end,
                     entries={draw(st.sampled_from(("A", "B"))): breaks})


books = st.lists(st.sampled_from("PQRSTU"), min_size=0, max_size=5, unique=True).flatmap(
    lambda codes: st.tuples(*(price_lists(code) for code in codes))).map(PriceBook)


@given(books, quantities, days, prices)
def test_contract_beats_lists_whenever_it_applies(book, quantity, day, price):
    contract = ContractPrice("C1", "A", "USD", price, reference="K", min_quantity=1)
    found = resolve_price(PriceBook(book.lists, (contract,)), query(quantity, day=day))
    assert found.source == "contract" and found.price == price


@given(st.lists(st.tuples(quantities, prices), min_size=1, max_size=6, unique_by=lambda t: t[0]),
       quantities, quantities)
def test_more_units_never_cost_more_under_decreasing_breaks(rows, q1, q2):
    minimums = sorted(m for m, _ in rows)
    amounts = sorted((p for _, p in rows), reverse=True)  # larger break, lower price
    book = PriceBook((PriceList("CAT", "USD", "catalogue", entries={"A": tuple(
        PriceBreak(m, p) for m, p in zip([1, *minimums[1:]], amounts))}),))
    small, large = sorted((q1, q2))
    assert resolve_price(book, query(large)).price <= resolve_price(book, query(small)).price


@given(price_lists("L"), days)
def test_outside_its_validity_a_list_never_prices(price_list, day):
    found = resolve_price(PriceBook((price_list,)), query(10_000, sku="A", day=day))
    if not price_list.in_force(day):
        assert found is None
    elif found is not None:
        assert found.source_code == "L"


@given(prices, percents, quantities)
def test_a_discount_off_the_base_is_the_base_times_one_minus_the_discount(base, percent, quantity):
    book = PriceBook((fixed("CAT", "catalogue", str(base)),
                      PriceList("D", "USD", "distributor", party="D1", base="CAT", discount_percent=percent)))
    expected = (base * (100 - percent) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    assert resolve_price(book, query(quantity)).price == expected


@given(books, quantities, days, st.randoms(use_true_random=False))
def test_resolution_does_not_depend_on_the_order_of_the_lists(book, quantity, day, rng):
    shuffled = list(book.lists)
    rng.shuffle(shuffled)
    assert resolve_price(PriceBook(tuple(shuffled)), query(quantity, day=day)) == resolve_price(
        book, query(quantity, day=day))


@given(books, quantities, days)
def test_no_list_for_the_sku_and_no_product_price_is_no_price(book, quantity, day):
    assert resolve_price(book, query(quantity, sku="Z", day=day)) is None


PARTIES = ("", "C1", "D1", "trade")
CURRENCIES = ("USD", "EUR")
any_list = st.builds(lambda applies_to, party, currency, price: PriceList(
    "", currency, applies_to, party=party, entries={"A": (PriceBreak(1, Decimal(price)),)}),
    st.sampled_from(("customer", "distributor", "group", "catalogue")), st.sampled_from(PARTIES),
    st.sampled_from(CURRENCIES), st.sampled_from(("1.00", "2.00")))
any_contract = st.builds(lambda customer, sku, currency, quantity: ContractPrice(
    customer, sku, currency, Decimal("1.00"), reference=f"K{quantity}", min_quantity=quantity),
    st.sampled_from(("C1", "C2")), st.sampled_from(("A", "B")), st.sampled_from(CURRENCIES), st.integers(1, 3))


@given(st.lists(any_list, max_size=12), st.lists(any_contract, max_size=12))
def test_a_books_lists_and_contracts_by_party_are_those_a_scan_of_the_book_finds_in_its_order(lists, contracts):
    book = PriceBook(lists=tuple(replace(pl, code=f"L{n}") for n, pl in enumerate(lists)), contracts=contracts)
    for applies_to in ("customer", "distributor", "group", "catalogue"):
        for party in PARTIES:
            for currency in CURRENCIES:
                assert book.lists_for(applies_to, party, currency) == tuple(
                    pl for pl in book.lists if (pl.applies_to, pl.party, pl.currency) == (applies_to, party, currency))
    for customer in ("C1", "C2", "C3"):
        for sku in ("A", "B"):
            for currency in CURRENCIES:
                assert book.contracts_for(customer, sku, currency) == tuple(
                    c for c in book.contracts if (c.customer, c.sku, c.currency) == (customer, sku, currency))
