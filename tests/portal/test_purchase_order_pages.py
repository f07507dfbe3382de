"""The ops purchase-order pages: list, a new order by hand, one order with its actions and audit trail, the
warehouse receipt against an ASN; who may act, and CSRF."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.audit import StatusChange
from models.inventory.tables import Product, Stock, Warehouse
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import PurchaseOrder, PurchaseOrderLine, PurchaseReceiptLine
from tests.factories import make_world
from tests.portal.conftest import PASSWORD, build_app, place

SOON = date.today() + timedelta(days=10)


def draft(lines: dict[str, int] | None = None, *, supplier: str = "SUP1", warehouse: str = "EAST") -> PurchaseOrder:
    return create_purchase_order(supplier_code=supplier, warehouse_code=warehouse, actor="test",
                                 lines=[PurchaseLineInput(sku, units, Decimal("4.00"))
                                        for sku, units in (lines or {"WIDGET": 10, "GADGET": 5}).items()])


def sent(lines: dict[str, int] | None = None, **kwargs) -> PurchaseOrder:
    purchase = draft(lines, **kwargs)
    assert send_purchase_order(purchase.number, actor="test", answer_within=timedelta(days=3))
    return PurchaseOrder.get_by_id(purchase.id)


def confirmed(lines: dict[str, int] | None = None) -> PurchaseOrder:
    purchase = sent(lines)
    answers = [ConfirmationInput(line.product.sku, line.quantity, SOON) for line in purchase.lines]
    assert confirm_purchase_order(purchase.number, answers, supplier_id=None, actor="test") == "confirmed"
    return PurchaseOrder.get_by_id(purchase.id)


def new_form(**overrides) -> dict:
    form = {"supplier": "SUP1", "warehouse": "EAST", "expected_at": SOON.isoformat(), "note": "spring restock",
            "lines-0-sku": "WIDGET", "lines-0-quantity": "10", "lines-0-unit_price": "4.25",
            "lines-2-sku": "GADGET", "lines-2-quantity": "5", "lines-2-unit_price": ""}
    form.update(overrides)
    return form


def test_ops_create_send_and_the_detail_shows_the_audit_trail(auth, client):
    auth.login_as("ops_agent")
    assert client.get("/ops/purchase-orders/new").status_code == 200

    created = client.post("/ops/purchase-orders/new", data=new_form())

    purchase = PurchaseOrder.get()
    assert created.status_code == 302 and created.headers["Location"] == f"/ops/purchase-orders/{purchase.number}"
    assert (purchase.status, purchase.expected_at, purchase.note, purchase.created_by) == (
        "draft", SOON, "spring restock", "agent@relay.test")
    assert {(line.product.sku, line.quantity) for line in purchase.lines} == {("WIDGET", 10), ("GADGET", 5)}
    assert PurchaseOrderLine.get(PurchaseOrderLine.quantity == 10).unit_cost == Decimal("4.25")

    page = client.get(created.headers["Location"]).text
    assert "Send to the supplier" in page and "Download PDF" in page

    assert client.post(f"/ops/purchase-orders/{purchase.number}/send").status_code == 302

    assert PurchaseOrder.get_by_id(purchase.id).status == "sent"
    page = client.get(f"/ops/purchase-orders/{purchase.number}").text
    history = page[page.index("<h2>History</h2>"):]
    assert re.search(r"<td>—</td><td>draft</td><td>agent@relay.test</td>", history)
    assert re.search(r"<td>draft</td><td>sent</td><td>agent@relay.test</td>\s*<td>sent to the supplier</td>", history)
    assert "Send to the supplier" not in page
    listed = client.get("/ops/purchase-orders?supplier=SUP1&status=sent&kind=stock&warehouse=EAST").text
    assert purchase.number in listed and '<td class="num">2</td>' in listed


def test_the_list_filters_and_pages(auth, client):
    first, second = sent({"WIDGET": 1}), draft({"GADGET": 2}, warehouse="WEST")
    order = place("DS-LIST-1")
    dropship = create_purchase_order(supplier_code="SUP1", warehouse_code=None, actor="test", origin="drop_ship",
                                     lines=[PurchaseLineInput("WIDGET", 2)], sales_order_id=order.id)
    auth.login_as("credit_controller")

    everything = client.get("/ops/purchase-orders").text
    west = client.get("/ops/purchase-orders?warehouse=WEST").text
    drafts = client.get("/ops/purchase-orders?status=draft&kind=stock").text
    dropships = client.get("/ops/purchase-orders?kind=drop_ship").text

    assert all(p.number in everything for p in (first, second, dropship))
    assert second.number in west and first.number not in west
    assert second.number in drafts and first.number not in drafts and dropship.number not in drafts
    assert f"drop-ship → <a href=\"/orders/{order.id}\">order {order.id}</a>" in dropships
    assert first.number not in dropships
    assert "New purchase order" not in everything  # a credit controller reads only
    from portal import purchase_orders

    purchase_orders.PAGE_SIZE, saved = 2, purchase_orders.PAGE_SIZE
    try:
        page_one = client.get("/ops/purchase-orders").text
        after = re.search(r'rel="next" href="[^"]*after=(\d+)', page_one).group(1)
        page_two = client.get(f"/ops/purchase-orders?after={after}").text
    finally:
        purchase_orders.PAGE_SIZE = saved
    assert dropship.number in page_one and second.number in page_one and first.number not in page_one
    assert first.number in page_two and 'rel="next"' not in page_two


def test_errors_show_next_to_their_fields_and_nothing_is_written(auth, client):
    auth.login_as("ops_admin")

    response = client.post("/ops/purchase-orders/new", data=new_form(**{
        "warehouse": "", "expected_at": "next tuesday", "lines-0-quantity": "ten", "lines-2-unit_price": "cheap"}))

    assert response.status_code == 422
    page = response.text
    assert "choose a warehouse" in page and "a date such as" in page
    assert "a whole number of at least 1" in page and "a price such as 12.50" in page
    assert 'name="lines-0-quantity" value="ten"' in page  # what was typed stays
    assert PurchaseOrder.select().count() == 0

    unknown = client.post("/ops/purchase-orders/new", data=new_form(**{"lines-2-sku": "NOPE"}))

    assert unknown.status_code == 422
    row = unknown.text[unknown.text.index('name="lines-2-sku"'):]
    assert "unknown SKU &#39;NOPE&#39;" in row[:row.index("</tr>")]
    assert PurchaseOrder.select().count() == 0


def test_editing_after_sending_raises_the_revision(auth, client):
    purchase = confirmed()
    auth.login_as("ops_agent")
    lines = {"lines-0-sku": "WIDGET", "lines-0-quantity": "12", "lines-0-unit_price": "4.00",
             "lines-1-sku": "", "lines-1-quantity": "", "lines-1-unit_price": ""}

    response = client.post(f"/ops/purchase-orders/{purchase.number}/edit",
                           data={"expected_at": "", "note": "more widgets, no gadgets", **lines})

    assert response.status_code == 302
    changed = PurchaseOrder.get_by_id(purchase.id)
    assert (changed.status, changed.revision, changed.note) == ("sent", 1, "more widgets, no gadgets")
    assert [(line.product.sku, line.quantity, line.confirmed_quantity) for line in changed.lines] == [
        ("WIDGET", 12, None)]
    page = client.get(f"/ops/purchase-orders/{purchase.number}").text
    assert "revision 1" in page and "changed by ops" in page


def test_an_edit_the_model_refuses_is_shown_and_changes_nothing(auth, client):
    purchase = sent()
    auth.login_as("ops_agent")

    response = client.post(f"/ops/purchase-orders/{purchase.number}/edit",
                           data={"lines-0-sku": "WIDGET", "lines-0-quantity": "3", "lines-1-sku": "WIDGET",
                                 "lines-1-quantity": "4"})

    assert response.status_code == 422 and "on the order twice" in response.text
    assert PurchaseOrder.get_by_id(purchase.id).revision == 0
    assert sorted(line.quantity for line in PurchaseOrder.get_by_id(purchase.id).lines) == [5, 10]


def test_receiving_against_an_asn_shows_short_and_damaged_units(auth, client):
    purchase = confirmed()
    asn = create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 10), AsnLineInput("GADGET", 5)],
                     carrier="DHL", tracking_number="TRK-1", expected_on=SOON, actor="sup1@relay.test")
    east, widget = Warehouse.get(Warehouse.code == "EAST"), Product.get(Product.sku == "WIDGET")
    before = Stock.get(Stock.warehouse == east, Stock.product == widget).on_hand
    auth.login_as("ops_agent")
    line = {line.product.sku: line.id for line in purchase.lines}

    form = client.get(f"/ops/purchase-orders/{purchase.number}/receive").text

    assert f'name="good-{line["WIDGET"]}" value="10"' in form and f'name="good-{line["GADGET"]}" value="5"' in form
    assert f'<input type="hidden" name="asn" value="{asn.id}">' in form

    response = client.post(f"/ops/purchase-orders/{purchase.number}/receive", data={
        "asn": str(asn.id), f"good-{line['WIDGET']}": "7", f"damaged-{line['WIDGET']}": "1",
        f"good-{line['GADGET']}": "5", f"damaged-{line['GADGET']}": "0", "note": "one crushed carton"},
        follow_redirects=True)

    assert response.status_code == 200
    page = response.text
    assert "received with discrepancies: WIDGET short and damaged (announced 10, good 7, damaged 1)" in page
    assert "GADGET" not in page[page.index("received with discrepancies"):page.index("</p>")]
    receipts = page[page.index('id="receipts"'):]
    assert '<span class="badge status-exception">short</span>' in receipts
    assert '<span class="badge status-exception">damaged</span>' in receipts
    assert "one crushed carton" in receipts
    assert Stock.get(Stock.warehouse == east, Stock.product == widget).on_hand == before + 7
    assert PurchaseOrder.get_by_id(purchase.id).status == "partially_received"
    assert {r.discrepancy for r in PurchaseReceiptLine.select()} == {"short,damaged", ""}


def test_a_receipt_with_bad_counts_writes_nothing(auth, client):
    purchase = confirmed()
    auth.login_as("ops_admin")
    widget = next(line for line in purchase.lines if line.product.sku == "WIDGET")

    typo = client.post(f"/ops/purchase-orders/{purchase.number}/receive", data={f"good-{widget.id}": "-3"})
    too_many = client.post(f"/ops/purchase-orders/{purchase.number}/receive", data={f"good-{widget.id}": "50"})

    assert typo.status_code == 422 and "a whole number, 0 or more" in typo.text
    assert too_many.status_code == 422 and "still to receive" in too_many.text
    assert PurchaseReceiptLine.select().count() == 0
    assert PurchaseOrder.get_by_id(purchase.id).status == "confirmed"


def test_ops_accept_or_reject_a_counter_proposal(auth, client):
    first, second = sent({"WIDGET": 10}), sent({"WIDGET": 4})
    for purchase in (first, second):
        confirm_purchase_order(purchase.number, [ConfirmationInput("WIDGET", 12, SOON, counter=True)],
                               supplier_id=None, actor="sup1@relay.test")
    auth.login_as("ops_agent")

    page = client.get(f"/ops/purchase-orders/{first.number}").text
    assert "Accept counter-proposal" in page and "<b>12</b> by" in page
    assert client.post(f"/ops/purchase-orders/{first.number}/counter/accept").status_code == 302
    refused = client.post(f"/ops/purchase-orders/{second.number}/counter/reject", data={"reason": ""},
                          follow_redirects=True)
    assert "Give a reason" in refused.text and PurchaseOrder.get_by_id(second.id).status == "countered"
    client.post(f"/ops/purchase-orders/{second.number}/counter/reject", data={"reason": "price list says 10"})

    assert PurchaseOrder.get_by_id(first.id).status == "confirmed"
    assert [line.quantity for line in PurchaseOrder.get_by_id(first.id).lines] == [12]
    assert PurchaseOrder.get_by_id(second.id).status == "sent"
    assert StatusChange.get(StatusChange.entity_id == second.id, StatusChange.to_status == "sent",
                            StatusChange.from_status == "countered").reason.endswith("price list says 10")


def test_cancel_and_close_need_a_reason_and_the_right_status(auth, client):
    draft_order, shipped = draft(), confirmed({"WIDGET": 3})
    create_asn(shipped.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 3)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor="test")
    auth.login_as("ops_agent")

    refused = client.post(f"/ops/purchase-orders/{shipped.number}/cancel", data={"reason": "too late"},
                          follow_redirects=True)
    client.post(f"/ops/purchase-orders/{draft_order.number}/cancel", data={"reason": "ordered twice"})
    client.post(f"/ops/purchase-orders/{shipped.number}/close", data={"reason": "lost in transit"})

    assert "can no longer be cancelled" in refused.text
    assert PurchaseOrder.get_by_id(draft_order.id).status == "cancelled"
    assert PurchaseOrder.get_by_id(shipped.id).status == "closed"


def test_downloads(auth, client):
    purchase = sent()
    auth.login_as("credit_controller")

    pdf = client.get(f"/ops/purchase-orders/{purchase.number}.pdf")
    csv = client.get(f"/ops/purchase-orders/{purchase.number}.csv")

    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert csv.status_code == 200 and csv.mimetype == "text/csv" and "WIDGET" in csv.text
    assert f'filename="{purchase.number}.csv"' in csv.headers["Content-Disposition"]
    assert client.get("/ops/purchase-orders/PO-999999").status_code == 404
    assert client.get("/ops/purchase-orders/PO-999999.pdf").status_code == 404


@pytest.mark.parametrize("method, path", [
    ("GET", "/ops/purchase-orders/new"), ("POST", "/ops/purchase-orders/new"), ("POST", "{}/send"),
    ("POST", "{}/edit"), ("POST", "{}/cancel"), ("POST", "{}/close"), ("POST", "{}/counter/accept"),
    ("POST", "{}/counter/reject"), ("GET", "{}/receive"), ("POST", "{}/receive"),
])
def test_a_credit_controller_reads_but_cannot_act(auth, client, method, path):
    purchase = draft()
    auth.login_as("credit_controller")
    assert client.get(f"/ops/purchase-orders/{purchase.number}").status_code == 200

    response = client.open(path.format(f"/ops/purchase-orders/{purchase.number}"), method=method,
                           data=new_form() | {"reason": "because"})

    assert response.status_code == 403
    assert PurchaseOrder.select().count() == 1 and PurchaseOrder.get().status == "draft"


@pytest.mark.parametrize("role", ["distributor", "supplier"])
def test_partners_cannot_reach_the_ops_pages(auth, client, role):
    purchase = sent()
    auth.login_as(role)

    for path in ("/ops/purchase-orders", f"/ops/purchase-orders/{purchase.number}",
                 f"/ops/purchase-orders/{purchase.number}.pdf"):
        assert client.get(path).status_code == 403
    assert client.post(f"/ops/purchase-orders/{purchase.number}/cancel", data={"reason": "x"}).status_code == 403


@pytest.fixture
def csrf_client(tmp_path, sqlite_url):
    app = build_app(tmp_path, sqlite_url)  # CSRF protection on, as in production
    make_world()
    create_user("agent@relay.test", "ops_agent", password=PASSWORD)
    client = app.test_client()
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/login", data={"email": "agent@relay.test", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def test_csrf_is_enforced(csrf_client):
    purchase = draft()

    without = csrf_client.post(f"/ops/purchase-orders/{purchase.number}/send")
    new_without = csrf_client.post("/ops/purchase-orders/new", data=new_form())

    assert without.status_code == 400 and new_without.status_code == 400
    assert PurchaseOrder.select().count() == 1 and PurchaseOrder.get().status == "draft"
    page = csrf_client.get(f"/ops/purchase-orders/{purchase.number}").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    assert csrf_client.post(f"/ops/purchase-orders/{purchase.number}/send",
                            data={"csrf_token": token}).status_code == 302
    assert PurchaseOrder.get().status == "sent"
    assert Partner.get(Partner.code == "SUP1").kind == "supplier"


def test_changing_a_shipped_order_is_refused_with_a_message(auth, client):
    purchase = confirmed({"WIDGET": 3})
    create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 3)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor="test")
    auth.login_as("ops_agent")

    response = client.post(f"/ops/purchase-orders/{purchase.number}/edit",
                           data={"lines-0-sku": "WIDGET", "lines-0-quantity": "5"})

    assert response.status_code == 422 and "it can no longer be changed" in response.text
    assert [line.quantity for line in PurchaseOrder.get_by_id(purchase.id).lines] == [3]
