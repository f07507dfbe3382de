"""The "Export CSV" of a list page: the rows its current filters show, every page of them up to EXPORT_CAP,
fetched by the page's own keyset query EXPORT_PAGE rows at a time and streamed through models.core.csv_export."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar

from flask import Blueprint, Response

from portal.report_support import csv_download, csv_url, today, wants_csv

EXPORT_CAP = 100_000
EXPORT_PAGE = 500
Row = TypeVar("Row")
Cursor = TypeVar("Cursor")

__all__ = ["EXPORT_CAP", "EXPORT_PAGE", "PURCHASE_CSV", "csv_url", "export_csv", "purchase_order_rows", "walk_pages",
           "wants_csv"]

# No routes: gives every template ``export_url()``, this page's URL with format=csv (templates/_export_link.html).
bp = Blueprint("list_exports", __name__)
bp.add_app_template_global(csv_url, "export_url")


def walk_pages(fetch: Callable[[Cursor | None], tuple[Sequence[Row], Cursor | None]]) -> Iterator[Row]:
    """Every row of a keyset-paged list: ``fetch(cursor)`` answers a page and the cursor of the next (None at
    the end); the first call gets None."""
    cursor: Any = None
    while True:
        rows, cursor = fetch(cursor)
        yield from rows
        if cursor is None:
            return


def export_csv(stem: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """``rows`` (at most EXPORT_CAP) as ``<stem>-<yyyymmdd>.csv``, streamed, text cells neutralised."""
    return csv_download(f"{stem}-{today():%Y%m%d}.csv", header, islice(rows, EXPORT_CAP))


PURCHASE_CSV = ("number", "supplier", "status", "kind", "deliver_to", "currency", "expected_at", "sent_at",
                "confirm_by", "created_at")


def purchase_order_rows(fetch) -> Iterator[tuple]:
    """CSV rows of every purchase order ``fetch(after)`` pages through (list_purchase_orders' keyset)."""
    return ((p.number, p.supplier.code, p.status, p.kind, p.warehouse.code if p.warehouse_id else "customer",
             p.currency, p.expected_at.isoformat() if p.expected_at else "",
             p.sent_at.isoformat() if p.sent_at else "", p.confirm_by.isoformat() if p.confirm_by else "",
             p.created_at.isoformat()) for p in walk_pages(fetch))
