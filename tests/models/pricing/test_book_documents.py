"""A price book survives its JSON document; a bad document names the field that is wrong."""
import json
from datetime import date
from decimal import Decimal

import pytest

from models.pricing.book_documents import book_from_document, book_to_document
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList

BOOK = PriceBook(
    lists=(PriceList("CAT-USD", "USD", "catalogue", entries={"SKU-1": (PriceBreak(1, Decimal("20.00")),)}),
           PriceList("DST-EAST", "USD", "distributor", party="DST-EAST", name="East 2026",
                     valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31), base="CAT-USD",
                     discount_percent=Decimal("10"), tax_included=True, tolerance_percent=Decimal("2.5"),
                     entries={"SKU-1": (PriceBreak(100, discount_percent=Decimal("15")),
                                        PriceBreak(1, Decimal("19.00")))})),
    contracts=(ContractPrice("CUST-1", "SKU-1", "USD", Decimal("15.20"), reference="C-2026", min_quantity=10,
                             valid_to=date(2026, 6, 30)),),
    tolerance_percent=Decimal("1"))


def test_round_trip_through_json():
    document = json.loads(json.dumps(book_to_document(BOOK)))
    assert book_from_document(document) == BOOK
    assert document["lists"][1]["entries"]["SKU-1"][0] == {"min_quantity": 1, "price": "19.00"}
    assert document["contracts"][0]["valid_to"] == "2026-06-30"


def test_empty_document_is_an_empty_book():
    assert book_from_document({}) == PriceBook()


def _broken(change) -> dict:
    document = book_to_document(BOOK)
    change(document)
    return document


@pytest.mark.parametrize("change, message", [
    (lambda d: d["lists"][1]["entries"]["SKU-1"].__setitem__(0, {"min_quantity": 1, "price": "abc"}),
     "lists[1].entries.SKU-1[0].price: not an amount"),
    (lambda d: d["lists"][1]["entries"]["SKU-1"][0].update(discount_percent="5"),
     "lists[1].entries.SKU-1[0]: give either price or discount_percent"),
    (lambda d: d["lists"][0].update(valid_from="2026-13-01"), "lists[0].valid_from: not a date"),
    (lambda d: d["lists"][1].update(valid_to="2025-01-01"), "lists[1]: valid_to 2025-01-01 is before"),
    (lambda d: d["lists"][0].update(applies_to="planet"), "lists[0]: applies_to: one of"),
    (lambda d: d["lists"][0].update(discount_percent="120"), "lists[0].discount_percent: between 0 and 100"),
    (lambda d: d["lists"][0].pop("code"), "lists[0].code: required"),
    (lambda d: d["lists"][1].update(code="CAT-USD"), "lists: code CAT-USD appears more than once"),
    (lambda d: d["contracts"][0].update(min_quantity="10"), "contracts[0].min_quantity: not a whole number"),
    (lambda d: d["contracts"][0].update(price=None), "contracts[0].price: not an amount"),
    (lambda d: d.update(lists={}), "lists: not a list"),
])
def test_bad_document_names_the_field(change, message):
    with pytest.raises(ValueError, match=None) as raised:
        book_from_document(_broken(change))
    assert str(raised.value).startswith(message)


def test_not_an_object():
    with pytest.raises(ValueError, match="document: not an object"):
        book_from_document([])
