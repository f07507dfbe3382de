"""Pick lists of a realistic day's volume: many pages, a SKU's shipments continued over rows and pages."""
import re
from datetime import datetime
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from models.core.db import database
from models.inventory.tables import Product, Warehouse
from models.orders.states import ORDER_ALLOCATED
from models.orders.tables import Order, OrderLine
from models.partners.tables import ApiToken, Partner, User
from models.shipping.documents import (
    PickItem,
    PickList,
    PickNeed,
    PickShipment,
    ShipFrom,
    pick_list_data,
)
from models.shipping.tables import Shipment, ShipmentLine
from portal.documents.pick_list import render_pick_list
from tests.portal.conftest import USERS

ITEMS_HEADER = "Shipments (order) x units"
SHIPMENTS_HEADER = re.compile(r"Shipment\s*Order\s*Wave\s*Status")
SHIPMENT_REF = re.compile(r"\bS\d+\b")


def pages_text(pdf: bytes) -> list[str]:
    """The text layer of each page; opening the document proves it is a PDF pdfium can read."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def assert_paginated(pages: list[str]) -> None:
    """Every page says "Page x of y" with the true count, and every page listing shipments repeats a header."""
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        if SHIPMENT_REF.search(text):
            assert ITEMS_HEADER in text or SHIPMENTS_HEADER.search(text), f"page {number} has no header row"


# --- rendering -------------------------------------------------------------------------------------

def pick_of(count: int, *, ref: str = "PO-{:05d}", skus: int = 1) -> PickList:
    shipments = tuple(PickShipment(1000 + n, n, ref.format(n), 1, "ready") for n in range(count))
    items = tuple(PickItem(f"SKU-{k:03d}", f"Product {k}", count,
                           tuple(PickNeed(1000 + n, n, ref.format(n), 1) for n in range(k, count, skus)))
                  for k in range(skus))
    return PickList(ShipFrom("EAST", "East DC", "1 East Road"), shipments, items, datetime(2024, 5, 1))


def test_a_sku_needed_by_more_shipments_than_a_page_holds_continues_on_further_rows():
    pages = pages_text(render_pick_list(pick_of(70)))  # 70 was a single cell taller than the page
    text = "\n".join(pages)
    assert all(f"S{1000 + n} (PO-{n:05d}) x 1" in text for n in range(70))
    assert "SKU-000 (continued)" in text
    assert_paginated(pages)


def test_long_references_in_any_script_still_fit_their_rows():
    pages = pages_text(render_pick_list(pick_of(150, ref="订单" * 60 + "-{:05d}")))
    assert len(pages) > 2 and "(continued)" in "".join(pages)
    assert_paginated(pages)


def test_a_continued_sku_is_named_again_on_the_next_page():
    pages = pages_text(render_pick_list(pick_of(400)))
    items_pages = [text for text in pages if ITEMS_HEADER in text]
    assert len(items_pages) >= 3
    assert all("SKU-000 (continued)" in text for text in items_pages[1:])


# --- the routes, at 2,000 shipments ----------------------------------------------------------------

def bulk_shipments(count: int, *, skus: int, lines: int) -> list[int]:
    """``count`` orders of CUST1, each with one ready EAST shipment of ``lines`` lines over ``skus`` SKUs."""
    names = [f"BULK-{k:03d}" for k in range(skus)]
    Product.insert_many([{"sku": sku, "name": f"Bulk product {sku}", "unit_price": Decimal("1.00")}
                         for sku in names]).execute()
    products = {p.sku: p.id for p in Product.select().where(Product.sku.in_(names))}
    customer = Partner.get(Partner.code == "CUST1")
    east = Warehouse.get(Warehouse.code == "EAST")
    with database.atomic():
        Order.insert_many([
            {"channel": "api", "external_ref": f"DAY-{n:05d}", "customer": customer.id, "currency": "USD",
             "status": ORDER_ALLOCATED, "ship_to_name": "Ada Buyer", "ship_to_address": "12 Main St",
             "ship_to_city": "Springfield", "ship_to_region": "R1", "ship_to_country": "US"}
            for n in range(count)]).execute()
        orders = [o.id for o in Order.select(Order.id).where(Order.external_ref.startswith("DAY-"))
                  .order_by(Order.external_ref)]
        OrderLine.insert_many([
            {"order": order_id, "line_no": line + 1, "product": products[names[(n + line) % skus]],
             "sku": names[(n + line) % skus], "quantity": 1 + n % 3, "unit_price": 1, "line_total": 1 + n % 3}
            for n, order_id in enumerate(orders) for line in range(lines)]).execute()
        Shipment.insert_many([{"order": order_id, "warehouse": east.id} for order_id in orders]).execute()
        shipments = {s.order_id: s.id for s in Shipment.select().where(Shipment.order.in_(orders))}
        ShipmentLine.insert_many([
            {"shipment": shipments[line.order_id], "order_line": line.id, "quantity": line.quantity}
            for line in OrderLine.select().where(OrderLine.order.in_(orders))]).execute()
    return sorted(shipments.values())


def bearer(role: str) -> dict:
    return {"Authorization": f"Bearer {ApiToken.issue(User.get(User.email == USERS[role][0]))}"}


@pytest.mark.parametrize("skus, lines", [(1, 1), (40, 2)], ids=["one-sku", "many-skus"])
@pytest.mark.parametrize("route", ["ops", "api"])
def test_a_days_volume_prints_on_both_routes(app, client, auth, route, skus, lines):
    ids = bulk_shipments(2000, skus=skus, lines=lines)
    if route == "ops":
        auth.login_as("ops_agent")
        response = client.get("/ops/pick-list.pdf?warehouse=EAST")
    else:
        response = client.get("/api/v1/warehouses/EAST/pick-list.pdf", headers=bearer("ops_agent"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    pages = pages_text(response.data)
    text = "\n".join(pages)
    assert f"{len(ids)} shipments, {skus} SKUs" in text
    found = set(SHIPMENT_REF.findall(text))
    assert all(f"S{shipment_id}" in found for shipment_id in ids)
    # each shipment has a row in the batch list (at most ~60 a page) and a line per SKU in the items table
    assert 2000 / 60 < len(pages) < 2000 * (lines + 1) / 40
    assert_paginated(pages)
    if skus == 1:
        assert len(re.findall(r"BULK-000\s+\(continued\)", text)) >= 2000 // 60  # the SKU cell may wrap


def test_a_batch_loads_in_a_fixed_number_of_statements(app, monkeypatch):
    ids = bulk_shipments(300, skus=7, lines=3)
    statements = []
    execute_sql = database.obj.execute_sql
    monkeypatch.setattr(database.obj, "execute_sql",
                        lambda sql, *args, **kwargs: statements.append(sql) or execute_sql(sql, *args, **kwargs))
    assert len(pick_list_data("EAST").shipments) == 300
    assert len(statements) == 3  # the warehouse, the shipments with their orders, the lines with their products
    statements.clear()
    assert sum(item.total_quantity for item in pick_list_data("EAST", ids[:200]).items) > 200
    assert len(statements) == 3
