"""Edits of the price book: each gives a new book or a ValueError naming the field; no edit leaves a broken base."""
from decimal import Decimal

import pytest

from models.pricing.book_edits import (
    put_break,
    put_list,
    remove_break,
    remove_contract,
    remove_list,
    set_list_fields,
)
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList

CAT = PriceList("CAT", "USD", "catalogue", entries={"A": (PriceBreak(1, Decimal("10")),)})
DIST = PriceList("D", "USD", "distributor", party="D1", base="CAT", discount_percent=Decimal("5"))
BOOK = PriceBook((CAT, DIST), (ContractPrice("C1", "A", "USD", Decimal("8")),))


def test_put_and_remove_a_break():
    book = put_break(BOOK, "CAT", "A", PriceBreak(10, Decimal("9")))
    assert book.list_by_code("CAT").entries["A"] == (PriceBreak(1, Decimal("10")), PriceBreak(10, Decimal("9")))
    book = put_break(book, "CAT", "A", PriceBreak(10, Decimal("8.5")))
    assert book.list_by_code("CAT").entries["A"][1].price == Decimal("8.5")
    assert remove_break(remove_break(book, "CAT", "A", 10), "CAT", "A", 1).list_by_code("CAT").entries == {}


@pytest.mark.parametrize("edit, message", [
    (lambda: put_break(BOOK, "CAT", "A", PriceBreak(1, discount_percent=Decimal("5"))),
     "discount_percent: list CAT has no base list"),
    (lambda: remove_break(BOOK, "CAT", "A", 7), "sku: list CAT has no break for A from 7 units"),
    (lambda: remove_list(BOOK, "CAT"), "code: list CAT is the base of D"),
    (lambda: remove_list(BOOK, "NOPE"), "code: no list NOPE"),
    (lambda: set_list_fields(BOOK, "CAT", base="D"), "base: base lists go round in a circle"),
    (lambda: set_list_fields(BOOK, "D", currency="EUR"), "base: base list CAT is in USD, not EUR"),
    (lambda: put_list(BOOK, CAT), "code: a list CAT exists already"),
    (lambda: remove_contract(BOOK, 3), "contract: no contract price 3"),
])
def test_refused_edits_name_the_field(edit, message):
    with pytest.raises(ValueError) as raised:
        edit()
    assert str(raised.value).startswith(message)


def test_remove_a_list_nobody_builds_on_and_a_contract():
    assert [pl.code for pl in remove_list(BOOK, "D").lists] == ["CAT"]
    assert remove_contract(BOOK, 0).contracts == ()
