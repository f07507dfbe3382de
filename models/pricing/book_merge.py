"""Merging the rows of a price-list file into a price book: pure, so the import and its tests need no database.

A row names a list (or a contract, ``applies_to`` "contract") by ``list_code``. A row with a SKU upserts that SKU's
break at ``min_quantity``; a row without one sets the list's own discount off its base. The list's fields (name,
party, currency, base, validity, tax_included, tolerance) must agree between its rows; a cell left blank keeps what
the list has (or the default for a new list). Lists and contracts the file does not name are left as they are.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.pricing.book_edits import base_problem
from models.pricing.rules import ContractPrice, PriceBook, PriceBreak, PriceList

CONTRACT = "contract"
# Fields a list's rows share: the first row giving one sets it, another row giving a different value is refused.
LIST_FIELDS = ("applies_to", "party", "currency", "list_name", "base", "valid_from", "valid_to", "tax_included",
               "tolerance_percent")
_ALWAYS_GIVEN = ("applies_to", "party", "currency")  # a blank party is a value too (the catalogue's)
Reject = Callable[[int, str, str], None]  # (line, field, message)


@dataclass(frozen=True)
class KnownCodes:
    """The codes the database knows, for the rows to name."""

    skus: frozenset[str]
    buyers: frozenset[str]  # customers and distributors: who may have a customer list or a contract
    distributors: frozenset[str]


@dataclass
class MergeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, before, after) -> None:
        if before is None:
            self.created += 1
        elif before == after:
            self.unchanged += 1
        else:
            self.updated += 1


@dataclass
class _Group:
    code: str
    rows: list[tuple[int, dict]] = field(default_factory=list)
    fields: dict = field(default_factory=dict)
    outcomes: list[tuple] = field(default_factory=list)  # (before, after) per row written, counted once it stays


def merge_price_rows(book: PriceBook, rows: Iterable[tuple[int, dict]], known: KnownCodes,
                     reject: Reject) -> tuple[PriceBook, MergeCounts]:
    """``book`` with the good ``rows`` (line, loaded row) merged in; every bad row reported through ``reject``."""
    counts = MergeCounts()
    lists = {price_list.code: price_list for price_list in book.lists}
    contracts = list(book.contracts)
    references = {contract.reference for contract in contracts}
    touched: dict[str, _Group] = {}
    for group in _groups(rows, reject):
        if not _group_usable(group, known, lists, references, reject):
            continue
        entry_rows = _known_rows(group, known, reject)
        if not entry_rows:
            continue
        if group.fields["applies_to"] == CONTRACT:
            contracts = _merge_contracts(contracts, group, entry_rows, counts)
            continue
        merged = _merged_list(lists.get(group.code), group, entry_rows, reject)
        if merged is not None:
            lists[group.code] = merged
            touched[group.code] = group
    _refuse_bad_bases(lists, touched, {pl.code: pl for pl in book.lists}, reject)
    for group in touched.values():
        for before, after in group.outcomes:
            counts.count(before, after)
    order = [pl.code for pl in book.lists] + [code for code in lists if book.list_by_code(code) is None]
    return PriceBook(tuple(lists[code] for code in order if code in lists), tuple(contracts),
                     book.tolerance_percent), counts


def _groups(rows: Iterable[tuple[int, dict]], reject: Reject) -> list[_Group]:
    """Rows by list code, each list's fields agreed; a row disagreeing with an earlier one is refused."""
    groups: dict[str, _Group] = {}
    given_at: dict[tuple[str, str], int] = {}
    for line, data in rows:
        group = groups.setdefault(data["list_code"], _Group(data["list_code"]))
        clash = None
        for name in LIST_FIELDS:
            value = data.get(name)
            if value is None and name not in _ALWAYS_GIVEN:
                continue
            if name in group.fields and group.fields[name] != value:
                clash = name
                break
        if clash:
            first = given_at[(group.code, clash)]
            reject(line, clash, TextMessage(Text(
                "list %(code)s has %(given)s in row %(first)s, not %(value)s: a list's fields must agree between its "
                "rows", code=group.code, given=_shown(group.fields[clash]), first=first,
                value=_shown(data.get(clash)))))
            continue
        for name in LIST_FIELDS:
            if (data.get(name) is not None or name in _ALWAYS_GIVEN) and name not in group.fields:
                group.fields[name] = data.get(name)
                given_at[(group.code, name)] = line
        group.rows.append((line, data))
    return list(groups.values())


def _group_usable(group: _Group, known: KnownCodes, lists: dict[str, PriceList], references: set[str],
                  reject: Reject) -> bool:
    applies_to, party = group.fields["applies_to"], group.fields["party"]
    problem = None
    if applies_to in ("customer", CONTRACT) and party not in known.buyers:
        problem = ("party", TextMessage(Text("unknown customer %(code)s", code=repr(party))))
    elif applies_to == "distributor" and party not in known.distributors:
        problem = ("party", TextMessage(Text("unknown distributor %(code)s", code=repr(party))))
    elif applies_to == CONTRACT and group.code in lists:
        problem = ("list_code", TextMessage(Text("%(code)s is a price list, not a contract", code=group.code)))
    elif applies_to != CONTRACT and group.code in references:
        problem = ("list_code", TextMessage(Text("%(code)s is a contract, not a price list", code=group.code)))
    if problem:
        for line, _ in group.rows:
            reject(line, *problem)
    return problem is None


def _known_rows(group: _Group, known: KnownCodes, reject: Reject) -> list[tuple[int, dict]]:
    """The group's rows naming a known SKU, once each (SKU and min_quantity)."""
    kept, seen = [], {}
    for line, data in group.rows:
        sku = data.get("sku")
        key = (sku, data.get("min_quantity", 1))
        if sku is not None and sku not in known.skus:
            reject(line, "sku", TextMessage(Text("unknown SKU %(sku)s", sku=repr(sku))))
        elif key in seen:
            what = Text("%(sku)s from %(num)s units", sku=sku, num=key[1]) if sku else Text("the list's own discount")
            reject(line, "sku" if sku else "discount_percent",
                   TextMessage(Text("%(what)s is already in row %(row)s", what=what, row=seen[key])))
        else:
            seen[key] = line
            kept.append((line, data))
    return kept


def _merged_list(current: PriceList | None, group: _Group, rows: list[tuple[int, dict]],
                 reject: Reject) -> PriceList | None:
    given = group.fields
    values = dict(code=group.code, currency=given["currency"], applies_to=given["applies_to"],
                  party=given["party"] or "")
    for name, attr in (("list_name", "name"), ("base", "base"), ("valid_from", "valid_from"),
                       ("valid_to", "valid_to"), ("tax_included", "tax_included"),
                       ("tolerance_percent", "tolerance_percent")):
        if given.get(name) is not None:
            values[attr] = given[name]
        elif current is not None:
            values[attr] = getattr(current, attr)
    base = values.get("base")
    entries = {sku: list(breaks) for sku, breaks in (current.entries if current else {}).items()}
    discount = current.discount_percent if current else Decimal(0)
    outcomes = group.outcomes
    for line, data in rows:
        if data.get("discount_percent") is not None and base is None:
            reject(line, "discount_percent", TextMessage(Text("list %(code)s has no base list to take a discount off",
                                                              code=group.code)))
            continue
        if data.get("sku") is None:
            outcomes.append((current.discount_percent if current else None, data["discount_percent"]))
            discount = data["discount_percent"]
            continue
        brk = PriceBreak(data.get("min_quantity", 1), data.get("price"), data.get("discount_percent"))
        breaks = entries.setdefault(data["sku"], [])
        before = next((b for b in breaks if b.min_quantity == brk.min_quantity), None)
        entries[data["sku"]] = [b for b in breaks if b.min_quantity != brk.min_quantity] + [brk]
        outcomes.append((before, brk))
    try:
        merged = PriceList(discount_percent=discount, entries=entries, **values)
    except ValueError as exc:  # e.g. a new valid_to before the valid_from the list already has
        for line, _ in rows:
            reject(line, "valid_to" if "valid_" in str(exc) else "list_code", exc.args[0] if exc.args else str(exc))
        outcomes.clear()
        return None
    return merged


def _merge_contracts(contracts: list[ContractPrice], group: _Group, rows: list[tuple[int, dict]],
                     counts: MergeCounts) -> list[ContractPrice]:
    given = group.fields
    by_key = {(c.reference, c.customer, c.currency, c.sku, c.min_quantity): c for c in contracts}
    for _line, data in rows:
        contract = ContractPrice(
            customer=given["party"], sku=data["sku"], currency=given["currency"], price=data["price"],
            reference=group.code, min_quantity=data.get("min_quantity", 1), valid_from=given.get("valid_from"),
            valid_to=given.get("valid_to"), tax_included=bool(given.get("tax_included")),
            tolerance_percent=given.get("tolerance_percent"))
        key = (contract.reference, contract.customer, contract.currency, contract.sku, contract.min_quantity)
        counts.count(by_key.get(key), contract)
        by_key[key] = contract
    return list(by_key.values())


def _refuse_bad_bases(lists: dict[str, PriceList], touched: dict[str, _Group], before: dict[str, PriceList],
                      reject: Reject) -> None:
    """Undo each named list whose base is unknown, in another currency or leads back to itself; repeat, as an
    undone list may be another's base."""
    while True:
        book = PriceBook(tuple(lists.values()))
        bad = {code: problem for code in touched if (problem := base_problem(book, code))}
        if not bad:
            return
        for code, problem in bad.items():
            for line, _ in touched.pop(code).rows:
                reject(line, "base", problem)
            if code in before:
                lists[code] = before[code]
            else:
                del lists[code]


def _shown(value) -> Text | str:
    return Text("nothing") if value in (None, "") else repr(str(value))

