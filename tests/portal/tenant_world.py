"""Two tenants' real data for the access matrix: distributor A (DIST1) and distributor B (DIST2), each with
orders placed through the API with its own token and taken through review, allocation, shipping, invoicing and
returns; supplier A (SUP1) and supplier B (SUP2), each with its SKUs' stock. B's rows carry distinctive values
(references, names, addresses, waybill numbers) that must never reach A."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from models.core.base import utc_now
from models.core.db import database
from models.intake.mail import receive_mail
from models.intake.tables import ColumnMapping, ImportBatch, IntakeMessage, SalesChannel
from models.inventory.alerts import sweep_alerts
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.tables import Order, OrderLine
from models.partners.accounts import create_user
from models.partners.api_tokens import create_token
from models.partners.tables import Partner, User
from models.planning.tables import (
    DemandForecast,
    ForecastPeriod,
    ReplenishmentSuggestion,
    series_key,
)
from models.receivables.ledger import Invoice, Payment
from models.receivables.payments import record_payment
from models.returns.flow import Inspected, inspect_return, receive_return, settle_return
from models.returns.photos import CheckedPhoto, request_return_with_photos
from models.returns.requesting import RequestedLine, request_return
from models.returns.tables import Refund, ReturnLine, ReturnPhoto
from models.shipping.tables import Shipment, ShipmentAlert, ShipmentEvent
from models.shipping.tracking import CarrierEvent, record_tracking_events
from models.supply.tables import (
    AdvanceShippingNotice,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    SupplyAlert,
)
from models.tables import ALL_TABLES
from models.webhooks.subscriptions import create_subscription
from models.webhooks.tables import WebhookDelivery, WebhookEvent
from schemas.order_rows import import_row_schema
from tests.factories import allow_repeat_orders, book_waybills, make_world
from tests.models.intake.test_mail import build_mail
from tests.portal.conftest import PASSWORD, USERS, put_on_hold

ACTOR = "worker:test"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@dataclass
class Tenant:
    """One partner's user, bearer token and the values only it (and ops) may see."""

    email: str
    token: str
    values: set[str] = field(default_factory=set)


@dataclass
class World:
    tenants: dict[str, Tenant]  # dist_a, dist_b, sup_a, sup_b
    b_ids: dict[str, list]  # what B's values are for -> the values (ARGUMENTS in the matrix maps URL arguments)


def ship_to(name: str, address: str, city: str, postcode: str, email: str, region: str) -> dict:
    return {"name": name, "phone": "+1 555 0100", "email": email, "address": address, "city": city,
            "region": region, "postcode": postcode, "country": "US"}


def order_body(ref: str, customer_code: str, destination: dict, lines: list[dict]) -> dict:
    return {"channel": "api", "external_ref": ref, "customer_code": customer_code, "currency": "USD",
            "ship_to": destination, "lines": lines, "notes": ""}


def place_via_api(client, token: str, body: dict) -> Order:
    """Place the order as the API does for the token's distributor."""
    response = client.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 202, response.text
    return Order.get_by_id(response.get_json()["id"])


def tracked(numbers: list[str], code: str) -> None:
    record_tracking_events("sandbox", [CarrierEvent(f"ev-{code}-{number}", number, code, utc_now())
                                       for number in numbers], actor=ACTOR)


def paid_and_refunded(order: Order, reference: str, comment: str) -> Refund:
    """The order's invoice paid, then one WIDGET returned, received, inspected and settled: a payout."""
    invoice = Invoice.get(Invoice.order == order.id)
    record_payment(order.customer, amount=invoice.amount, currency=invoice.currency, reference=reference,
                   method="bank_transfer", actor="test")
    request = request_return(order.id, resolution="refund", reason="damaged", comment=comment, via="api",
                             actor="test", lines=[RequestedLine("WIDGET", 1)])
    assert receive_return(request.id, actor="test")
    line = ReturnLine.get(ReturnLine.return_request == request.id)
    assert inspect_return(request.id, [Inspected(line.id, "resellable")], actor="test")
    assert settle_return(request.id, actor="test")
    return Refund.get(Refund.return_request == request.id)


def build_world(app) -> World:
    """Both tenants' data on the app's database; every user signs in with PASSWORD."""
    make_world()
    allow_repeat_orders()
    for role, (email, partner) in USERS.items():
        create_user(email, role, partner_code=partner, password=PASSWORD)
    dist_b = Partner.create(code="DIST2", name="Bravo Distribution Zq", kind="distributor", region="R2")
    cust_b = Partner.create(code="CUST2", name="Bravo Customer Zq", kind="customer", region="R2",
                            distributor=dist_b, email="bravo.buyer@example.net")
    sup_b = Partner.create(code="SUP2", name="Bravo Supplies Zq", kind="supplier", lead_time_days=7)
    create_user("dist2@relay.test", "distributor", partner_code="DIST2", password=PASSWORD)
    create_user("sup2@relay.test", "supplier", partner_code="SUP2", password=PASSWORD)
    sprocket = Product.create(sku="BRV-SPROCKET", name="Bravo Sprocket Zq", unit_price=Decimal("7.00"),
                              weight_kg=Decimal("0.3"), supplier=sup_b, reorder_point=500)
    for warehouse in Warehouse.select():
        Stock.create(warehouse=warehouse, product=sprocket, on_hand=100)
    tenants = {key: Tenant(email, create_token(User.get(User.email == email), name=f"{key} token")[1])
               for key, email in (("dist_a", USERS["distributor"][0]), ("dist_b", "dist2@relay.test"),
                                  ("sup_a", USERS["supplier"][0]), ("sup_b", "sup2@relay.test"))}
    client = app.test_client()
    _distributor_a(client, tenants["dist_a"])
    b_ids = _distributor_b(app, client, tenants["dist_b"], dist_b, cust_b)
    b_ids.update(_supplier_b(tenants["sup_b"], sup_b, sprocket))
    tenants["sup_a"].values |= {"SUP1", "Supplier One"}
    b_ids.update(_webhook_b(tenants["dist_b"]))
    # The events feed holds back events younger than a few seconds: age them so the feed shows them.
    ShipmentEvent.update(created_at=utc_now() - timedelta(minutes=5)).execute()
    return World(tenants, b_ids)


def _webhook_b(tenant: Tenant) -> dict[str, list]:
    """B's webhook subscription with one delivery in its log."""
    subscription, _ = create_subscription(User.get(User.email == tenant.email), "https://bravo-hooks.example.net/zq",
                                          ["order.status_changed"], description="Bravo hooks Zq")
    event = WebhookEvent.create(source="status_change", source_id=10**9, event_type="order.status_changed",
                                occurred_at=utc_now(), payload='{"order_ref": "BRAVO-HOOK-ZQ"}')
    delivery = WebhookDelivery.create(subscription=subscription, event=event, message_id="msg_bravozq",
                                      status="failed", attempts=8, last_status_code=503)
    tenant.values |= {"https://bravo-hooks.example.net/zq", "Bravo hooks Zq", "msg_bravozq"}
    return {"subscription_id": [subscription.id], "delivery_id": [delivery.id]}


def _distributor_a(client, tenant: Tenant) -> None:
    destination = ship_to("Alfa Receiver", "5 Alfa Street", "Alfaton", "AL1 1FA", "alfa.buyer@example.org", "R1")
    order = place_via_api(client, tenant.token, order_body("ALFA-PO-1", "CUST1", destination,
                                                           [{"sku": "WIDGET", "quantity": 3}]))
    numbers = book_waybills(order)
    tracked(numbers, "delivered")
    request_return(order.id, resolution="refund", reason="damaged", comment="alfa return note", via="api",
                   actor="test", lines=[RequestedLine("WIDGET", 1)])
    tenant.values |= {"ALFA-PO-1", "Alfa Receiver", "5 Alfa Street", "alfa.buyer@example.org", *numbers,
                      "Distributor One", "Customer One"}


def _distributor_b(app, client, tenant: Tenant, dist_b: Partner, cust_b: Partner) -> dict[str, list]:
    """B's orders (delivered and refunded, dispatched, stuck on a carrier exception, on hold), a return with a photo,
    an import batch with an error, a column mapping, a sales channel and a mail in the intake queue."""
    destination = ship_to("Zelda Bravoreceiver", "77 Bravo Lane", "Bravoville", "BV1 7ZQ",
                          "zelda.bravo@example.net", "R2")
    lines = [{"sku": "WIDGET", "quantity": 2}, {"sku": "BRV-SPROCKET", "quantity": 1}]
    delivered = place_via_api(client, tenant.token, order_body("BRAVO-PO-DELIVERED", "CUST2", destination, lines))
    delivered_numbers = book_waybills(delivered)
    tracked(delivered_numbers, "delivered")
    refund = paid_and_refunded(delivered, "BRAVO-BANK-REF-1", "bravo refund comment zq")
    photo_return = request_return_with_photos(
        delivered.id, resolution="refund", reason="defective", comment="bravo photo comment zq",
        lines=[RequestedLine("BRV-SPROCKET", 1)], photos=[CheckedPhoto("bravo-crack.png", "image/png", PNG)],
        data_dir=app.config["OMS_SETTINGS"].data_dir, via="api", actor="test")
    shipped = place_via_api(client, tenant.token, order_body("BRAVO-PO-SHIPPED", "CUST2", destination, lines))
    shipped_numbers = book_waybills(shipped)  # dispatched: on the warehouse's pick list
    stuck = place_via_api(client, tenant.token, order_body("BRAVO-PO-STUCK", "CUST2", destination, lines))
    stuck_numbers = book_waybills(stuck)
    tracked(stuck_numbers, "exception")  # an alert for ops
    held = place_via_api(client, tenant.token, order_body("BRAVO-PO-HELD", "CUST2", destination, lines))
    put_on_hold(held.id)
    batch_id = _import_batch(client, tenant.token)
    mapping = ColumnMapping.create(distributor=dist_b, mapping_json='{"BravoHeaderZq": "external_ref"}')
    channel = SalesChannel.create(code="bravo-shop", kind="shopify", name="Bravo Shop Zq", customer=cust_b,
                                  webhook_secret="bravo-secret")
    intake = _mail_from_b(app)
    user = User.get(User.email == tenant.email)
    token = create_token(user, name="bravo token zq")[0]
    _bravo_prices()
    orders = [delivered, shipped, stuck, held]
    invoices = [number for (number,) in Invoice.select(Invoice.number).where(Invoice.order.in_(orders)).tuples()]
    tenant.values |= {"BRAVO-PO-DELIVERED", "BRAVO-PO-SHIPPED", "BRAVO-PO-STUCK", "BRAVO-PO-HELD", "BRAVO-FILE-1",
                      "BRAVO-FILE-BAD",
                      "Zelda Bravoreceiver", "77 Bravo Lane", "Bravoville", "zelda.bravo@example.net",
                      "CUST2", "Bravo Customer Zq", "bravo.buyer@example.net", "DIST2", "Bravo Distribution Zq",
                      *delivered_numbers, *shipped_numbers, *stuck_numbers, *invoices, "BRAVO-BANK-REF-1",
                      "bravo refund comment zq", "bravo photo comment zq", "bravo-crack.png",
                      "bravo-orders-zq.csv", "BravoHeaderZq", "Bravo Shop Zq", "dist2@relay.test",
                      "bravo token zq", token.prefix, "BRAVO-CONTRACT-ZQ", "BRAVO-LIST-ZQ"}
    shipments = [sid for (sid,) in Shipment.select(Shipment.id).where(Shipment.order.in_(orders)).tuples()]
    return {
        "order_id": [order.id for order in orders],
        "line_id": [OrderLine.select(OrderLine.id).where(OrderLine.order == held.id).scalar()],
        "shipment_id": shipments,
        "alert_id": [ShipmentAlert.select(ShipmentAlert.id).where(ShipmentAlert.order == stuck.id).scalar()],
        "return_id": [refund.return_request_id, photo_return.id],
        "photo_id": [ReturnPhoto.get(ReturnPhoto.return_request == photo_return.id).id],
        "refund_id": [refund.id],
        "batch_id": [batch_id],
        "intake_id": [intake.id],
        "token_id": [token.id],
        "user_id": [user.id],
        "invoice_id": [invoice_id for (invoice_id,) in Invoice.select(Invoice.id).where(Invoice.order.in_(orders))
                       .tuples()],
        "payment_id": [Payment.get(Payment.reference == "BRAVO-BANK-REF-1").id],
        "external_ref": [order.external_ref for order in orders],
        "customer_code": [cust_b.code],
        "token_prefix": [token.prefix],
        "channel_code": [channel.code],
        "mapping_id": [mapping.id],
        "carrier": ["sandbox"],
        "warehouse_code": ["WEST"],  # where B's shipments leave from
    }


def _import_batch(client, token: str) -> int:
    """An order file from B through the API: one good order and one refused (unknown SKU)."""
    header = ("external_ref,customer_code,sku,quantity,unit_price,currency,ship_to_name,ship_to_phone,"
              "ship_to_address,ship_to_city,ship_to_region,ship_to_postcode,ship_to_country\n")
    rows = "".join(f"{ref},CUST2,{sku},1,10.00,USD,Zelda Bravoreceiver,+1 555 0100,77 Bravo Lane,Bravoville,R2,"
                   f"BV1 7ZQ,US\n" for ref, sku in (("BRAVO-FILE-1", "WIDGET"), ("BRAVO-FILE-BAD", "NO-SUCH-SKU")))
    response = client.post("/api/v1/orders/import", headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO((header + rows).encode()), "bravo-orders-zq.csv")})
    assert response.status_code == 200 and response.get_json()["orders_rejected"] == 1, response.text
    assert ImportBatch.get_by_id(response.get_json()["batch_id"])
    return response.get_json()["batch_id"]


def _mail_from_b(app) -> IntakeMessage:
    mail = build_mail(sender="bravo.buyer@example.net", subject="Bravo mail Zq", body="Send 5 widgets to Bravo.",
                      message_id="<bravo-1@example.net>", attachments=())
    outcome = receive_mail(mail.as_bytes(), settings=app.config["OMS_SETTINGS"], envelope_from="",
                           row_schema=import_row_schema)
    return IntakeMessage.get_by_id(outcome.intake_id)


def _supplier_b(tenant: Tenant, sup_b: Partner, sprocket: Product) -> dict[str, list]:
    """SUP2's purchase order (an ASN, a receipt, an alert), the low-stock alerts of its SKU (its reorder point is
    above the stock), and its SKU's forecast and replenishment suggestion."""
    east = Warehouse.get(Warehouse.code == "EAST")
    purchase = PurchaseOrder.create(number="PO-BRAVO-SUP-9", supplier=sup_b, status="sent", warehouse=east,
                                    note="Bravo PO note Zq")
    line = PurchaseOrderLine.create(purchase_order=purchase, product=sprocket, quantity=50, received_quantity=5)
    asn = AdvanceShippingNotice.create(purchase_order=purchase, reference="BRAVO-ASN-ZQ", carrier="Bravo Freight",
                                       tracking_number="BRAVO-TRK-ZQ")
    receipt = PurchaseReceipt.create(purchase_order=purchase, asn=asn, actor="dock@relay.test",
                                     note="Bravo receipt note Zq")
    PurchaseReceiptLine.create(receipt=receipt, purchase_order_line=line, announced_quantity=9, received_quantity=5,
                               discrepancy="short")
    SupplyAlert.create(purchase_order=purchase, kind="asn_overdue", message="Bravo supply alert Zq")
    forecast = DemandForecast.create(series=series_key(sprocket.sku, "EAST"), product=sprocket, warehouse=east,
                                     method="SeasonalES", history_weeks=120, horizon_weeks=1)
    ForecastPeriod.create(forecast=forecast, week_start=date(2031, 1, 6), quantity=Decimal("77.77"),
                          low=Decimal("70.70"), high=Decimal("88.88"))
    ReplenishmentSuggestion.create(product=sprocket, warehouse=east, supplier=sup_b, suggested_quantity=48,
                                   explanation="Bravo explanation Zq")
    sweep_alerts()
    tenant.values |= {"SUP2", "Bravo Supplies Zq", "BRV-SPROCKET", "Bravo Sprocket Zq", "PO-BRAVO-SUP-9",
                      "BRAVO-ASN-ZQ", "BRAVO-TRK-ZQ", "Bravo PO note Zq", "Bravo receipt note Zq",
                      "Bravo supply alert Zq", "77.77", "88.88", "Bravo explanation Zq"}
    return {"sku": [sprocket.sku], "number": [purchase.number], "supplier_code": [sup_b.code], "asn_id": [asn.id]}


# Columns that change on every authenticated call or sign-in, not as anything's effect.
VOLATILE = {("api_token", "last_used_at")}
VOLATILE_TABLES = {"rate_limit_window", "login_throttle"}


def _table_queries() -> dict[str, str]:
    queries = {}
    for table in ALL_TABLES:
        name = table._meta.table_name
        columns = [f'"{f.column_name}"' for f in table._meta.sorted_fields if (name, f.column_name) not in VOLATILE]
        if name not in VOLATILE_TABLES:
            queries[name] = f'SELECT {", ".join(columns)} FROM "{name}"'
    # A distributor saves its own column mapping: B's must stay as it is even when the table changes.
    queries["column_mapping of DIST2"] = ('SELECT m.* FROM "column_mapping" m JOIN "partner" p '
                                          "ON p.id = m.distributor_id WHERE p.code = 'DIST2'")
    return queries


def _bravo_prices() -> None:
    """B's own price list and a contract price for B's customer: A must never see either."""
    from models.pricing.rules import ContractPrice, PriceBreak, PriceList
    from models.pricing.versions import price_book_in_force, save_price_book

    version, book = price_book_in_force()
    bravo_list = PriceList("BRAVO-LIST-ZQ", "USD", "distributor", party="DIST2",
                           entries={"WIDGET": (PriceBreak(1, Decimal("8.88")),)})
    contract = ContractPrice("CUST2", "WIDGET", "USD", Decimal("7.77"), reference="BRAVO-CONTRACT-ZQ")
    save_price_book(replace(book, lists=(*book.lists, bravo_list), contracts=(*book.contracts, contract)),
                    expected_version=version, actor="test")


def fingerprint() -> dict[str, str]:
    """A digest of every table's rows (volatile columns left out), to tell whether a request changed anything."""
    digests = {}
    for name, sql in _table_queries().items():
        rows = sorted(repr(row) for row in database.execute_sql(sql).fetchall())
        digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return digests
