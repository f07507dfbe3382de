"""Checking import rows: each row's own fields with the marshmallow row schema, customers and SKUs
against caches loaded once, then each order's rows together (header fields agree, each SKU once)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter

from marshmallow import Schema, ValidationError, missing
from marshmallow.fields import Field

from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake.file_import.fields import HEADER_FIELDS, IMPORT_FIELDS

MAX_LINES_PER_ORDER = 500
CACHE_LIMIT = 50_000  # cell texts per field
HEADER_CACHE_LIMIT = 4096  # whole headers (~2 KB each); an order's rows usually sit together
ZERO_PRICE = Decimal("0.00")  # a line given no price, its catalogue price in another currency: review prices it
SEPARATOR = "\x1f"

# Each field of the row schema is a pure function of its own cell (the schema must have no schema-level
# validators), so its result is memoised per (field, cell text): cells repeat a lot (quantities, SKUs,
# an order's header on each of its lines), and a whole Schema.load per row profiled at ~140 µs.
# The schema's fields still decide every value and every message.


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


class _FieldMemo:
    """A schema field's result (value, or error messages) by cell text; cleared when it grows too big."""

    def __init__(self, field: Field) -> None:
        self.field, self.seen = field, {}

    def load(self, text):
        """The (value, messages) of a cell text, memoised; "" is a cell left empty."""
        found = self.seen.get(text)
        if found is None:
            try:
                found = (self.field.deserialize(text or missing), None)
            except ValidationError as exc:
                found = (None, exc.messages)
            if len(self.seen) >= CACHE_LIMIT:
                self.seen.clear()
            self.seen[text] = found
        return found


class RowChecker:
    """Checks one row at a time for one upload; ``distributor_id`` None means ops (any buyer).

    A row arrives as the reader's list of cells; ``columns`` says which cell holds which field, and
    ``row_schema`` (the boundary's order row schema) has a field for each. The header fields of a row
    are memoised together on their raw cells (an order repeats them on each of its lines), with the
    customer check, so a typical row costs four field look-ups and one dict hit.
    """

    def __init__(self, customers: dict[str, Customer], products: dict[str, Product],
                 distributor: tuple[int, str] | None, columns: list[tuple[int, str]], *, row_schema: Schema) -> None:
        self.customers, self.products, self.distributor = customers, products, distributor
        fields = _row_fields(row_schema)
        self._line_memos = [(name, _FieldMemo(field)) for name, field in fields.items() if name not in HEADER_FIELDS]
        # A cell text seen before costs one dict look-up, without a call of load.
        self._line_lookups = [(memo.seen.get, memo.load) for _, memo in self._line_memos]
        self._header_memos = [(name, _FieldMemo(fields[name])) for name in HEADER_FIELDS]
        self._headers: dict[tuple, _Header] = {}
        index_of = {name: index for index, name in columns}
        # An absent column reads the cell just past the last mapped one, "" once a row is padded to it.
        absent = max((index for index, _ in columns), default=-1) + 1
        line_names = [name for name, _ in self._line_memos]
        self._absent = absent if len(index_of) < len(line_names) + len(HEADER_FIELDS) else None
        self._width = absent
        self._line_cells = itemgetter(*[index_of.get(name, absent) for name in line_names])
        self._header_cells = itemgetter(*[index_of.get(name, absent) for name in HEADER_FIELDS])
        self._ref_at, self._sku_at = line_names.index("external_ref"), line_names.index("sku")
        self._quantity_at, self._price_at = line_names.index("quantity"), line_names.index("unit_price")
        self._padding = [""] * (absent + 1)

    def check_cells(self, row_no: int, cells: list[str]):
        """None for a blank row; else (ref, problems) for a bad row, or (ref, header key, product id,
        sku, quantity, unit price, price given) for a good one; a line given no price holds intake's placeholder
        (models.intake.entry.placeholder_price) for review to replace."""
        if self._absent is not None:  # cut, so that an unmapped column there does not show through
            cells = cells[:self._absent]
            cells += self._padding[len(cells):]
        elif len(cells) < self._width:
            cells = cells + self._padding[len(cells):self._width]
        header = self._headers.get(raw := self._header_cells(cells))
        if header is None:
            header = self._header(raw)
        texts = [cell.strip() for cell in self._line_cells(cells)]
        if header.blank and not any(texts):
            return None
        ref = texts[self._ref_at]
        loaded = [get(text) or load(text) for (get, load), text in zip(self._line_lookups, texts)]
        if header.messages or header.customer_problem or any(errors for _, errors in loaded):
            return ref, self._problems(row_no, ref, header, loaded)
        sku, price = loaded[self._sku_at][0], loaded[self._price_at][0]
        product = self.products.get(sku)
        if product is None:
            return ref, self._problems(row_no, ref, header, loaded)
        if price is not None:
            return ref, header.key, product.id, product.sku, loaded[self._quantity_at][0], price, True
        placeholder = product.unit_price if product.currency == header.values["currency"] else ZERO_PRICE
        return ref, header.key, product.id, product.sku, loaded[self._quantity_at][0], placeholder, False

    def _problems(self, row_no: int, ref: str, header: _Header, loaded: list[tuple]) -> list[RowProblem]:
        """The row's problems, field by field in schema order, as a whole-row check reports them."""
        values, messages = dict(header.values), dict(header.messages)
        for (name, _), (value, errors) in zip(self._line_memos, loaded):
            if errors:
                messages[name] = errors
            values[name] = value
        if not messages:
            messages = self._references(values)
        return [RowProblem(row_no, ref, field, _joined(text)) for field, text in messages.items()]

    def _header(self, raw: tuple) -> _Header:
        """The order header fields of a row (values, messages, joined key), memoised on its cells."""
        values, messages, blank = {}, {}, True
        for (name, memo), cell in zip(self._header_memos, raw):
            text = cell.strip()
            blank = blank and not text
            values[name], errors = memo.load(text)
            if errors:
                messages[name] = errors
        customer_problem = None if messages else self._customer_problem(values["customer_code"])
        found = _Header(values, messages, "" if messages else _header_key(values), blank, customer_problem)
        if len(self._headers) >= HEADER_CACHE_LIMIT:
            self._headers.clear()
        self._headers[raw] = found
        return found

    def _customer_problem(self, code: str) -> str | None:
        customer = self.customers.get(code)
        if customer is None:
            return TextMessage(Text("unknown customer %(code)s", code=repr(code)))
        if self.distributor and self.distributor[0] not in (customer.id, customer.distributor_id):
            return TextMessage(Text("customer %(code)s is not served by %(distributor)s", code=repr(code),
                                    distributor=self.distributor[1]))
        return None

    def _references(self, values: dict) -> dict[str, str]:
        """Customer known and orderable by this uploader, SKU known."""
        code, sku = values["customer_code"], values["sku"]
        problem = self._customer_problem(code)
        if problem:
            return {"customer_code": problem}
        product = self.products.get(sku)
        if product is None:
            return {"sku": TextMessage(Text("unknown SKU %(sku)s", sku=repr(sku)))}
        return {}


def _row_fields(row_schema: Schema) -> dict[str, Field]:
    """The schema's fields by name, once it is known to have one for every field of an order file."""
    if not isinstance(row_schema, Schema):
        raise TypeError(f"row_schema must be a marshmallow Schema instance, not {row_schema!r}")
    absent = [name for name in IMPORT_FIELDS if name not in row_schema.fields]
    if absent:
        raise ValueError(f"row_schema {type(row_schema).__name__} has no field for {', '.join(absent)}; "
                         "pass the schema of an order file row")
    return dict(row_schema.fields)


@dataclass(frozen=True)
class _Header:
    values: dict
    messages: dict
    key: str  # the validated header fields joined by SEPARATOR, compared across an order's rows
    blank: bool  # every header cell empty
    customer_problem: str | None


def order_problems(ref: str, lines: list[tuple]) -> list[RowProblem]:
    """Problems between the rows of one order: (ref, row, header, product_id, sku, quantity, price, bad,
    price given)."""
    first_row, first_header = lines[0][1], lines[0][2]
    problems, seen_skus = [], {}
    for _, row, header, _, sku, *_ in lines:
        if header != first_header:
            for name, mine, theirs in zip(HEADER_FIELDS, header.split(SEPARATOR), first_header.split(SEPARATOR)):
                if mine != theirs:
                    problems.append(RowProblem(row, ref, name, TextMessage(Text(
                        "%(mine)s conflicts with %(theirs)s on row %(row)s of the same order", mine=repr(mine),
                        theirs=repr(theirs), row=first_row))))
        if sku in seen_skus:
            problems.append(RowProblem(row, ref, "sku", TextMessage(Text(
                "%(sku)s is already on row %(row)s of this order", sku=sku, row=seen_skus[sku]))))
        seen_skus.setdefault(sku, row)
    if len(lines) > MAX_LINES_PER_ORDER:
        problems.append(RowProblem(lines[MAX_LINES_PER_ORDER][1], ref, "external_ref",
                                   TextMessage(Text("an order has at most %(most)s lines",
                                                    most=MAX_LINES_PER_ORDER))))
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


def _joined(messages) -> str:
    """A field's messages as one; a single one (a TextMessage: a customer or SKU refused) keeps its template."""
    flat = _flat(messages)
    return flat[0] if len(flat) == 1 else "; ".join(flat)
