"""The report APIs: JSON, or CSV with ``format=csv``."""
from __future__ import annotations

from portal.openapi.operations import CSV, Op, obj, query

RANGE = (("from", "string", "first day, YYYY-MM-DD"), ("to", "string", "last day, YYYY-MM-DD"),
         ("format", "string", "csv for the rows as CSV"))
SUPPLIER_SCOPED = "ops roles; a supplier its own SKUs"


def _report(rule: str, summary: str, roles: str, body: dict, *params: tuple[str, str, str]) -> Op:
    return Op("GET", rule, summary, "reports", roles=roles, query=query(*RANGE, *params),
              answers={200: {"application/json": {"schema": body}, **CSV}}, errors=(403, 422))


OPERATIONS = [
    _report("/reports/sales", "Sales per period, split by a dimension",
            "every role, scoped to the token's partner", obj("from:string", "to:string", "rows:[object]",
                                                             "previous:[object]"),
            ("group", "string", "day, week or month"), ("by", "string", "channel, region, sku or customer"),
            ("channel", "string", "filter"), ("region", "string", "filter"), ("customer", "string", "filter"),
            ("sku", "string", "filter"), ("limit", "integer", "top keys; the rest in an other row")),
    _report("/reports/customers", "Customers' RFM scores and segments", "ops roles and distributors",
            obj("from:string", "to:string", "segments:object", "summaries:[object]", "customers:[object]")),
    _report("/reports/cycle-times", "Time spent per pipeline step", "ops roles",
            obj("from:string", "to:string", "group:string", "rows:[object]"), ("group", "string", "day, week or month")),
    _report("/reports/inventory", "Turnover, fill rate and backorders", SUPPLIER_SCOPED,
            obj("from:string", "to:string", "rows:[object]", "service:[object]", "weeks:[object]"),
            ("warehouse", "string", "filter"), ("sku", "string", "filter"),
            ("part", "string", "stock or service: which rows format=csv gives")),
    _report("/reports/returns", "Returns by reason, SKU or supplier", SUPPLIER_SCOPED,
            obj("from:string", "to:string", "by:string", "rows:[object]"), ("by", "string", "reason, sku or supplier")),
]
