"""Checking import rows: each row's own fields with the marshmallow row schema, customers and SKUs
against caches loaded once, then each order's rows together (header fields agree, each SKU once)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from marshmallow import ValidationError, missing
from marshmallow.fields import Field

from schemas.order_rows import HEADER_FIELDS, ImportRowSchema

MAX_LINES_PER_ORDER = 500
CACHE_LIMIT = 50_000  # cell texts per field
HEADER_CACHE_LIMIT = 4096  # whole headers (~2 KB each); an order's rows usually sit together
SEPARATOR = "\x1f"

# Each field of the row schema is a pure function of its own cell (the schema has no schema-level
# validators), so its result is memoised per (field, cell text): cells repeat a lot (quantities, SKUs,
# an order's header on each of its lines), and a whole Schema.load per row profiled at ~140 µs.
# The schema's fields still decide every value and every message.
_row_schema = ImportRowSchema()
_FIELDS = tuple(_row_schema.fields.items())


@dataclass(frozen=True)
class RowProblem:
    row: int
    external_ref: str
    field: str
    message: str


@dataclass(frozen=True)
class Customer:
    id: int
    distributor_id: int | None


@dataclass(frozen=True)
class Product:
    id: int
    sku: str
    unit_price: Decimal
    currency: str


@dataclass(frozen=True)
class CheckedLine:
    header: str  # the order's validated header fields joined by SEPARATOR, compared across rows
    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal


class _FieldMemo:
    """A schema field's result (value, or error messages) by cell text; cleared when it grows too big."""

    def __init__(self, field: Field) -> None:
        self.field, self.seen = field, {}

    def load(self, text):
        found = self.seen.get(text)
        if found is None:
            try:
                found = (self.field.deserialize(text), None)
            except ValidationError as exc:
                found = (None, exc.messages)
            if len(self.seen) >= CACHE_LIMIT:
                self.seen.clear()
            self.seen[text] = found
        return found


class RowChecker:
    """Checks one row at a time for one upload; ``distributor_id`` None means ops (any buyer)."""

    def __init__(self, customers: dict[str, Customer], products: dict[str, Product],
                 distributor: tuple[int, str] | None) -> None:
        self.customers, self.products, self.distributor = customers, products, distributor
        self._line_memos = [(name, _FieldMemo(field)) for name, field in _FIELDS if name not in HEADER_FIELDS]
        self._header_memos = [(name, _FieldMemo(_row_schema.fields[name])) for name in HEADER_FIELDS]
        self._headers: dict[tuple, tuple[dict, dict, str]] = {}

    def check(self, row_no: int, row: dict[str, str]) -> CheckedLine | list[RowProblem]:
        ref = row.get("external_ref", "")
        header, header_messages, header_key = self._header(tuple(row.get(name, missing) for name in HEADER_FIELDS))
        values, messages = dict(header), dict(header_messages)
        for name, memo in self._line_memos:
            value, errors = memo.load(row.get(name, missing))
            if errors:
                messages[name] = errors
            values[name] = value
        if not messages:
            messages = self._references(values)
        if messages:
            return [RowProblem(row_no, ref, field, "; ".join(_flat(text))) for field, text in messages.items()]
        product = self.products[values["sku"]]
        price = product.unit_price if values["unit_price"] is None else values["unit_price"]
        return CheckedLine(header=header_key, product_id=product.id, sku=product.sku,
                           quantity=values["quantity"], unit_price=price)

    def _header(self, cells: tuple) -> tuple[dict, dict, str]:
        """The order header fields of a row (values, messages, joined key), memoised on its cells."""
        found = self._headers.get(cells)
        if found is None:
            values, messages = {}, {}
            for (name, memo), text in zip(self._header_memos, cells):
                values[name], errors = memo.load(text)
                if errors:
                    messages[name] = errors
            found = (values, messages, "" if messages else _header_key(values))
            if len(self._headers) >= HEADER_CACHE_LIMIT:
                self._headers.clear()
            self._headers[cells] = found
        return found

    def _references(self, values: dict) -> dict[str, str]:
        """Customer known and orderable by this uploader, SKU known, a price in the order's currency."""
        code, sku = values["customer_code"], values["sku"]
        customer = self.customers.get(code)
        if customer is None:
            return {"customer_code": f"unknown customer {code!r}"}
        if self.distributor and self.distributor[0] not in (customer.id, customer.distributor_id):
            return {"customer_code": f"customer {code!r} is not served by {self.distributor[1]}"}
        product = self.products.get(sku)
        if product is None:
            return {"sku": f"unknown SKU {sku!r}"}
        if values["unit_price"] is None and product.currency != values["currency"]:
            return {"unit_price": f"required: the catalogue price of {sku} is in {product.currency}, "
                                  f"the order in {values['currency']}"}
        return {}


def order_problems(ref: str, lines: list[tuple]) -> list[RowProblem]:
    """Problems between the rows of one order: (ref, row, header, product_id, sku, quantity, price, bad)."""
    first_row, first_header = lines[0][1], lines[0][2]
    problems, seen_skus = [], {}
    for _, row, header, _, sku, _, _, _ in lines:
        if header != first_header:
            for name, mine, theirs in zip(HEADER_FIELDS, header.split(SEPARATOR), first_header.split(SEPARATOR)):
                if mine != theirs:
                    problems.append(RowProblem(row, ref, name, f"{mine!r} conflicts with {theirs!r} on row "
                                                               f"{first_row} of the same order"))
        if sku in seen_skus:
            problems.append(RowProblem(row, ref, "sku", f"{sku} is already on row {seen_skus[sku]} of this order"))
        seen_skus.setdefault(sku, row)
    if len(lines) > MAX_LINES_PER_ORDER:
        problems.append(RowProblem(lines[MAX_LINES_PER_ORDER][1], ref, "external_ref",
                                   f"an order has at most {MAX_LINES_PER_ORDER} lines"))
    return problems


def header_values(header: str) -> dict[str, str]:
    """The header fields back from their joined form (dates as ISO text, "" for none)."""
    return dict(zip(HEADER_FIELDS, header.split(SEPARATOR)))


def _header_key(header: dict) -> str:
    return SEPARATOR.join("" if header[name] is None else str(header[name]) for name in HEADER_FIELDS)


def _flat(messages) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flat(value)]
    return [text for value in messages for text in _flat(value)]
