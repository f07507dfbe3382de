"""A supplier's confirmation as a CSV file: one row per purchase-order line with the columns ``sku``,
``quantity``, ``promised_date`` (YYYY-MM-DD) and optionally ``counter`` (yes/no); other columns are ignored, so
the purchase order's own CSV, filled in, is a valid answer.

Read within bounds like the other CSV imports: the bytes, the rows, the characters of a row (RowLines) and of a
cell are limited before anything is parsed further. Errors name the row (the header is row 1) and the column."""
from __future__ import annotations

import csv
import io
from datetime import date

from models.core.errors import ImportUnsafe, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake.file_import.decoding import detect_encoding
from models.intake.file_import.limits import ROW_CHARS, RowLines
from models.supply.confirmations import ConfirmationInput

MAX_BYTES = 2 * 1024 * 1024  # a purchase order of thousands of lines stays far below
MAX_ROWS = 5_000
MAX_CELL_CHARS = 1_000  # no sku, quantity, date or flag comes near
MAX_ERRORS = 50
REQUIRED = ("sku", "quantity", "promised_date")
YES = {"1", "y", "yes", "true", "x", "counter"}
NO = {"", "0", "n", "no", "false"}
csv.field_size_limit(ROW_CHARS)  # never reached first: RowLines refuses such a row


def parse_confirmation_csv(data: bytes) -> list[ConfirmationInput]:
    """The answers in a confirmation CSV; ValidationFailed naming ``file`` or ``row N.column`` otherwise."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": [TextMessage(Text(
            "the file is larger than %(kib)s KiB; a confirmation is one row per purchase-order line",
            kib=MAX_BYTES // 1024))]})
    text = _text(data)
    lines = RowLines(io.StringIO(text, newline=""))
    reader = csv.reader(lines, delimiter=_delimiter(text))
    errors: dict[str, list[str]] = {}
    answers: list[ConfirmationInput] = []
    try:
        columns = _columns(next(reader, []))
        lines.row_read()
        start = reader.line_num + 1
        for cells in reader:
            # line_num is where a record ends; a quoted cell may span lines, so count from where it began
            row, start = start, reader.line_num + 1
            lines.row_read()
            if not any(cell.strip() for cell in cells):
                continue
            if len(answers) >= MAX_ROWS:
                raise ValidationFailed({"file": [TextMessage(Text("the file has more than %(rows)s rows",
                                                                  rows=MAX_ROWS))]})
            answer = _answer(row, cells, columns, errors)
            if answer is not None:
                answers.append(answer)
            if len(errors) >= MAX_ERRORS:
                break
    except ImportUnsafe:
        raise ValidationFailed({"file": [TextMessage(Text("a row of more than %(count)s characters",
                                                          count=ROW_CHARS))]}) from None
    except csv.Error as exc:
        raise ValidationFailed({"file": [TextMessage(Text("not readable as CSV: %(error)s", error=str(exc)))]}) \
            from None
    if errors:
        raise ValidationFailed(errors)
    if not answers:
        raise ValidationFailed({"file": [TextMessage(Text("the file has no rows below its header"))]})
    return answers


def _text(data: bytes) -> str:
    codec = detect_encoding(data[:64 * 1024])
    try:
        return data.decode(codec or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise ValidationFailed({"file": [TextMessage(Text("the file is not text (save it as CSV, UTF-8)"))]}) \
            from None


def _delimiter(text: str) -> str:
    header = text[:4096].splitlines()[0] if text.strip() else ""
    return max((",", ";", "\t"), key=header.count)


def _columns(header: list[str]) -> dict[str, int]:
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    missing = [name for name in REQUIRED if name not in names]
    if missing:
        raise ValidationFailed({"file": [TextMessage(Text(
            "the header must name the columns %(columns)s (and optionally counter); missing: %(missing)s",
            columns=", ".join(REQUIRED), missing=", ".join(missing)))]})
    return {name: names.index(name) for name in (*REQUIRED, "counter") if name in names}


def _answer(row: int, cells: list[str], columns: dict[str, int], errors: dict) -> ConfirmationInput | None:
    values = {name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()}
    bad = len(errors)
    for name, value in values.items():
        if len(value) > MAX_CELL_CHARS:
            errors[f"row {row}.{name}"] = [TextMessage(Text("more than %(count)s characters", count=MAX_CELL_CHARS))]
    if len(errors) > bad:
        return None
    if not values["sku"]:
        errors[f"row {row}.sku"] = [TextMessage(Text("give the SKU"))]
    quantity = _quantity(values["quantity"])
    if quantity is None:
        errors[f"row {row}.quantity"] = [TextMessage(Text("%(value)s is not a whole number of 0 or more",
                                                          value=repr(values["quantity"])))]
    promised = _date(values["promised_date"])
    if promised is False:
        errors[f"row {row}.promised_date"] = [TextMessage(Text("%(value)s is not a date (YYYY-MM-DD)",
                                                               value=repr(values["promised_date"])))]
    counter = values.get("counter", "").lower()
    if counter not in YES | NO:
        errors[f"row {row}.counter"] = [TextMessage(Text("%(value)s is not yes or no", value=repr(values["counter"])))]
    if len(errors) > bad:
        return None
    return ConfirmationInput(sku=values["sku"], quantity=quantity, promised_date=promised or None,
                             counter=counter in YES)


def _quantity(value: str) -> int | None:
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    return int(value)


def _date(value: str) -> date | None | bool:
    """The date, None when blank, False when unreadable."""
    if not value:
        return None
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        return date.fromisoformat(value)
    except ValueError:
        return False
