"""The report pages and APIs, and the pages that count over all orders (home dashboard, stuck work, credit desk),
that `oms bench reports` times, by name; a report module adds its own rows here.
``{half_year}`` and ``{year}`` are filled with ``from=…&to=…`` of the last 183 and 365 days the bench book has
shipped orders on."""
from __future__ import annotations

HALF_YEAR = "{half_year}"
YEAR = "{year}"

REPORT_URLS: list[tuple[str, str]] = [
    ("index", "/ops/reports/"),
    ("sales_page", f"/ops/reports/sales?{HALF_YEAR}&group=week"),
    *((f"sales_page_by_{by}", f"/ops/reports/sales?{HALF_YEAR}&group=week&by={by}")
      for by in ("channel", "region", "sku", "customer")),
    ("sales_api", f"/api/v1/reports/sales?{HALF_YEAR}&group=week"),
    *((f"sales_api_by_{by}", f"/api/v1/reports/sales?{HALF_YEAR}&group=week&by={by}")
      for by in ("channel", "region", "sku", "customer")),
    ("sales_api_day_by_sku", f"/api/v1/reports/sales?{HALF_YEAR}&group=day&by=sku"),
    ("customers_page", f"/ops/reports/customers?{YEAR}"),
    ("customers_api", f"/api/v1/reports/customers?{YEAR}"),
    ("cycle_times_page", f"/ops/reports/cycle-times?{HALF_YEAR}&group=week"),
    ("cycle_times_api", f"/api/v1/reports/cycle-times?{HALF_YEAR}&group=day"),
    ("inventory_page", f"/ops/reports/inventory?{HALF_YEAR}"),
    ("inventory_api", f"/api/v1/reports/inventory?{HALF_YEAR}"),
    ("returns_page", f"/ops/reports/returns?{HALF_YEAR}"),
    ("returns_api", f"/api/v1/reports/returns?{HALF_YEAR}"),
    ("home_dashboard", "/home"),
    ("stuck_work", "/ops/stuck"),
    ("credit_desk_customers", "/ops/customers"),
]
