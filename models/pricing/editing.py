"""Editing the price book in force: apply one edit to the newest book and save the result as the next version,
against the version the editor saw (RuleSetChanged when someone saved in between)."""
from __future__ import annotations

from collections.abc import Callable

from models.core.errors import ValidationFailed
from models.core.text_messages import TextMessage, split_field_problem
from models.core.texts import Text
from models.inventory.tables import Product
from models.partners.tables import Partner
from models.pricing.rules import PriceBook
from models.pricing.versions import (
    PriceBookVersion,
    price_book_in_force,
    save_price_book,
)


def edit_price_book(edit: Callable[[PriceBook], PriceBook], *, expected_version: int | None, actor: str,
                    note: str) -> PriceBookVersion | None:
    """Save ``edit(book in force)`` as the next version; None when it changes nothing. ValidationFailed naming
    the field when the edit is refused (its ValueError reads "field: why")."""
    _, book = price_book_in_force()
    try:
        edited = edit(book)
    except ValueError as exc:
        field, message = split_field_problem(exc.args[0] if exc.args else str(exc))
        raise ValidationFailed({field or "book": [message]}) from None
    if edited == book:
        return None
    return save_price_book(edited, expected_version=expected_version, actor=actor, note=note)


def party_problem(applies_to: str, party: str) -> str | None:
    """Why ``party`` cannot be the party of a list that ``applies_to`` it, or None."""
    if applies_to == "catalogue":
        return TextMessage(Text("a catalogue list has no party; leave it blank")) if party else None
    if not party:
        return TextMessage(Text("name the %(applies_to)s this list is for", applies_to=applies_to))
    if applies_to == "group":
        return None
    kinds = ("distributor",) if applies_to == "distributor" else ("customer", "distributor")
    if not Partner.select().where(Partner.code == party, Partner.kind.in_(kinds)).exists():
        return TextMessage(Text("unknown %(applies_to)s %(party)s", applies_to=applies_to, party=repr(party)))
    return None


def unknown_sku(sku: str) -> str | None:
    if Product.select().where(Product.sku == sku).exists():
        return None
    return TextMessage(Text("unknown SKU %(sku)s", sku=repr(sku)))
