"""Marketplace payloads → canonical order bodies, and webhook signatures (pure, no database)."""
from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from models.core.errors import ValidationFailed
from models.intake.marketplace import (
    ChannelConfig,
    order_from_shopify,
    order_from_woocommerce,
    signature_valid,
)
from schemas.orders import order_schema

SHOPIFY = json.loads((Path(__file__).resolve().parents[2] / "data" / "shopify-orders-create.json").read_text())
SHOP = ChannelConfig(code="shop-cn", kind="shopify", customer_code="CUST1", default_region="R9",
                     region_map={"SH": "east", "Guangdong": "south"})
WOO = ChannelConfig(code="woo-us", kind="woocommerce", customer_code="CUST1", default_region="",
                    region_map={"CA": "west"})


def woocommerce_order(**changes) -> dict:
    """An order in WooCommerce's REST v3 shape (only the fields the mapping reads, plus a few more)."""
    order = {
        "id": 727, "number": "727", "status": "processing", "currency": "USD", "customer_note": "Leave at door",
        "billing": {"first_name": "Jo", "last_name": "Buyer", "email": "jo@example.com", "phone": "+1 555 0101",
                    "address_1": "1 Bill St", "city": "Oakland", "state": "CA", "postcode": "94601",
                    "country": "US"},
        "shipping": {"first_name": "Jo", "last_name": "Buyer", "company": "", "address_1": "5 Ship Rd",
                     "address_2": "Unit 2", "city": "San Jose", "state": "CA", "postcode": "95112", "country": "us"},
        "line_items": [{"id": 1, "name": "Widget", "sku": "WIDGET", "quantity": 3, "price": 10.333},
                       {"id": 2, "name": "Mystery box", "sku": "", "quantity": 1, "price": 5}],
    }
    order.update(changes)
    return order


def test_shopify_sample_maps_to_a_loadable_order_body():
    body = order_from_shopify(SHOPIFY, SHOP)
    assert body["channel"] == "shopify" and body["customer_code"] == "CUST1"
    assert body["external_ref"] == "5940139491234"  # the id: unique and stable; the name is in the notes
    assert body["notes"] == "Shopify order #1021\nPlease deliver before Friday"
    assert body["currency"] == "CNY"
    assert body["ship_to"] == {"name": "Meiling Lin", "phone": "+8613800138000", "email": "lin.meiling@example.com",
                               "address": "88 Century Avenue\nRoom 1203", "city": "Shanghai", "region": "east",
                               "postcode": "200120", "country": "CN"}
    assert body["lines"] == [{"sku": "TEA-OOL-250", "quantity": 4, "unit_price": "168.00"},
                             {"sku": "CUP-CER-6", "quantity": 2, "unit_price": "308.00"}]
    loaded = order_schema.load(body)
    assert str(loaded["lines"][0]["unit_price"]) == "168.00"


@pytest.mark.parametrize("address, region", [
    ({"province_code": "SH", "province": "Shanghai"}, "east"),
    ({"province_code": "sh", "province": "x"}, "east"),  # case does not matter
    ({"province_code": "GD", "province": "guangdong"}, "south"),  # by name when the code is not mapped
    ({"province_code": "ZJ", "province": "Zhejiang"}, "R9"),  # the channel default
])
def test_shopify_region_by_code_then_name_then_default(address, region):
    payload = copy.deepcopy(SHOPIFY)
    payload["shipping_address"].update(address)
    assert order_from_shopify(payload, SHOP)["ship_to"]["region"] == region


def test_unmapped_province_without_default_region_fails_with_its_path():
    payload = copy.deepcopy(SHOPIFY)
    with pytest.raises(ValidationFailed) as failed:
        order_from_shopify(payload, ChannelConfig("c", "shopify", "CUST1"))
    assert list(failed.value.messages) == ["shipping_address.province_code"]


def test_line_without_sku_uses_its_title_and_repeated_skus_are_summed():
    payload = copy.deepcopy(SHOPIFY)
    payload["line_items"][1]["sku"] = None
    payload["line_items"].append(dict(payload["line_items"][0], quantity=1))
    lines = order_from_shopify(payload, SHOP)["lines"]
    assert lines == [{"sku": "TEA-OOL-250", "quantity": 5, "unit_price": "168.00"},
                     {"sku": "NO-SKU:Ceramic cup set of 6", "quantity": 2, "unit_price": "308.00"}]


def test_repeated_sku_at_another_price_is_refused():
    payload = copy.deepcopy(SHOPIFY)
    payload["line_items"].append(dict(payload["line_items"][0], price="1.00"))
    with pytest.raises(ValidationFailed) as failed:
        order_from_shopify(payload, SHOP)
    assert "line_items.2.sku" in failed.value.messages


def test_shopify_missing_essentials_are_named_by_path():
    payload = copy.deepcopy(SHOPIFY)
    del payload["id"]
    payload["shipping_address"]["city"] = ""
    payload["line_items"][0]["quantity"] = 0
    payload["line_items"][1]["price"] = "abc"
    with pytest.raises(ValidationFailed) as failed:
        order_from_shopify(payload, SHOP)
    assert set(failed.value.messages) == {"id", "shipping_address.city", "line_items.0.quantity",
                                          "line_items.1.price"}


@pytest.mark.parametrize("change, path", [
    ({"shipping_address": None}, "shipping_address"),
    ({"line_items": []}, "line_items"),
    ({"currency": None}, "currency"),
])
def test_shopify_without_address_lines_or_currency_fails(change, path):
    with pytest.raises(ValidationFailed) as failed:
        order_from_shopify({**SHOPIFY, **change}, SHOP)
    assert path in failed.value.messages


def test_woocommerce_order_maps_with_shipping_address_and_rounded_prices():
    body = order_from_woocommerce(woocommerce_order(), WOO)
    assert body["channel"] == "woocommerce" and body["external_ref"] == "727"
    assert body["notes"] == "WooCommerce order #727\nLeave at door"
    assert body["ship_to"] == {"name": "Jo Buyer", "phone": "+1 555 0101", "email": "jo@example.com",
                               "address": "5 Ship Rd\nUnit 2", "city": "San Jose", "region": "west",
                               "postcode": "95112", "country": "US"}
    assert body["lines"] == [{"sku": "WIDGET", "quantity": 3, "unit_price": "10.33"},
                             {"sku": "NO-SKU:Mystery box", "quantity": 1, "unit_price": "5.00"}]
    order_schema.load(body)


def test_woocommerce_without_shipping_address_ships_to_billing():
    body = order_from_woocommerce(woocommerce_order(shipping={"address_1": ""}), WOO)
    assert body["ship_to"]["address"] == "1 Bill St" and body["ship_to"]["city"] == "Oakland"


def test_woocommerce_missing_essentials():
    payload = woocommerce_order(billing={}, shipping={}, line_items=[{"name": "", "sku": "", "quantity": 1,
                                                                      "price": "1"}])
    del payload["id"]
    with pytest.raises(ValidationFailed) as failed:
        order_from_woocommerce(payload, WOO)
    assert set(failed.value.messages) == {"id", "shipping.address_1", "line_items.0.sku"}


def test_woocommerce_unmapped_state_without_default_fails():
    payload = woocommerce_order()
    payload["shipping"]["state"] = "NY"
    with pytest.raises(ValidationFailed) as failed:
        order_from_woocommerce(payload, WOO)
    assert list(failed.value.messages) == ["shipping.state"]


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_signature_valid_for_the_exact_body_only():
    body = b'{"id": 1}'
    assert signature_valid("s3cret", body, sign("s3cret", body))
    assert signature_valid("s3cret", body, sign("s3cret", body) + "\n")
    assert not signature_valid("s3cret", body + b" ", sign("s3cret", body))
    assert not signature_valid("other", body, sign("s3cret", body))


@pytest.mark.parametrize("header", [None, "", "not-base64", "é"])
def test_signature_missing_or_garbage_is_invalid(header):
    assert not signature_valid("s3cret", b"{}", header)


def test_signature_never_valid_without_a_secret():
    assert not signature_valid("", b"{}", sign("", b"{}"))


@pytest.mark.parametrize("mapper, payload", [
    (order_from_shopify, {**SHOPIFY, "shipping_address": {**SHOPIFY["shipping_address"], "name": 1e308}}),
    (order_from_shopify, {**SHOPIFY, "customer": ["not", "an", "object"]}),
    (order_from_shopify, {**SHOPIFY, "line_items": [7, "x", None]}),
    (order_from_woocommerce, woocommerce_order(shipping="5 Ship Rd", billing=[1])),
    (order_from_woocommerce, woocommerce_order(shipping={"address_1": "5 Ship Rd", "city": "San Jose",
                                                         "country": "US", "state": "CA", "company": 42})),
], ids=["name-a-number", "customer-a-list", "items-not-objects", "addresses-not-objects", "company-a-number"])
def test_a_payload_of_the_wrong_shape_is_refused_or_mapped_never_crashes(mapper, payload):
    try:
        body = mapper(payload, SHOP if mapper is order_from_shopify else WOO)
    except ValidationFailed as failed:
        assert failed.messages  # named by path, as every other refusal
    else:
        assert isinstance(body["ship_to"]["name"], str)
