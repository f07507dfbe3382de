"""Marketplace webhooks: POST /api/v1/channels/<code>/webhook takes Shopify and WooCommerce orders.

The signature is checked on the raw body before anything is parsed; a signed order is mapped to the
canonical order body, validated by the order schema and placed with unknown SKUs held for ops.
"""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from marshmallow import ValidationError

from models.core.errors import BodyNotAnObject, ValidationFailed
from models.intake.entry import place_order
from models.intake.marketplace import (
    ChannelConfig,
    order_from_shopify,
    order_from_woocommerce,
    signature_valid,
)
from models.intake.rules import channel_scope
from models.intake.tables import SalesChannel
from portal.json_body import parse_json
from schemas.orders import order_schema

bp = Blueprint("api_channels", __name__, url_prefix="/api/v1")

SIGNATURE_HEADERS = {"shopify": "X-Shopify-Hmac-Sha256", "woocommerce": "X-WC-Webhook-Signature"}
TOPIC_HEADERS = {"shopify": "X-Shopify-Topic", "woocommerce": "X-WC-Webhook-Topic"}
ORDER_TOPICS = {"shopify": "orders/create", "woocommerce": "order.created"}
MAPPERS = {"shopify": order_from_shopify, "woocommerce": order_from_woocommerce}
# WooCommerce's creation ping is a bare form post without a signature; it must get a 200.
WOOCOMMERCE_PING = re.compile(rb"webhook_id=\d+")


def _answer(http_status: int, **payload):
    return jsonify(payload), http_status


@bp.errorhandler(ValidationError)
def _invalid_body(exc: ValidationError):
    return _answer(422, error="validation failed", errors=exc.messages)


@bp.errorhandler(ValidationFailed)
def _invalid_data(exc: ValidationFailed):
    return _answer(422, error=str(exc), errors=exc.messages)


@bp.post("/channels/<code>/webhook")
def channel_webhook(code: str):
    channel = SalesChannel.get_or_none(SalesChannel.code == code, SalesChannel.active == True)  # noqa: E712
    if channel is None:
        return _answer(404, error=f"no active sales channel {code!r}")
    body = request.get_data()
    if channel.kind == "woocommerce" and WOOCOMMERCE_PING.fullmatch(body.strip()):
        return _answer(200, ignored="ping")
    if not signature_valid(channel.webhook_secret, body, request.headers.get(SIGNATURE_HEADERS[channel.kind])):
        return _answer(401, error=f"missing or invalid {SIGNATURE_HEADERS[channel.kind]} signature")
    topic = request.headers.get(TOPIC_HEADERS[channel.kind], ORDER_TOPICS[channel.kind])
    if topic != ORDER_TOPICS[channel.kind]:
        return _answer(200, ignored=f"topic {topic}")
    try:
        payload = parse_json(body)
    except BodyNotAnObject as exc:  # not JSON, or nested too deep
        return _answer(400, error=str(exc))
    if not isinstance(payload, dict):
        return _answer(400, error="expected a JSON object")
    data = order_schema.load(MAPPERS[channel.kind](payload, _config(channel)))
    data["channel"] = channel.code  # loaded as the kind; stored per configured channel
    # The shop's order ids are its own: an API order under the same channel name and ref is someone else's.
    order, created = place_order(data, actor=f"channel:{channel.code}", unknown_skus="hold",
                                 scope=channel_scope(channel.code))
    return _answer(201 if created else 200, id=order.id, status=order.status, created=created,
                   external_ref=order.external_ref, channel=order.channel)


def _config(channel: SalesChannel) -> ChannelConfig:
    return ChannelConfig(code=channel.code, kind=channel.kind, customer_code=channel.customer.code,
                         default_region=channel.default_region, region_map=channel.region_map)
