"""Matching a file's header row to the canonical import fields: the distributor's mapping first, then
normalised names ("Ship To Name" → ship_to_name) and a few common aliases."""
from __future__ import annotations

import re

from models.core.errors import ImportRefused
from models.intake.file_import.fields import IMPORT_FIELDS, REQUIRED_FIELDS

ALIASES = {
    "order_ref": "external_ref", "order_reference": "external_ref", "order_no": "external_ref",
    "order_number": "external_ref", "po": "external_ref", "po_number": "external_ref", "reference": "external_ref",
    "customer": "customer_code", "customer_id": "customer_code", "product_code": "sku", "item": "sku",
    "qty": "quantity", "price": "unit_price", "unit_cost": "unit_price", "delivery_date": "requested_delivery_date",
    "country": "ship_to_country", "postcode": "ship_to_postcode", "zip": "ship_to_postcode", "note": "notes",
}


def normalise_header(name: str) -> str:
    """"  Ship To-Name " → "ship_to_name"; other scripts are kept as written (lower case, trimmed)."""
    return re.sub(r"[\s\-./]+", "_", name.replace("\ufeff", "").strip().lower()).strip("_")


def canonical_columns(header: list[str], mapping: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(column index, canonical field) for each recognised column; refuses duplicates and missing required."""
    own = {normalise_header(theirs): field for theirs, field in (mapping or {}).items()}
    found: dict[str, int] = {}
    for index, name in enumerate(header):
        key = normalise_header(str(name or ""))
        field = own.get(key) or (key if key in IMPORT_FIELDS else ALIASES.get(key))
        if field is None:
            continue
        if field in found:
            raise ImportRefused(f"columns {found[field] + 1} and {index + 1} both give {field}; keep one")
        found[field] = index
    missing = [field for field in REQUIRED_FIELDS if field not in found]
    if missing:
        raise ImportRefused(f"missing required columns: {', '.join(missing)} "
                            f"(found: {', '.join(str(h) for h in header) or 'no header'})")
    return [(index, field) for field, index in found.items()]


def parse_mapping_lines(text: str) -> dict[str, str]:
    """Read "their header = canonical field" lines into a mapping; raises ValueError naming a bad line."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.strip().startswith("#"):
            continue
        theirs, sep, field = line.rpartition("=")
        theirs, field = theirs.strip(), normalise_header(field)
        if not sep or not theirs:
            raise ValueError(f"line {number}: expected 'their header = canonical field'")
        if field not in IMPORT_FIELDS:
            raise ValueError(f"line {number}: {field!r} is not an import field; use one of {', '.join(IMPORT_FIELDS)}")
        mapping[theirs] = field
    return mapping
