"""The canonical fields of an order file: one row is one order line plus its order's header fields."""
from __future__ import annotations

# Repeated on every line of an order, and the same on each of them.
HEADER_FIELDS = ("customer_code", "currency", "ship_to_name", "ship_to_phone", "ship_to_address", "ship_to_city",
                 "ship_to_region", "ship_to_postcode", "ship_to_country", "requested_delivery_date", "notes")
LINE_FIELDS = ("sku", "quantity", "unit_price")
# Every field, in the order a template file lists them; external_ref groups the lines into orders.
IMPORT_FIELDS = ("external_ref", *LINE_FIELDS[:1], *HEADER_FIELDS[:1], *LINE_FIELDS[1:], *HEADER_FIELDS[1:])
REQUIRED_FIELDS = ("external_ref", "customer_code", "sku", "quantity", "currency", "ship_to_name",
                   "ship_to_address", "ship_to_city", "ship_to_region", "ship_to_country")
