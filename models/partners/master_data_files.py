"""The master data CSV files: the kinds there are, the columns a file of each kind must have, how a header is
matched to a column."""
from __future__ import annotations

KINDS = ("suppliers", "customers", "products", "warehouses", "lanes", "stock")

# Columns a file of each kind must have (a cell may still be blank where its field is optional).
REQUIRED_HEADERS = {
    "suppliers": ("code", "name", "email", "lead_time_days"),
    "customers": ("code", "name", "kind", "email", "region", "credit_limit", "payment_terms_days",
                  "outstanding_balance", "blocked"),
    "products": ("sku", "name", "unit_price", "currency", "weight_kg", "supplier_code", "dropship",
                 "reorder_point"),
    "warehouses": ("code", "name", "region", "address"),
    "lanes": ("warehouse_code", "region", "cost", "lead_time_days"),
    "stock": ("warehouse_code", "sku", "on_hand"),
}


def header_key(name: str) -> str:
    """A CSV header as the columns are named: case-insensitive, surrounding spaces ignored."""
    return name.strip().lower()
