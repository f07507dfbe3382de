"""Edits of one price book into the next: a list's fields, a SKU's break, removing a break, a list or a contract
price. Pure; each returns a new book or raises ValueError naming the field, and never leaves a list whose base
is unknown, in another currency or circular."""
from __future__ import annotations

from dataclasses import replace

from models.core.text_messages import TextMessage, field_problem
from models.pricing.rules import PriceBook, PriceBreak, PriceList

LIST_EDITABLE = ("name", "applies_to", "party", "currency", "valid_from", "valid_to", "base", "discount_percent",
                 "tax_included", "tolerance_percent")


def put_list(book: PriceBook, price_list: PriceList, *, replacing: str | None = None) -> PriceBook:
    """``book`` with ``price_list`` added, or in place of the list ``replacing`` (its entries kept as given)."""
    if replacing is None and book.list_by_code(price_list.code) is not None:
        raise ValueError(f"code: a list {price_list.code} exists already")
    if replacing is not None and book.list_by_code(replacing) is None:
        raise ValueError(f"code: no list {replacing}")
    lists = [price_list if pl.code == replacing else pl for pl in book.lists]
    if replacing is None:
        lists.append(price_list)
    edited = replace(book, lists=tuple(lists))
    _check_bases(edited)
    return edited


def set_list_fields(book: PriceBook, code: str, **fields) -> PriceBook:
    """``book`` with the fields of list ``code`` changed (the names in LIST_EDITABLE)."""
    unknown = sorted(set(fields) - set(LIST_EDITABLE))
    if unknown:
        raise ValueError(f"{unknown[0]}: not a field of a price list")
    return put_list(book, _build(replace, _list(book, code), **fields), replacing=code)


def put_break(book: PriceBook, code: str, sku: str, brk: PriceBreak) -> PriceBook:
    """``book`` with ``sku``'s break at ``brk.min_quantity`` in list ``code`` set to ``brk``."""
    price_list = _list(book, code)
    if brk.discount_percent is not None and price_list.base is None:
        raise ValueError(f"discount_percent: list {code} has no base list to take a discount off")
    entries = dict(price_list.entries)
    entries[sku] = tuple(b for b in entries.get(sku, ()) if b.min_quantity != brk.min_quantity) + (brk,)
    return put_list(book, replace(price_list, entries=entries), replacing=code)


def remove_break(book: PriceBook, code: str, sku: str, min_quantity: int) -> PriceBook:
    price_list = _list(book, code)
    breaks = tuple(b for b in price_list.entries.get(sku, ()) if b.min_quantity != min_quantity)
    if len(breaks) == len(price_list.entries.get(sku, ())):
        raise ValueError(f"sku: list {code} has no break for {sku} from {min_quantity} units")
    entries = {name: rows for name, rows in price_list.entries.items() if name != sku}
    if breaks:
        entries[sku] = breaks
    return put_list(book, replace(price_list, entries=entries), replacing=code)


def remove_list(book: PriceBook, code: str) -> PriceBook:
    _list(book, code)
    users = sorted(pl.code for pl in book.lists if pl.base == code)
    if users:
        raise ValueError(f"code: list {code} is the base of {', '.join(users)}; change or remove those first")
    return replace(book, lists=tuple(pl for pl in book.lists if pl.code != code))


def remove_contract(book: PriceBook, index: int) -> PriceBook:
    if not 0 <= index < len(book.contracts):
        raise ValueError(f"contract: no contract price {index}")
    return replace(book, contracts=book.contracts[:index] + book.contracts[index + 1:])


def base_problem(book: PriceBook, code: str) -> str | None:
    """Why list ``code``'s base chain cannot price (unknown, another currency, a circle), or None."""
    price_list, seen = book.list_by_code(code), [code]
    while price_list is not None and price_list.base is not None:
        base = book.list_by_code(price_list.base)
        if base is None:
            return f"unknown base list {price_list.base!r}"
        if base.currency != price_list.currency:
            return f"base list {base.code} is in {base.currency}, not {price_list.currency}"
        if base.code in seen:
            return f"base lists go round in a circle: {' → '.join([*seen, base.code])}"
        seen.append(base.code)
        price_list = base
    return None


def _check_bases(book: PriceBook) -> None:
    for price_list in book.lists:
        problem = base_problem(book, price_list.code)
        if problem:
            raise ValueError(f"base: {problem}")


def _list(book: PriceBook, code: str) -> PriceList:
    price_list = book.list_by_code(code)
    if price_list is None:
        raise ValueError(f"code: no list {code}")
    return price_list


def _build(make, *args, **kwargs):
    try:
        return make(*args, **kwargs)
    except ValueError as exc:  # the list's own checks ("valid_to … is before valid_from …")
        message = exc.args[0] if exc.args else str(exc)
        if ":" in str(message).split(" ")[0]:
            raise ValueError(message) from None
        if isinstance(message, TextMessage):
            raise ValueError(field_problem("valid_to", message.text)) from None
        raise ValueError(f"valid_to: {message}") from None
