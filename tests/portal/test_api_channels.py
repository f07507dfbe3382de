"""POST /api/v1/channels/<code>/webhook with real signatures, and ops matching unknown SKUs on the order page."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from models.core.audit import StatusChange
from models.core.outbox import OutboxMessage
from models.currency.tables import ExchangeRate
from models.intake.tables import SalesChannel
from models.inventory.tables import Product, Stock, Warehouse
from models.orders.flow import allocate, review
from models.orders.tables import Order, OrderLine
from models.partners.tables import ApiToken, Partner, User
from tests.factories import order_body

SAMPLE = (Path(__file__).resolve().parents[1] / "data" / "shopify-orders-create.json").read_bytes()
SHOP_SECRET, WOO_SECRET = "shop-secret-1", "woo-secret-1"


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def channels(app):
    customer = Partner.get(Partner.code == "CUST1")
    # the shop sells in CNY to a customer whose credit limit is in USD: review needs the day's rate
    ExchangeRate.create(day=date(2020, 1, 1), currency="CNY", rate=Decimal("7.2"), source="test", created_by="test")
    shop = SalesChannel.create(code="shop-cn", kind="shopify", name="Tea shop", webhook_secret=SHOP_SECRET,
                               customer=customer, default_region="R2", region_map_json='{"SH": "R1"}')
    woo = SalesChannel.create(code="woo-us", kind="woocommerce", name="Web shop", webhook_secret=WOO_SECRET,
                              customer=customer, default_region="R1")
    return shop, woo


@pytest.fixture
def sample_skus_in_catalogue(app):
    supplier = Partner.get(Partner.code == "SUP1")
    east = Warehouse.get(Warehouse.code == "EAST")
    for sku in ("TEA-OOL-250", "CUP-CER-6"):
        product = Product.create(sku=sku, name=sku, unit_price=Decimal("1.00"), weight_kg=Decimal("0.3"),
                                 supplier=supplier, currency="CNY")
        Stock.create(warehouse=east, product=product, on_hand=10)


def post_shopify(client, body: bytes = SAMPLE, *, secret: str = SHOP_SECRET, topic: str = "orders/create",
                 code: str = "shop-cn", signature: str | None = None):
    headers = {"X-Shopify-Topic": topic, "Content-Type": "application/json",
               "X-Shopify-Hmac-Sha256": signature if signature is not None else sign(secret, body)}
    return client.post(f"/api/v1/channels/{code}/webhook", data=body, headers=headers)


def run_review(order_id: int) -> str:
    return review(order_id, actor="test")


def test_signed_shopify_order_is_placed_once(client, channels, sample_skus_in_catalogue):
    first = post_shopify(client)
    assert first.status_code == 201, first.text
    assert first.get_json()["created"] is True and first.get_json()["status"] == "reviewing"
    again = post_shopify(client)  # Shopify retries a delivery it did not see acknowledged
    assert again.status_code == 200
    assert again.get_json() == {**first.get_json(), "created": False}
    order = Order.get()
    assert (order.channel, order.external_ref, order.customer.code) == ("shop-cn", "5940139491234", "CUST1")
    assert order.ship_to_region == "R1" and order.submitted_by == "channel:shop-cn"
    assert order.total == Decimal("1288.00")
    assert all(line.product_id for line in order.lines)
    assert run_review(order.id) == "approve"
    assert allocate(order.id, actor="test") == "allocated"


@pytest.mark.parametrize("signature", ["", "bm90LXRoZS1zaWduYXR1cmU=", sign("wrong-secret", SAMPLE)])
def test_bad_or_missing_signature_is_401_and_stores_nothing(client, channels, signature):
    response = post_shopify(client, signature=signature)
    assert response.status_code == 401
    assert Order.select().count() == 0
    assert OutboxMessage.select().count() == 0


def test_a_body_changed_after_signing_is_refused(client, channels):
    tampered = SAMPLE.replace(b'"quantity": 4', b'"quantity": 40')
    assert post_shopify(client, tampered, signature=sign(SHOP_SECRET, SAMPLE)).status_code == 401
    assert Order.select().count() == 0


def test_unknown_or_inactive_channel_is_404(client, channels):
    assert post_shopify(client, code="nope").status_code == 404
    SalesChannel.update(active=False).where(SalesChannel.code == "shop-cn").execute()
    assert post_shopify(client).status_code == 404
    assert Order.select().count() == 0


def test_other_shopify_topics_are_acknowledged_and_ignored(client, channels):
    response = post_shopify(client, topic="orders/updated")
    assert response.status_code == 200 and response.get_json() == {"ignored": "topic orders/updated"}
    assert Order.select().count() == 0


def test_payload_missing_essentials_is_422_with_paths(client, channels):
    payload = json.loads(SAMPLE)
    del payload["shipping_address"]["city"]
    response = post_shopify(client, json.dumps(payload).encode())
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"shipping_address.city": ["required"]}
    assert Order.select().count() == 0


def test_signed_body_that_is_not_json_is_400(client, channels):
    assert post_shopify(client, b"not json").status_code == 400


def test_woocommerce_ping_is_answered_200_and_ignored(client, channels):
    response = client.post("/api/v1/channels/woo-us/webhook", data="webhook_id=123",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and response.get_json() == {"ignored": "ping"}
    assert Order.select().count() == 0


def test_signed_woocommerce_order_is_placed(client, channels):
    body = json.dumps({
        "id": 727, "number": "727", "currency": "USD", "customer_note": "",
        "billing": {"first_name": "Jo", "last_name": "Buyer", "email": "jo@example.com", "phone": "555"},
        "shipping": {"first_name": "Jo", "last_name": "Buyer", "address_1": "5 Ship Rd", "address_2": "",
                     "city": "San Jose", "state": "CA", "postcode": "95112", "country": "US"},
        "line_items": [{"name": "Widget", "sku": "WIDGET", "quantity": 2, "price": 9.5}],
    }).encode()
    headers = {"X-WC-Webhook-Signature": sign(WOO_SECRET, body), "X-WC-Webhook-Topic": "order.created",
               "Content-Type": "application/json"}
    response = client.post("/api/v1/channels/woo-us/webhook", data=body, headers=headers)
    assert response.status_code == 201, response.text
    order = Order.get_by_id(response.get_json()["id"])
    assert (order.channel, order.external_ref, order.total) == ("woo-us", "727", Decimal("19.00"))
    assert client.post("/api/v1/channels/woo-us/webhook", data=body,
                       headers={**headers, "X-WC-Webhook-Signature": sign(SHOP_SECRET, body)}).status_code == 401


@pytest.fixture
def shop_named_shopify(app):
    """A channel coded "shopify", as a single-shop setup names it: the same name an API order may give."""
    return SalesChannel.create(code="shopify", kind="shopify", name="The shop", webhook_secret=SHOP_SECRET,
                               customer=Partner.get(Partner.code == "CUST1"), default_region="R2",
                               region_map_json='{"SH": "R1"}')


def api_order(client, external_ref: str, *, email: str = "dist2@relay.test", customer_code: str = "CUST2"):
    """An order posted through the order API under channel "shopify" (DIST2 for its own customer by default)."""
    token = ApiToken.issue(User.get(User.email == email))
    body = order_body(external_ref, customer_code=customer_code, channel="shopify", region="R2")
    return client.post("/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("email, customer_code", [("dist2@relay.test", "CUST2"), ("agent@relay.test", "CUST1")],
                         ids=["another-distributor", "ops-for-the-shops-customer"])
def test_an_api_order_under_the_channels_name_never_takes_the_shops_order(client, shop_named_shopify,
                                                                          sample_skus_in_catalogue, email,
                                                                          customer_code):
    first = api_order(client, "5940139491234", email=email, customer_code=customer_code)  # the shop's next id
    assert first.status_code == 202
    from_shop = post_shopify(client, code="shopify")
    assert from_shop.status_code == 201, from_shop.text
    assert from_shop.get_json()["created"] is True and from_shop.get_json()["id"] != first.get_json()["id"]
    order = Order.get_by_id(from_shop.get_json()["id"])
    assert (order.customer.code, order.placed_by_id, order.submitted_by) == ("CUST1", None, "channel:shopify")
    assert post_shopify(client, code="shopify").get_json() == {**from_shop.get_json(), "created": False}


def test_the_shops_order_is_never_the_answer_to_an_api_order(client, shop_named_shopify, sample_skus_in_catalogue):
    from_shop = post_shopify(client, code="shopify")
    assert from_shop.status_code == 201
    after = api_order(client, "5940139491234")
    assert after.status_code == 202 and after.get_json()["id"] != from_shop.get_json()["id"]
    assert Order.get_by_id(after.get_json()["id"]).customer.code == "CUST2"
    by_ops = api_order(client, "5940139491234", email="agent@relay.test", customer_code="CUST1")
    assert by_ops.status_code == 202 and by_ops.get_json()["id"] != from_shop.get_json()["id"]


@pytest.fixture
def held(client, channels):
    """The sample order (its SKUs not in the catalogue) placed via the webhook and reviewed: on hold."""
    response = post_shopify(client)
    assert response.status_code == 201, response.text
    order_id = response.get_json()["id"]
    assert run_review(order_id) == "hold"
    return Order.get_by_id(order_id)


def test_unknown_skus_are_kept_and_the_order_is_held(held):
    lines = list(held.lines.order_by(OrderLine.line_no))
    assert [(line.sku, line.product_id, line.unit_price) for line in lines] == [
        ("TEA-OOL-250", None, Decimal("168.00")), ("CUP-CER-6", None, Decimal("308.00"))]
    assert held.status == "on_hold" and held.total == Decimal("1288.00")
    assert held.status_reason.startswith("unknown_sku: ")


def test_order_page_offers_matching_for_unmatched_lines(auth, client, held):
    auth.login_as("ops_agent")
    page = client.get(f"/orders/{held.id}").text
    assert page.count("Match to SKU") == 2
    assert f"/orders/{held.id}/lines/" in page


def test_release_is_refused_while_a_line_is_unmatched(auth, client, held):
    auth.login_as("credit_controller")
    response = client.post(f"/orders/{held.id}/release", data={"release-comment": "ok"}, follow_redirects=True)
    assert "cannot be released: match line(s) 1, 2" in response.text
    assert Order.get_by_id(held.id).status == "on_hold"


def test_matched_order_is_released_and_allocated(auth, client, held):
    auth.login_as("ops_agent")
    line1, line2 = held.lines.order_by(OrderLine.line_no)
    client.post(f"/orders/{held.id}/lines/{line1.id}/match", data={"match-sku": "WIDGET"})
    page = client.post(f"/orders/{held.id}/lines/{line2.id}/match", data={"match-sku": " GADGET "},
                       follow_redirects=True).text
    assert "Line matched to GADGET" in page
    line1, line2 = held.lines.order_by(OrderLine.line_no)
    assert (line1.sku, line1.product.sku, line1.unit_price, line1.line_total) == (
        "WIDGET", "WIDGET", Decimal("168.00"), Decimal("672.00"))
    assert line2.product.sku == "GADGET"
    assert Order.get_by_id(held.id).total == Decimal("1288.00")
    reasons = [c.reason for c in StatusChange.trail("order", held.id) if c.from_status == c.to_status == "on_hold"]
    assert reasons == ["line 1 matched to SKU WIDGET (was TEA-OOL-250)", "line 2 matched to SKU GADGET (was CUP-CER-6)"]

    auth.logout()
    auth.login_as("credit_controller")
    client.post(f"/orders/{held.id}/release", data={"release-comment": "SKUs matched"})
    assert Order.get_by_id(held.id).status == "approved"
    assert allocate(held.id, actor="test") == "allocated"


@pytest.mark.parametrize("sku, message", [
    ("NOPE", "unknown SKU &#39;NOPE&#39;"),
    ("", "Give the catalogue SKU."),
])
def test_matching_to_an_unknown_sku_is_refused(auth, client, held, sku, message):
    auth.login_as("ops_admin")
    line = held.lines.order_by(OrderLine.line_no).first()
    page = client.post(f"/orders/{held.id}/lines/{line.id}/match", data={"match-sku": sku},
                       follow_redirects=True).text
    assert message in page
    assert OrderLine.get_by_id(line.id).product_id is None


def test_matching_twice_or_off_hold_is_refused(auth, client, held):
    auth.login_as("ops_admin")
    line1, line2 = held.lines.order_by(OrderLine.line_no)
    client.post(f"/orders/{held.id}/lines/{line1.id}/match", data={"match-sku": "WIDGET"})
    again = client.post(f"/orders/{held.id}/lines/{line1.id}/match", data={"match-sku": "GADGET"},
                        follow_redirects=True).text
    assert "line 1 is already matched to WIDGET" in again
    same = client.post(f"/orders/{held.id}/lines/{line2.id}/match", data={"match-sku": "WIDGET"},
                       follow_redirects=True).text
    assert f"another line of order {held.id} already has WIDGET" in same
    client.post(f"/orders/{held.id}/reject", data={"reject-comment": "fake order"})
    late = client.post(f"/orders/{held.id}/lines/{line2.id}/match", data={"match-sku": "GADGET"},
                       follow_redirects=True).text
    assert "is rejected; lines are matched while on hold" in late
    assert client.post(f"/orders/{held.id}/lines/999999/match", data={"match-sku": "GADGET"}).status_code == 404


def test_matching_is_for_ops_only(auth, client, held):
    auth.login_as("distributor")
    line = held.lines.first()
    assert client.post(f"/orders/{held.id}/lines/{line.id}/match", data={"match-sku": "WIDGET"}).status_code == 403


def test_place_order_holds_unknown_skus_only_when_asked_and_with_a_price(app):
    from models.core.errors import ValidationFailed
    from models.intake.entry import place_order
    from schemas.orders import order_schema
    from tests.factories import order_body

    priced = order_schema.load(order_body("H-1", lines=[{"sku": "NEW-1", "quantity": 2, "unit_price": "3.50"}]))
    with pytest.raises(ValidationFailed) as rejected:
        place_order(priced, actor="test")  # the default: refuse
    assert rejected.value.messages == {"lines": {0: {"sku": ["unknown SKU 'NEW-1'"]}}}
    unpriced = order_schema.load(order_body("H-2", lines=[{"sku": "NEW-1", "quantity": 2}]))
    with pytest.raises(ValidationFailed) as no_price:
        place_order(unpriced, actor="test", unknown_skus="hold")
    assert no_price.value.messages == {"lines": {0: {"unit_price": ["required: NEW-1 is not in the catalogue yet"]}}}
    with pytest.raises(ValueError):
        place_order(priced, actor="test", unknown_skus="ignore")
    order, created = place_order(priced, actor="test", unknown_skus="hold")
    assert created and order.total == Decimal("7.00")
    assert [(line.sku, line.product_id) for line in order.lines] == [("NEW-1", None)]
    assert Order.select().count() == 1
