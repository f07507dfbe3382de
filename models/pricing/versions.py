"""The price book's versions: every import or edit records the whole book as a new version (who, when, note); the
newest is in force, and a price decision names the version it used."""
from __future__ import annotations

import json
from dataclasses import dataclass

from models.core.db import database, is_sqlite
from models.core.errors import RuleSetChanged
from models.core.registry import register_tables
from models.core.rule_set_versions import RuleSetVersion, save_rule_set
from models.pricing.book_documents import book_from_document, book_to_document
from models.pricing.rules import PriceBook

# Parsed books by (version id, saved at): a caller reads only the newest version's id, parsing each version once.
_BOOKS: dict[tuple[int, object], PriceBook] = {}


class PriceBookVersion(RuleSetVersion):
    """One version of the whole price book; the newest row is the one in force."""

    class Meta:
        table_name = "price_book_version"

    @property
    def book(self) -> PriceBook:
        return book_from_document(json.loads(self.document_json))


@dataclass(frozen=True)
class _BookDocument:
    book: PriceBook

    def to_document(self) -> dict:
        return book_to_document(self.book)


def price_book_in_force() -> tuple[int | None, PriceBook]:
    """The newest price book version id and its book; (None, an empty book) before the first is saved."""
    newest = (PriceBookVersion.select(PriceBookVersion.id, PriceBookVersion.created_at)
              .order_by(PriceBookVersion.id.desc()).limit(1).tuples().first())
    if newest is None:
        return None, PriceBook()
    book = _BOOKS.get(newest)
    if book is None:
        if len(_BOOKS) > 16:
            _BOOKS.clear()
        book = _BOOKS[newest] = PriceBookVersion.get_by_id(newest[0]).book
    return newest[0], book


def price_book_version(version_id: int) -> PriceBook:
    """The book of one recorded version (a decision's), parsed once like the one in force."""
    row = PriceBookVersion.get_by_id(version_id)
    key = (row.id, row.created_at)
    if key not in _BOOKS:
        _BOOKS[key] = row.book
    return _BOOKS[key]


def save_price_book(book: PriceBook, *, expected_version: int | None, actor: str,
                    note: str = "") -> PriceBookVersion:
    """Record ``book`` as the next version if the newest is still ``expected_version`` (None: there is none yet),
    else raise RuleSetChanged."""
    if expected_version is not None:
        return save_rule_set(PriceBookVersion, _BookDocument(book), expected_version=expected_version,
                             actor=actor, note=note)
    with database.atomic("IMMEDIATE") if is_sqlite() else database.atomic():
        PriceBookVersion.lock_versions()
        newest = PriceBookVersion.newest()
        if newest is not None:
            raise RuleSetChanged(expected_version, newest)
        return PriceBookVersion.record(_BookDocument(book), actor=actor, note=note)


register_tables(PriceBookVersion)
