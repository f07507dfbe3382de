"""The order list as CSV: every order the list's filters and search show to the user, newest first."""
from __future__ import annotations

from dataclasses import replace

from flask import Response

from models.orders.order_list import OrderListFilter, order_page, resolve_search
from portal.list_exports import EXPORT_PAGE, export_csv, walk_pages

HEADER = ("id", "reference", "channel", "customer_code", "customer_name", "status", "currency", "total",
          "created_at")


def export_orders(user, wanted: OrderListFilter) -> Response:
    """From the newest order on, whatever page the list shows."""
    search = resolve_search(wanted.search) if wanted.search else None

    def fetch(before):
        page = order_page(user, replace(wanted, before=before, limit=EXPORT_PAGE), search=search)
        return page.orders, page.next_before

    return export_csv("orders", HEADER, ((o.id, o.external_ref, o.channel, o.customer.code, o.customer.name,
                                          o.status, o.currency, o.total, o.created_at.isoformat())
                                         for o in walk_pages(fetch)))
