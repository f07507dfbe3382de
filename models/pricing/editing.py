"""Editing the price book in force: apply one edit to the newest book and save the result as the next version,
against the version the editor saw (RuleSetChanged when someone saved in between)."""
from __future__ import annotations

from collections.abc import Callable

from models.core.errors import ValidationFailed
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
        field, _, message = str(exc).partition(": ")
        raise ValidationFailed({field if message else "book": [message or field]}) from None
    if edited == book:
        return None
    return save_price_book(edited, expected_version=expected_version, actor=actor, note=note)


def party_problem(applies_to: str, party: str) -> str | None:
    """Why ``party`` cannot be the party of a list that ``applies_to`` it, or None."""
    if applies_to == "catalogue":
        return "a catalogue list has no party; leave it blank" if party else None
    if not party:
        return f"name the {applies_to} this list is for"
    if applies_to == "group":
        return None
    kinds = ("distributor",) if applies_to == "distributor" else ("customer", "distributor")
    if not Partner.select().where(Partner.code == party, Partner.kind.in_(kinds)).exists():
        return f"unknown {applies_to} {party!r}"
    return None


def unknown_sku(sku: str) -> str | None:
    return None if Product.select().where(Product.sku == sku).exists() else f"unknown SKU {sku!r}"
