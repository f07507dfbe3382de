"""A price book as a JSON document and back: money and percentages as strings, dates as ISO text.

Reading a document checks every field; a ValueError names the field's path ("lists[2].entries.SKU-1[0].price:
not an amount"), so a bad stored version or a bad API body says where it is wrong.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList


def book_to_document(book: PriceBook) -> dict:
    return {"tolerance_percent": _text(book.tolerance_percent),
            "lists": [_list_document(price_list) for price_list in book.lists],
            "contracts": [_contract_document(contract) for contract in book.contracts]}


def book_from_document(doc: Any) -> PriceBook:
    """The price book ``doc`` describes; ValueError naming the field path when it is not one."""
    doc = _mapping(doc, "")
    lists = tuple(_list_from(item, f"lists[{i}]") for i, item in enumerate(_sequence(doc.get("lists", []), "lists")))
    contracts = tuple(_contract_from(item, f"contracts[{i}]")
                      for i, item in enumerate(_sequence(doc.get("contracts", []), "contracts")))
    codes = [price_list.code for price_list in lists]
    duplicate = next((code for code in codes if codes.count(code) > 1), None)
    if duplicate is not None:
        raise ValueError(f"lists: code {duplicate} appears more than once")
    tolerance = _amount(doc.get("tolerance_percent", "0"), "tolerance_percent", percent=True)
    return PriceBook(lists, contracts, tolerance)


def _list_document(price_list: PriceList) -> dict:
    return {"code": price_list.code, "name": price_list.name, "currency": price_list.currency,
            "applies_to": price_list.applies_to, "party": price_list.party,
            "valid_from": _day_text(price_list.valid_from), "valid_to": _day_text(price_list.valid_to),
            "base": price_list.base, "discount_percent": _text(price_list.discount_percent),
            "tax_included": price_list.tax_included, "tolerance_percent": _text(price_list.tolerance_percent),
            "entries": {sku: [_break_document(brk) for brk in breaks]
                        for sku, breaks in sorted(price_list.entries.items())}}


def _break_document(brk: PriceBreak) -> dict:
    if brk.price is not None:
        return {"min_quantity": brk.min_quantity, "price": _text(brk.price)}
    return {"min_quantity": brk.min_quantity, "discount_percent": _text(brk.discount_percent)}


def _contract_document(contract: ContractPrice) -> dict:
    return {"customer": contract.customer, "sku": contract.sku, "currency": contract.currency,
            "price": _text(contract.price), "reference": contract.reference, "min_quantity": contract.min_quantity,
            "valid_from": _day_text(contract.valid_from), "valid_to": _day_text(contract.valid_to),
            "tax_included": contract.tax_included, "tolerance_percent": _text(contract.tolerance_percent)}


def _list_from(item: Any, path: str) -> PriceList:
    item = _mapping(item, path)
    entries_doc = _mapping(item.get("entries", {}), f"{path}.entries")
    entries = {}
    for sku, rows in entries_doc.items():
        where = f"{path}.entries.{sku}"
        entries[_str(sku, where, required=True)] = tuple(
            _break_from(row, f"{where}[{j}]") for j, row in enumerate(_sequence(rows, where)))
    base = item.get("base")
    fields = dict(
        code=_str(item.get("code"), f"{path}.code", required=True),
        name=_str(item.get("name", ""), f"{path}.name"),
        currency=_str(item.get("currency"), f"{path}.currency", required=True),
        applies_to=_str(item.get("applies_to"), f"{path}.applies_to", required=True),
        party=_str(item.get("party", ""), f"{path}.party"),
        valid_from=_day(item.get("valid_from"), f"{path}.valid_from"),
        valid_to=_day(item.get("valid_to"), f"{path}.valid_to"),
        base=None if base in (None, "") else _str(base, f"{path}.base"),
        discount_percent=_amount(item.get("discount_percent", "0"), f"{path}.discount_percent", percent=True),
        tax_included=_bool(item.get("tax_included", False), f"{path}.tax_included"),
        tolerance_percent=_optional_percent(item.get("tolerance_percent"), f"{path}.tolerance_percent"),
        entries=entries)
    return _build(PriceList, fields, path)


def _break_from(row: Any, path: str) -> PriceBreak:
    row = _mapping(row, path)
    price, discount = row.get("price"), row.get("discount_percent")
    if (price is None) == (discount is None):
        raise ValueError(f"{path}: give either price or discount_percent")
    return _build(PriceBreak, dict(
        min_quantity=_int(row.get("min_quantity", 1), f"{path}.min_quantity"),
        price=None if price is None else _amount(price, f"{path}.price"),
        discount_percent=None if discount is None else _amount(discount, f"{path}.discount_percent", percent=True),
    ), path)


def _contract_from(item: Any, path: str) -> ContractPrice:
    item = _mapping(item, path)
    return _build(ContractPrice, dict(
        customer=_str(item.get("customer"), f"{path}.customer", required=True),
        sku=_str(item.get("sku"), f"{path}.sku", required=True),
        currency=_str(item.get("currency"), f"{path}.currency", required=True),
        price=_amount(item.get("price"), f"{path}.price"),
        reference=_str(item.get("reference", ""), f"{path}.reference"),
        min_quantity=_int(item.get("min_quantity", 1), f"{path}.min_quantity"),
        valid_from=_day(item.get("valid_from"), f"{path}.valid_from"),
        valid_to=_day(item.get("valid_to"), f"{path}.valid_to"),
        tax_included=_bool(item.get("tax_included", False), f"{path}.tax_included"),
        tolerance_percent=_optional_percent(item.get("tolerance_percent"), f"{path}.tolerance_percent"),
    ), path)


def _build(kind, fields: dict, path: str):
    try:
        return kind(**fields)
    except ValueError as exc:  # the dataclass's own checks, given the path they are about
        raise ValueError(f"{path}: {exc}") from None


def _mapping(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{path or 'document'}: not an object")
    return value


def _sequence(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{path}: not a list")
    return value


def _str(value: Any, path: str, *, required: bool = False) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValueError(f"{path}: {'required' if required and value in (None, '') else 'not text'}")
    return value.strip()


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{path}: not a whole number")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{path}: not true or false")
    return value


def _amount(value: Any, path: str, *, percent: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{path}: not {'a percentage' if percent else 'an amount'}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{path}: not {'a percentage' if percent else 'an amount'}") from None
    if not amount.is_finite() or amount < 0 or (percent and amount > 100):
        raise ValueError(f"{path}: {'between 0 and 100' if percent else 'not an amount'}")
    return amount


def _optional_percent(value: Any, path: str) -> Decimal | None:
    return None if value in (None, "") else _amount(value, path, percent=True)


def _day(value: Any, path: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: not a date (YYYY-MM-DD)") from None


def _day_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")
