"""The line rows of the purchase-order forms (new order, change of an order): reading them as typed, turning them
into line inputs with errors named by row and field, and putting the model's messages back next to their row."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import request
from flask_babel import gettext

from models.supply.purchasing import PurchaseLineInput
from portal.model_messages import translate_message

LINE_FIELDS = ("sku", "quantity", "unit_price")
MAX_QUANTITY = 10_000_000
MODEL_LINE_KEY = re.compile(r"^lines\[(\d+)\]\.(\w+)$")


def blank_line() -> dict:
    return dict.fromkeys(LINE_FIELDS, "")


def submitted_lines(rows: int) -> list[dict]:
    """The line rows as typed (``lines-<row>-<field>``), at most ``rows`` of them."""
    return [{name: request.form.get(f"lines-{row}-{name}", "").strip()[:64] for name in LINE_FIELDS}
            for row in range(rows)]


def parse_lines(rows: list[dict], errors: dict) -> tuple[list[PurchaseLineInput], list[int]]:
    """The filled rows as line inputs and the row each came from; a row's errors go to ``lines-<row>-<field>``.
    Blank rows are skipped; none at all is an error on ``lines``."""
    lines, used = [], []
    for row, value in enumerate(rows):
        if not any(value.values()):
            continue
        if not value["sku"]:
            errors[f"lines-{row}-sku"] = [gettext("give the SKU")]
        quantity = value["quantity"]
        if not (quantity.isascii() and quantity.isdigit() and 0 < int(quantity) <= MAX_QUANTITY):
            errors[f"lines-{row}-quantity"] = [gettext("a whole number of at least 1")]
        price = None
        if value["unit_price"]:
            try:
                price = Decimal(value["unit_price"])
                if not price.is_finite() or price < 0:
                    raise InvalidOperation
            except InvalidOperation:
                errors[f"lines-{row}-unit_price"] = [gettext("a price such as 12.50, or blank for the last price paid")]
        if not any(key.startswith(f"lines-{row}-") for key in errors):
            lines.append(PurchaseLineInput(sku=value["sku"], quantity=int(quantity), unit_price=price))
            used.append(row)
    if not lines and not any(key.startswith("lines-") for key in errors):
        errors["lines"] = [gettext("give at least one line")]
    return lines, used


def parse_date(text: str, name: str, errors: dict) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[name] = [gettext("a date such as 2024-05-31")]
        return None


def attach_model_errors(messages: dict, rows: list[int], errors: dict) -> None:
    """Put the model's messages ("lines[2].sku") next to the form row they came from; others under their name."""
    for key, value in messages.items():
        found = MODEL_LINE_KEY.match(str(key))
        target = str(key)
        if found and int(found.group(1)) < len(rows):
            target = f"lines-{rows[int(found.group(1))]}-{found.group(2)}"
        errors.setdefault(target, []).extend(flatten(value))


def flatten(value) -> list[str]:
    """The model's messages in ``value`` (nested in dicts and lists) in the page's language."""
    if isinstance(value, dict):
        return [message for item in value.values() for message in flatten(item)]
    if isinstance(value, (list, tuple)):
        return [message for item in value for message in flatten(item)]
    return [translate_message(value if isinstance(value, str) else str(value))]


def refusal(exc: Exception) -> str:
    """Why the model refused (an InvalidTransition, say), in the page's language."""
    return translate_message(exc.args[0] if exc.args else str(exc))
