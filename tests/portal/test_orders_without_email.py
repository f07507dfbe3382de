"""Orders without a ship-to email: marketplace orders often have none, and the API takes a blank one."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from models.core.outbox import OutboxMessage
from models.currency.tables import ExchangeRate
from models.intake.marketplace import ChannelConfig, order_from_woocommerce
from models.intake.tables import SalesChannel
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.flow import allocate, create_shipments, review
from models.orders.tables import Order
from models.partners.tables import ApiToken, Partner, User
from models.shipping.events import mail_shipment_event, record_shipment_event
from models.shipping.tables import ShipmentEvent
from models.shipping.tracking_lookup import find_tracked_orders
from schemas.orders import order_schema
from tests.conftest import settings_for
from tests.factories import order_body
from tests.portal.conftest import USERS

SHOPIFY = json.loads((Path(__file__).resolve().parents[1] / "data" / "shopify-orders-create.json").read_text())
SECRET = "shop-secret-1"


def without_email(payload: dict) -> dict:
    """The sample as Shopify sends a POS or phone order: no email anywhere."""
    payload = {key: value for key, value in payload.items() if key not in ("email", "contact_email")}
    payload["customer"] = {key: value for key, value in payload["customer"].items() if key != "email"}
    return payload


@pytest.fixture
def shop(app):
    """A Shopify channel for CUST1, the sample's SKUs in stock at EAST."""
    # the shop sells in CNY to a customer whose credit limit is in USD: review needs the day's rate
    ExchangeRate.create(day=date(2020, 1, 1), currency="CNY", rate=Decimal("7.2"), source="test", created_by="test")
    SalesChannel.create(code="shop-cn", kind="shopify", name="Tea shop", webhook_secret=SECRET,
                        customer=Partner.get(Partner.code == "CUST1"), default_region="R1")
    for sku in ("TEA-OOL-250", "CUP-CER-6"):
        product = Product.create(sku=sku, name=sku, unit_price=Decimal("1.00"), currency="CNY")
        Stock.create(warehouse=Warehouse.get(Warehouse.code == "EAST"), product=product, on_hand=10)


def post_shopify(client, payload: dict):
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    return client.post("/api/v1/channels/shop-cn/webhook", data=body, headers={
        "X-Shopify-Topic": "orders/create", "Content-Type": "application/json", "X-Shopify-Hmac-Sha256": signature})


def post_order(client, ship_to: dict, ref: str = "PO-NOMAIL"):
    body = order_body(ref)
    body["ship_to"] = {key: value for key, value in {**body["ship_to"], **ship_to}.items() if value is not ...}
    token = ApiToken.issue(User.get(User.email == USERS["ops_agent"][0]))
    return client.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})


def test_a_shopify_order_without_email_is_placed_and_shipped_without_a_mail(client, shop, tmp_path):
    response = post_shopify(client, without_email(SHOPIFY))
    assert response.status_code == 201, response.text
    order = Order.get_by_id(response.json["id"])
    assert order.ship_to_email == "" and order.ship_to_name == "Meiling Lin"
    assert review(order.id, actor="test") == "approve"
    assert allocate(order.id, actor="test") == "allocated"
    (shipment_id,) = create_shipments(order.id, actor="test")
    nudges = OutboxMessage.select().count()
    assert record_shipment_event(shipment_id, "shipped")
    assert OutboxMessage.select().count() == nudges  # nobody to mail: no mail is queued
    event = ShipmentEvent.get(ShipmentEvent.shipment == shipment_id)
    assert mail_shipment_event(event.id, settings_for(tmp_path)) is False
    # the tracking page cannot be opened with an empty email against the empty one stored
    assert find_tracked_orders(str(SHOPIFY["id"]), email="") == []
    assert "We could not find" in client.get(f"/track?order={SHOPIFY['id']}&postcode=999999&email=").text


def test_the_shopify_customer_email_stands_in_for_a_missing_order_email(client, shop):
    payload = without_email(SHOPIFY)
    payload["customer"]["email"] = " lin@example.com "
    assert post_shopify(client, payload).status_code == 201
    assert Order.get().ship_to_email == "lin@example.com"


@pytest.mark.parametrize("email", ["", "   ", None, ...], ids=["empty", "blank", "null", "missing"])
def test_the_api_takes_an_order_without_email(client, app, email):
    response = post_order(client, {"email": email})
    assert response.status_code == 202, response.text  # accepted: the pipeline takes it from here
    assert Order.get_by_id(response.json["id"]).ship_to_email == ""


def test_a_given_email_is_trimmed_and_a_malformed_one_still_refused(client, app):
    assert post_order(client, {"email": " ada@example.com "}, "PO-TRIM").status_code == 202
    assert Order.get(Order.external_ref == "PO-TRIM").ship_to_email == "ada@example.com"
    refused = post_order(client, {"email": "not-an-address"}, "PO-BAD")
    assert refused.status_code == 422 and list(refused.json["errors"]["ship_to"]) == ["email"]
    too_long = post_order(client, {"email": "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".com"}, "PO-LONG")
    assert too_long.status_code == 422 and "email" in too_long.json["errors"]["ship_to"]


def test_a_woocommerce_order_without_billing_email_maps_to_a_loadable_body():
    channel = ChannelConfig(code="woo-us", kind="woocommerce", customer_code="CUST1", default_region="R1")
    payload = {"id": 728, "currency": "USD", "billing": {"first_name": "Jo", "last_name": "Buyer", "email": None,
                                                          "address_1": "1 Bill St", "city": "Oakland",
                                                          "country": "US"},
               "line_items": [{"sku": "WIDGET", "quantity": 1, "price": 10}]}
    assert order_schema.load(order_from_woocommerce(payload, channel))["ship_to"]["email"] == ""
