"""Each save of the price book is a new version; the newest is in force; a stale save is refused."""
from decimal import Decimal

import pytest

from models.core.errors import RuleSetChanged
from models.pricing.rules import PriceBook, PriceBreak, PriceList
from models.pricing.versions import (
    PriceBookVersion,
    price_book_in_force,
    price_book_version,
    save_price_book,
)


def _book(price: str) -> PriceBook:
    return PriceBook((PriceList("CAT", "USD", "catalogue", entries={"A": (PriceBreak(1, Decimal(price)),)}),))


def test_no_version_yet_is_an_empty_book(any_db):
    assert price_book_in_force() == (None, PriceBook())


def test_saves_become_versions_in_force(any_db):
    first = save_price_book(_book("10"), expected_version=None, actor="ops@x", note="import")
    assert price_book_in_force() == (first.id, _book("10"))
    second = save_price_book(_book("11"), expected_version=first.id, actor="ops@y", note="edit")
    assert price_book_in_force() == (second.id, _book("11"))
    assert price_book_version(first.id) == _book("10")
    assert [(v.created_by, v.note) for v in PriceBookVersion.select().order_by(PriceBookVersion.id)] == [
        ("ops@x", "import"), ("ops@y", "edit")]


def test_stale_save_is_refused(any_db):
    first = save_price_book(_book("10"), expected_version=None, actor="a")
    with pytest.raises(RuleSetChanged):
        save_price_book(_book("12"), expected_version=None, actor="b")
    save_price_book(_book("11"), expected_version=first.id, actor="a")
    with pytest.raises(RuleSetChanged):
        save_price_book(_book("12"), expected_version=first.id, actor="b")
    assert price_book_in_force()[1] == _book("11")
