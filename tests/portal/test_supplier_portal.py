"""The supplier portal: its home, its purchase orders (confirm or counter line by line or by CSV, announce
deliveries), documents and stock; always its own only."""
from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from models.core.base import utc_now
from models.inventory.tables import Product, Stock, StockAlert, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.accounts import create_user
from models.partners.tables import Partner
from models.planning.tables import DemandForecast, ForecastPeriod, series_key
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.asns import AsnLineInput, create_asn
from models.supply.confirmations import ConfirmationInput, confirm_purchase_order
from models.supply.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    send_purchase_order,
)
from models.supply.tables import AdvanceShippingNotice, PurchaseOrder, PurchaseOrderLine
from tests.portal.conftest import PASSWORD, place

SOON = date.today() + timedelta(days=10)
LATER = date.today() + timedelta(days=20)


def sent(lines: dict[str, int] | None = None, *, supplier: str = "SUP1", warehouse: str = "EAST",
         send: bool = True) -> PurchaseOrder:
    purchase = create_purchase_order(supplier_code=supplier, warehouse_code=warehouse, actor="buyer@relay.test",
                                     lines=[PurchaseLineInput(sku, units, Decimal("4.00")) for sku, units in
                                            (lines or {"WIDGET": 10, "GADGET": 5}).items()], expected_at=SOON)
    if send:
        assert send_purchase_order(purchase.number, actor="buyer@relay.test", answer_within=timedelta(days=3))
    return PurchaseOrder.get_by_id(purchase.id)


def answer(purchase: PurchaseOrder, quantities: dict[str, int], *, counter: bool = False) -> str:
    return confirm_purchase_order(purchase.number, [ConfirmationInput(sku, units, SOON, counter=counter)
                                                    for sku, units in quantities.items()],
                                  supplier_id=None, actor="sup1@relay.test")


def line_ids(purchase: PurchaseOrder) -> dict[str, int]:
    return {line.product.sku: line.id for line in PurchaseOrderLine.select().where(
        PurchaseOrderLine.purchase_order == purchase.id)}


@pytest.fixture
def supplier_b(app):
    """SUP2 with its own SKU, user and a sent purchase order."""
    sup2 = Partner.create(code="SUP2", name="Bravo Supplies", kind="supplier")
    Product.create(sku="BOLT", name="Bolt", unit_price=Decimal("1.00"), supplier=sup2)
    create_user("sup2@relay.test", "supplier", partner_code="SUP2", password=PASSWORD)
    return sent({"BOLT": 40}, supplier="SUP2")


def test_a_supplier_signs_in_to_its_home(auth, client):
    response = auth.login("sup1@relay.test")

    assert response.headers["Location"] == "/supplier"
    assert client.get("/home").headers["Location"] == "/supplier"
    page = client.get("/supplier").text
    for label, path in (("Home", "/supplier"), ("Purchase orders", "/supplier/purchase-orders"),
                        ("Stock", "/supplier/stock"), ("Scorecard", "/supplier/scorecard")):
        assert f'href="{path}">{label}</a>' in page
    assert "will appear here" not in page


def test_home_lists_what_needs_action(auth, client, supplier_b):
    to_confirm, confirmed, countered = sent(), sent({"WIDGET": 3}), sent({"GADGET": 2})
    answer(confirmed, {"WIDGET": 3})
    answer(countered, {"GADGET": 4}, counter=True)
    draft = sent(send=False)
    order = place("DS-HOME-1")
    dropship = create_purchase_order(supplier_code="SUP1", warehouse_code=None, actor="test", origin="drop_ship",
                                     lines=[PurchaseLineInput("WIDGET", 2)], sales_order_id=order.id)
    send_purchase_order(dropship.number, actor="test", answer_within=timedelta(hours=24))
    east, widget = Warehouse.get(Warehouse.code == "EAST"), Product.get(Product.sku == "WIDGET")
    StockAlert.create(warehouse=east, product=widget, available=3, reorder_point=20)
    auth.login_as("supplier")

    page = client.get("/supplier").text

    sections = {key: page[page.index(f'id="{key}"'):] for key in
                ("to_confirm", "dropship_to_ship", "asns_due", "counters_waiting")}
    for key in sections:
        sections[key] = sections[key][:sections[key].index("</section>")]
    assert to_confirm.number in sections["to_confirm"] and dropship.number in sections["to_confirm"]
    assert "(2)" in sections["to_confirm"]
    assert dropship.number in sections["dropship_to_ship"] and "a customer (drop-ship)" in sections["dropship_to_ship"]
    assert confirmed.number in sections["asns_due"] and to_confirm.number not in sections["asns_due"]
    assert countered.number in sections["counters_waiting"]
    assert f'href="/supplier/purchase-orders/{to_confirm.number}"' in page
    assert draft.number not in page
    assert "Low stock of your SKUs <span class=\"muted\">(1 open)</span>" in page and "WIDGET" in page
    assert 'href="/supplier/scorecard"' in page
    assert supplier_b.number not in page and "BOLT" not in page


def test_confirm_line_by_line_partially(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    ids = line_ids(purchase)
    page = client.get(f"/supplier/purchase-orders/{purchase.number}").text
    assert f'name="quantity-{ids["WIDGET"]}" value="10"' in page
    assert f'name="promised-{ids["WIDGET"]}" value="{SOON.isoformat()}"' in page  # the date asked for

    response = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation", data={
        f"quantity-{ids['WIDGET']}": "6", f"promised-{ids['WIDGET']}": LATER.isoformat(),
        f"quantity-{ids['GADGET']}": "5", f"promised-{ids['GADGET']}": SOON.isoformat()}, follow_redirects=True)

    assert response.status_code == 200 and "your answer is recorded (partially confirmed)" in response.text
    assert PurchaseOrder.get_by_id(purchase.id).status == "partially_confirmed"
    answered = {line.product.sku: (line.confirmed_quantity, line.promised_date)
                for line in PurchaseOrder.get_by_id(purchase.id).lines}
    assert answered == {"WIDGET": (6, LATER), "GADGET": (5, SOON)}


def test_a_confirmation_missing_a_date_is_shown_by_its_line_and_saves_nothing(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    ids = line_ids(purchase)

    response = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation", data={
        f"quantity-{ids['WIDGET']}": "10", f"promised-{ids['WIDGET']}": "",
        f"quantity-{ids['GADGET']}": "five", f"promised-{ids['GADGET']}": SOON.isoformat()})

    assert response.status_code == 422 and "a whole number, 0 when you cannot supply the line" in response.text
    dated = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation", data={
        f"quantity-{ids['WIDGET']}": "10", f"promised-{ids['WIDGET']}": "",
        f"quantity-{ids['GADGET']}": "5", f"promised-{ids['GADGET']}": SOON.isoformat()})
    assert dated.status_code == 422
    row = dated.text[dated.text.index(f'name="promised-{ids["WIDGET"]}"'):]
    assert "give the date you promise to deliver" in row[:row.index("</tr>")]
    assert PurchaseOrder.get_by_id(purchase.id).status == "sent"
    assert all(line.confirmed_quantity is None for line in PurchaseOrder.get_by_id(purchase.id).lines)


def test_a_counter_proposal_reaches_ops(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    ids = line_ids(purchase)

    client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation", data={
        f"quantity-{ids['WIDGET']}": "12", f"promised-{ids['WIDGET']}": LATER.isoformat(),
        f"counter-{ids['WIDGET']}": "1",
        f"quantity-{ids['GADGET']}": "5", f"promised-{ids['GADGET']}": SOON.isoformat()})

    assert PurchaseOrder.get_by_id(purchase.id).status == "countered"
    mine = client.get(f"/supplier/purchase-orders/{purchase.number}").text
    assert "waits for our decision" in mine
    assert f'name="counter-{ids["WIDGET"]}" value="1" checked' in mine  # the answer so far
    auth.logout()
    auth.login_as("ops_agent")
    ops_page = client.get(f"/ops/purchase-orders/{purchase.number}").text
    assert "The supplier proposes other quantities or dates" in ops_page
    assert f"<b>12</b> by {LATER.isoformat()}" in ops_page
    assert "Accept counter-proposal" in ops_page


def test_a_csv_with_a_bad_row_names_it_and_writes_nothing(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    bad = f"sku,quantity,promised_date\nWIDGET,10,{SOON}\nGADGET,many,{SOON}\n".encode()

    response = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation-file",
                           data={"file": (_file(bad), "answer.csv")}, content_type="multipart/form-data")

    assert response.status_code == 422
    assert re.search(r"<li>Row 3, column quantity: [^<]+</li>", response.text), response.text
    assert PurchaseOrder.get_by_id(purchase.id).status == "sent"
    assert all(line.confirmed_quantity is None for line in PurchaseOrder.get_by_id(purchase.id).lines)

    good = f"sku,quantity,promised_date\nWIDGET,10,{SOON}\nGADGET,5,{LATER}\n".encode()
    done = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation-file",
                       data={"file": (_file(good), "answer.csv")}, content_type="multipart/form-data")
    assert done.status_code == 302 and PurchaseOrder.get_by_id(purchase.id).status == "confirmed"


def test_the_csv_download_filled_in_is_a_valid_answer(auth, client):
    purchase = sent()
    auth.login_as("supplier")
    exported = client.get(f"/supplier/purchase-orders/{purchase.number}.csv").text
    header, *rows = list(csv.reader(io.StringIO(exported)))
    filled = io.StringIO()
    csv.writer(filled).writerows([header] + [[SOON.isoformat() if name == "promised_date" else value
                                              for name, value in zip(header, row)] for row in rows])

    response = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation-file",
                           data={"file": (_file(filled.getvalue().encode()), "filled.csv")},
                           content_type="multipart/form-data")

    assert response.status_code == 302
    assert PurchaseOrder.get_by_id(purchase.id).status == "confirmed"


def test_an_asn_is_created(auth, client):
    purchase = sent()
    answer(purchase, {"WIDGET": 10, "GADGET": 4})
    auth.login_as("supplier")
    ids = line_ids(purchase)
    page = client.get(f"/supplier/purchase-orders/{purchase.number}").text
    assert f'name="ship-{ids["WIDGET"]}" value="10"' in page and f'name="ship-{ids["GADGET"]}" value="4"' in page

    too_many = client.post(f"/supplier/purchase-orders/{purchase.number}/asns", data={
        f"ship-{ids['WIDGET']}": "11", "carrier": "DHL"})
    assert too_many.status_code == 422 and "only 10 of WIDGET are still to announce" in too_many.text
    response = client.post(f"/supplier/purchase-orders/{purchase.number}/asns", data={
        f"ship-{ids['WIDGET']}": "10", f"ship-{ids['GADGET']}": "0", "carrier": "DHL",
        "tracking_number": "JD0001", "expected_on": LATER.isoformat(), "reference": "DN-77"}, follow_redirects=True)

    assert response.status_code == 200 and "delivery DN-77 announced" in response.text
    asn = AdvanceShippingNotice.get()
    assert (asn.reference, asn.carrier, asn.tracking_number, asn.expected_on) == ("DN-77", "DHL", "JD0001", LATER)
    assert [(line.purchase_order_line_id, line.quantity) for line in asn.lines] == [(ids["WIDGET"], 10)]
    assert PurchaseOrder.get_by_id(purchase.id).status == "shipped"
    assert f'name="ship-{ids["GADGET"]}" value="4"' in response.text  # the rest can still be announced


def test_a_drop_ship_po_shows_the_ship_to_and_the_lines_to_ship(auth, client):
    order = place("DS-VIEW-1")
    line = OrderLine.get(OrderLine.order == order.id, OrderLine.sku == "WIDGET")
    purchase = create_purchase_order(supplier_code="SUP1", warehouse_code=None, actor="test", origin="drop_ship",
                                     lines=[PurchaseLineInput("WIDGET", line.quantity, order_line_id=line.id)],
                                     sales_order_id=order.id)
    send_purchase_order(purchase.number, actor="test", answer_within=timedelta(hours=24))
    auth.login_as("supplier")

    page = client.get(f"/supplier/purchase-orders/{purchase.number}").text

    ship_to = page[page.index('class="card ship-to"'):page.index("</address>")]
    assert "Ada Buyer" in ship_to and "Springfield 12345" in ship_to and "US" in ship_to
    assert f"<td>{order.id}/{line.line_no}</td><td>WIDGET</td><td class=\"num\">{line.quantity}</td>" in page
    assert "drop-ship: ship straight to the customer" in page


def test_stock_shows_incoming_sell_through_and_forecast(auth, client, supplier_b):
    purchase = sent({"WIDGET": 30})
    answer(purchase, {"WIDGET": 30})
    _shipped("WIDGET", 25, days_ago=3)
    _shipped("WIDGET", 40, days_ago=60)
    widget = Product.get(Product.sku == "WIDGET")
    forecast = DemandForecast.create(series=series_key("WIDGET", None), product=widget, method="AutoETS",
                                     mase=Decimal("0.82"), history_weeks=52, horizon_weeks=8)
    monday = date.today() - timedelta(days=date.today().weekday())
    ForecastPeriod.create(forecast=forecast, week_start=monday + timedelta(weeks=1), quantity=Decimal("7.5"),
                          low=Decimal("3"), high=Decimal("12"))
    auth.login_as("supplier")

    page = client.get("/supplier/stock").text

    east = page[page.index(">WIDGET</a>"):]
    east = east[:east.index("</tr>")]
    # EAST: 100 on hand, 30 incoming by SOON; 25 shipped in 4 weeks, 65 in 13: 25/125 = 20%, 65/165 = 39.4%;
    # cover 100 / (65/13) = 20 weeks
    cells = re.findall(r'<td class="num">([^<]*)</td>', east)
    assert cells == ["100", "100", "30", "25", "65", "20.0%", "39.4%", "20.0", "—"]
    assert f"<td>{SOON.isoformat()}</td>" in east
    assert "Method AutoETS" in page and "error 0.82 MASE" in page
    assert re.search(r'<td class="num">7.5</td><td class="num">3.0</td><td class="num">12.0</td>', page)
    gadget = page[page.index("<h3>GADGET"):]
    assert "No forecast yet." in gadget[:gadget.index("</section>")]
    assert "BOLT" not in page


def test_supplier_a_finds_nothing_of_supplier_b(auth, client, supplier_b):
    auth.login_as("supplier")  # SUP1
    number = supplier_b.number
    line = PurchaseOrderLine.get(PurchaseOrderLine.purchase_order == supplier_b.id)
    bolts = f"sku,quantity,promised_date\nBOLT,40,{SOON}\n".encode()

    answers = [client.get(f"/supplier/purchase-orders/{number}"),
               client.get(f"/supplier/purchase-orders/{number}.pdf"),
               client.get(f"/supplier/purchase-orders/{number}.csv"),
               client.post(f"/supplier/purchase-orders/{number}/confirmation",
                           data={f"quantity-{line.id}": "40", f"promised-{line.id}": SOON.isoformat()}),
               client.post(f"/supplier/purchase-orders/{number}/confirmation-file",
                           data={"file": (_file(bolts), "b.csv")}, content_type="multipart/form-data"),
               client.post(f"/supplier/purchase-orders/{number}/asns",
                           data={f"ship-{line.id}": "40", "carrier": "DHL", "tracking_number": "X"})]

    assert [response.status_code for response in answers] == [404] * 6
    assert not any("BOLT" in response.text or "Bravo" in response.text for response in answers)
    assert PurchaseOrder.get_by_id(supplier_b.id).status == "sent"
    assert PurchaseOrderLine.get_by_id(line.id).confirmed_quantity is None
    assert AdvanceShippingNotice.select().count() == 0
    listed = client.get("/supplier/purchase-orders").text + client.get("/supplier/purchase-orders?status=sent").text
    assert number not in listed
    assert client.get("/ops/purchase-orders").status_code == 403


def test_the_list_is_its_own_and_filters(auth, client, supplier_b):
    mine, answered = sent(), sent({"WIDGET": 1})
    answer(answered, {"WIDGET": 1})
    create_asn(answered.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 1)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor="test")
    auth.login_as("supplier")

    everything = client.get("/supplier/purchase-orders").text
    shipped = client.get("/supplier/purchase-orders?status=shipped").text

    assert mine.number in everything and answered.number in everything and supplier_b.number not in everything
    assert answered.number in shipped and mine.number not in shipped


@pytest.mark.parametrize("role", ["ops_agent", "distributor"])
def test_other_roles_cannot_use_the_supplier_pages(auth, client, role):
    purchase = sent()
    auth.login_as(role)

    for path in ("/supplier", "/supplier/purchase-orders", f"/supplier/purchase-orders/{purchase.number}",
                 "/supplier/stock"):
        assert client.get(path).status_code == 403


def _file(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def _shipped(sku: str, units: int, *, days_ago: int) -> None:
    """A delivered shipment of ``units`` from EAST, created ``days_ago`` days ago."""
    customer = Partner.get(Partner.code == "CUST1")
    when = utc_now() - timedelta(days=days_ago)
    order = Order.create(channel="api", external_ref=f"ST-{sku}-{days_ago}", customer=customer, currency="USD",
                         status="delivered", ship_to_name="Ada", ship_to_address="12 Main St",
                         ship_to_city="Springfield", ship_to_region="R1", ship_to_country="US")
    product = Product.get(Product.sku == sku)
    line = OrderLine.create(order=order, line_no=1, product=product, sku=sku, quantity=units,
                            unit_price=product.unit_price, line_total=product.unit_price * units)
    shipment = Shipment.create(order=order, warehouse=Warehouse.get(Warehouse.code == "EAST"), status="delivered",
                               created_at=when)
    ShipmentLine.create(shipment=shipment, order_line=line, quantity=units)
    assert Stock.select().count() == 4


def test_answering_a_shipped_order_is_refused_with_a_message(auth, client):
    purchase = sent({"WIDGET": 2})
    answer(purchase, {"WIDGET": 2})
    create_asn(purchase.number, supplier_id=None, lines=[AsnLineInput("WIDGET", 2)], carrier="UPS",
               tracking_number="1Z", expected_on=None, actor="test")
    auth.login_as("supplier")
    ids = line_ids(purchase)

    response = client.post(f"/supplier/purchase-orders/{purchase.number}/confirmation",
                           data={f"quantity-{ids['WIDGET']}": "1", f"promised-{ids['WIDGET']}": SOON.isoformat()})

    assert response.status_code == 422
    assert "only a sent or answered purchase order can be confirmed" in response.text
    assert PurchaseOrder.get_by_id(purchase.id).status == "shipped"
    assert "Your answer, line by line" not in response.text
