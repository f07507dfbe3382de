"""The currencies Relay trades in: orders, prices, invoices and payments are in one of these."""
from __future__ import annotations

CURRENCIES = ("USD", "EUR", "GBP", "CNY", "HKD", "TWD", "JPY", "CAD", "AUD")
