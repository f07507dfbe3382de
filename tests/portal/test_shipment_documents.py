from datetime import datetime
from decimal import Decimal
from itertools import pairwise

import pypdfium2 as pdfium
import pytest

from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order
from models.partners.tables import ApiToken, User
from models.shipping.dispatch import record_waybill
from models.shipping.documents import (
    DispatchLine,
    DispatchNote,
    PickItem,
    PickList,
    PickNeed,
    PickShipment,
    ShipFrom,
    ShipTo,
)
from models.shipping.tables import Shipment, Waybill
from portal.documents.dispatch_note import render_dispatch_note
from portal.documents.pick_list import render_pick_list
from tests.factories import allow_repeat_orders
from tests.portal.conftest import USERS, place

ACTOR = "worker:test"
WAYBILL = "SBX0000000777"


def pdf_text(pdf: bytes) -> str:
    """The text layer of every page."""
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def dark_pixels(pdf: bytes) -> int:
    """How many pixels of page 1, rasterised, are closer to black than to white."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    assert abs(image.width - 595) <= 1 and abs(image.height - 842) <= 1  # A4, 1 pixel a point
    return sum(count for level, count in enumerate(image.histogram()) if level < 128)


def shipped(ref: str, *, customer_code: str = "CUST1", region: str = "R1", waybill: str | None = WAYBILL) -> int:
    """Place, review, allocate and ship ``ref`` as the pipeline stages do, without workers; the shipment id."""
    order = place(ref, customer_code=customer_code, region=region)
    assert review(order.id, actor=ACTOR) == "approve"
    assert allocate(order.id, actor=ACTOR) == "allocated"
    (shipment_id,) = create_shipments(order.id, actor=ACTOR)
    if waybill:
        Waybill.create(shipment=shipment_id, carrier="sandbox", idempotency_key=f"key-{shipment_id}")
        assert record_waybill(shipment_id, waybill_number=waybill, tracking_url="", actor=ACTOR)
    return shipment_id


@pytest.fixture
def books(app):
    """A shipped order of DIST1's customer (EAST), a pending one (EAST) and one of DIST2's customer (WEST)."""
    allow_repeat_orders()
    return {"shipped": shipped("PO-DOC"), "pending": shipped("PO-WAIT", waybill=None),
            "other": shipped("PO-OTHER", customer_code="CUST2", region="R2", waybill="SBX0000000888")}


def token(role: str, email: str | None = None) -> dict:
    user = User.get(User.email == (email or USERS[role][0]))
    return {"Authorization": f"Bearer {ApiToken.issue(user)}"}


# --- rendering -------------------------------------------------------------------------------------

def note(**changes) -> DispatchNote:
    lines = (DispatchLine(1, "WIDGET", "Widget", 2, Decimal("0.500"), Decimal("1.000")),
             DispatchLine(2, "GADGET", "Gadget", 1, Decimal("1.200"), Decimal("1.200")))
    values = {"shipment_id": 42, "order_id": 7, "order_ref": "PO-2024-1", "wave": 1, "status": "dispatched",
              "carrier": "sandbox", "service_level": "express", "waybill_number": WAYBILL,
              "ship_from": ShipFrom("EAST", "East DC", "1 East Road"),
              "ship_to": ShipTo("Ada Buyer", "+1 555 0100", "12 Main St\nUnit 4", "Springfield", "R1", "12345", "US"),
              "lines": lines, "total_weight_kg": Decimal("2.200"), "parcels": 1,
              "printed_at": datetime(2024, 5, 1, 8, 30)}
    return DispatchNote(**{**values, **changes})


def test_dispatch_note_is_a_pdf_with_refs_waybill_skus_and_postcode():
    pdf = render_dispatch_note(note())
    assert pdf.startswith(b"%PDF")
    assert dark_pixels(pdf) > 2000  # text, rules and the barcode's bars
    text = pdf_text(pdf)
    for expected in ("Relay OMS", "PO-2024-1", "#7", "S42", WAYBILL, "WIDGET", "GADGET", "12345", "East DC",
                     "2.200 kg", "Packed by", "Page 1 of 1"):
        assert expected in text
    assert "pending" not in text


def barcode_height(pdf: bytes) -> int:
    """The most rows in a row of page 1's top right that repeat one pattern of 20 or more bar edges."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    best, run, previous = 0, 0, None
    for y in range(200):
        row = tuple(image.getpixel((x, y)) < 128 for x in range(image.width // 2, image.width))
        edges = sum(1 for a, b in pairwise(row) if a != b)
        run = run + 1 if edges >= 20 and row == previous else 0
        best, previous = max(best, run), row
    return best


@pytest.mark.parametrize("waybill_number", [WAYBILL, None])
def test_barcode_bars_sit_in_the_header(waybill_number):
    assert barcode_height(render_dispatch_note(note(waybill_number=waybill_number))) >= 30  # 15 mm of bars


def test_note_without_a_waybill_barcodes_the_shipment_and_says_pending():
    text = pdf_text(render_dispatch_note(note(waybill_number=None)))
    assert "waybill pending" in text and "S42" in text and WAYBILL not in text


def test_non_latin_text_renders_in_the_fallback_font():
    chinese = ShipTo("张伟", "", "北京市朝阳区建国路八十八号", "北京", "BJ", "100022", "CN")
    pdf = render_dispatch_note(note(ship_to=chinese, order_ref="订单-1", lines=(
        DispatchLine(1, "WIDGET", "小部件 – Ünïcode ✓", 1, Decimal("0.5"), Decimal("0.5")),)))
    text = pdf_text(pdf)
    assert "张伟" in text and "100022" in text and "订单-1" in text
    assert b"STSong-Light" in pdf


def test_a_long_waybill_number_still_fits():
    pdf = render_dispatch_note(note(waybill_number="W" * 60))
    assert "W" * 60 in pdf_text(pdf).replace("\r\n", "")


def test_pick_list_pdf_lists_each_sku_once_with_its_shipments():
    needs = (PickNeed(10, 1, "PO-1", 2), PickNeed(11, 2, "PO-2", 5))
    pick = PickList(ShipFrom("EAST", "East DC", "1 East Road"),
                    (PickShipment(10, 1, "PO-1", 1, "ready"), PickShipment(11, 2, "PO-2", 1, "dispatched")),
                    (PickItem("GADGET", "Gadget", 1, needs[:1]), PickItem("WIDGET", "Widget", 7, needs)),
                    datetime(2024, 5, 1, 8, 30))
    pdf = render_pick_list(pick)
    assert pdf.startswith(b"%PDF") and dark_pixels(pdf) > 1000
    text = pdf_text(pdf)
    assert text.index("GADGET") < text.index("WIDGET")
    assert "S10 (PO-1) x 2" in text and "S11 (PO-2) x 5" in text and "Page 1 of 1" in text


def test_a_long_pick_list_numbers_its_pages():
    items = tuple(PickItem(f"SKU-{n:03d}", f"Product {n}", n, (PickNeed(10, 1, "PO-1", n),)) for n in range(1, 80))
    pick = PickList(ShipFrom("EAST", "East DC", ""), (PickShipment(10, 1, "PO-1", 1, "ready"),), items,
                    datetime(2024, 5, 1))
    text = pdf_text(render_pick_list(pick))
    assert "Page 1 of 3" in text and "Page 3 of 3" in text and "SKU-079" in text


def test_an_empty_pick_list_says_there_is_nothing_to_pick():
    text = pdf_text(render_pick_list(PickList(ShipFrom("WEST", "West DC", ""), (), (), datetime(2024, 5, 1))))
    assert "Nothing to pick" in text and "WEST" in text


# --- portal ----------------------------------------------------------------------------------------

def test_ops_agent_gets_the_dispatch_note(auth, client, books):
    auth.login_as("ops_agent")
    response = client.get(f"/ops/shipments/{books['shipped']}/dispatch-note.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="dispatch-note-S{books["shipped"]}.pdf"'
    text = pdf_text(response.data)
    assert "PO-DOC" in text and WAYBILL in text and "WIDGET" in text and "12345" in text


def test_pending_shipment_note_says_waybill_pending(auth, client, books):
    auth.login_as("ops_admin")
    response = client.get(f"/ops/shipments/{books['pending']}/dispatch-note.pdf")
    assert response.status_code == 200 and "waybill pending" in pdf_text(response.data)


def test_distributor_gets_its_own_notes_and_404_for_anyone_elses(auth, client, books):
    auth.login_as("distributor")
    assert client.get(f"/ops/shipments/{books['shipped']}/dispatch-note.pdf").status_code == 200
    assert client.get(f"/ops/shipments/{books['other']}/dispatch-note.pdf").status_code == 404
    assert client.get("/ops/shipments/987654/dispatch-note.pdf").status_code == 404


def test_supplier_is_refused_and_anonymous_is_sent_to_login(auth, client, books):
    assert client.get(f"/ops/shipments/{books['shipped']}/dispatch-note.pdf").status_code == 302
    auth.login_as("supplier")
    assert client.get(f"/ops/shipments/{books['shipped']}/dispatch-note.pdf").status_code == 403


def test_ops_agent_gets_the_pick_list_of_a_warehouse(auth, client, books):
    auth.login_as("ops_agent")
    response = client.get("/ops/pick-list.pdf?warehouse=EAST")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="pick-list-EAST.pdf"'
    text = pdf_text(response.data)
    assert "PO-DOC" in text and "PO-WAIT" in text and "PO-OTHER" not in text
    assert text.index("GADGET") < text.index("WIDGET")
    assert f"S{books['shipped']} (PO-DOC) x 2" in text


def test_pick_list_of_named_shipments_and_its_refusals(auth, client, books):
    auth.login_as("ops_admin")
    response = client.get(f"/ops/pick-list.pdf?warehouse=EAST&shipment={books['pending']}")
    assert response.status_code == 200
    assert "PO-WAIT" in pdf_text(response.data) and "PO-DOC" not in pdf_text(response.data)
    refused = client.get(f"/ops/pick-list.pdf?warehouse=EAST&shipment={books['other']}")
    assert refused.status_code == 422 and "another warehouse" in refused.text
    assert client.get("/ops/pick-list.pdf?warehouse=EAST&shipment=abc").status_code == 422
    assert client.get("/ops/pick-list.pdf?warehouse=NOWHERE").status_code == 404
    assert client.get("/ops/pick-list.pdf").status_code == 400


def test_distributor_may_not_print_pick_lists(auth, client, books):
    auth.login_as("distributor")
    assert client.get("/ops/pick-list.pdf?warehouse=EAST").status_code == 403


def test_order_page_links_each_shipment_to_its_dispatch_note(auth, client, books):
    auth.login_as("ops_agent")
    order_id = Shipment.get_by_id(books["shipped"]).order_id
    page = client.get(f"/orders/{order_id}").text
    assert f'href="/ops/shipments/{books["shipped"]}/dispatch-note.pdf"' in page


# --- API -------------------------------------------------------------------------------------------

def test_api_needs_a_token(client, books):
    response = client.get(f"/api/v1/shipments/{books['shipped']}/dispatch-note.pdf")
    assert response.status_code == 401 and response.json["error"]
    assert client.get("/api/v1/warehouses/EAST/pick-list.pdf").status_code == 401


def test_api_dispatch_note_for_ops_and_its_distributor(client, books):
    response = client.get(f"/api/v1/shipments/{books['shipped']}/dispatch-note.pdf", headers=token("ops_agent"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and WAYBILL in pdf_text(response.data)
    assert response.headers["Content-Disposition"] == f'inline; filename="dispatch-note-S{books["shipped"]}.pdf"'
    mine = client.get(f"/api/v1/shipments/{books['shipped']}/dispatch-note.pdf", headers=token("distributor"))
    assert mine.status_code == 200


def test_api_answers_404_for_unknown_or_invisible_shipments_and_403_for_suppliers(client, books):
    missing = client.get("/api/v1/shipments/987654/dispatch-note.pdf", headers=token("ops_admin"))
    assert missing.status_code == 404 and missing.json == {"error": "shipment 987654 not found"}
    other = client.get(f"/api/v1/shipments/{books['other']}/dispatch-note.pdf", headers=token("distributor"))
    assert other.status_code == 404
    supplier = client.get(f"/api/v1/shipments/{books['shipped']}/dispatch-note.pdf", headers=token("supplier"))
    assert supplier.status_code == 403 and "supplier" in supplier.json["error"]


def test_api_pick_list(client, books):
    ops = token("ops_agent")
    response = client.get("/api/v1/warehouses/WEST/pick-list.pdf", headers=ops)
    assert response.status_code == 200 and "PO-OTHER" in pdf_text(response.data)
    named = client.get(f"/api/v1/warehouses/EAST/pick-list.pdf?shipment={books['shipped']}", headers=ops)
    assert named.status_code == 200 and "PO-WAIT" not in pdf_text(named.data)
    refused = client.get(f"/api/v1/warehouses/EAST/pick-list.pdf?shipment={books['other']}", headers=ops)
    assert refused.status_code == 422 and "another warehouse" in refused.json["errors"]["shipment"][0]
    assert client.get("/api/v1/warehouses/NOWHERE/pick-list.pdf", headers=ops).status_code == 404
    assert client.get("/api/v1/warehouses/EAST/pick-list.pdf", headers=token("distributor")).status_code == 403
    assert Order.select().count() == 3  # reading documents changes nothing
