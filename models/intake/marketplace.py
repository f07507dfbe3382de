"""Marketplace orders (Shopify, WooCommerce) as canonical order bodies, and their webhook signatures.

Pure rules: no flask, peewee or dramatiq. The body returned is what schemas.orders.OrderSchema loads,
with ``channel`` set to the channel kind (a known channel) — the webhook view replaces it with the
configured channel code after loading, so orders dedupe per configured channel.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from models.core.errors import ValidationFailed

NO_SKU_PREFIX = "NO-SKU:"
SKU_MAX, NOTES_MAX = 64, 4000
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ChannelConfig:
    code: str
    kind: str  # shopify, woocommerce
    customer_code: str
    default_region: str = ""
    region_map: dict[str, str] = field(default_factory=dict)


def signature_valid(secret: str, body: bytes, header_value: str | None) -> bool:
    """True when ``header_value`` is the base64 HMAC-SHA256 of the raw ``body`` under ``secret``."""
    if not secret or not header_value:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, header_value.strip().encode("ascii", "replace"))


def order_from_shopify(payload: dict, channel: ChannelConfig) -> dict:
    """A Shopify ``orders/create`` payload as an order body; external_ref is the order id (``name`` is
    per-shop and can be renumbered, the id is unique and stable), the name goes into the notes."""
    errors: dict[str, list[str]] = {}
    address = payload.get("shipping_address") or {}
    _require(errors, payload, ("id", "currency"))
    if not isinstance(address, dict) or not address:
        errors["shipping_address"] = ["required: the order has no shipping address"]
        address = {}
    else:
        _require(errors, address, ("address1", "city", "country_code"), prefix="shipping_address.")
    name = _joined(address.get("name")) or _joined(address.get("first_name"), address.get("last_name"))
    if address and not name:
        errors["shipping_address.name"] = ["required"]
    lines = _lines(payload.get("line_items"), errors, price_key="price", title_key="title")
    region = _region(channel, errors, "shipping_address.province_code",
                     address.get("province_code"), address.get("province")) if address else ""
    _raise_if(errors)
    customer = _object(payload.get("customer"))
    label = payload.get("name") or f"#{payload.get('order_number', payload['id'])}"
    return _body(channel, external_ref=str(payload["id"]), currency=payload["currency"], lines=lines,
                 notes=_notes(f"Shopify order {label}", payload.get("note")), ship_to={
                     "name": name,
                     "phone": address.get("phone") or payload.get("phone") or customer.get("phone") or "",
                     # POS, draft and phone orders may have none: "" then, and no mail goes out to the buyer
                     "email": _email(payload.get("email"), payload.get("contact_email"), customer.get("email")),
                     "address": _joined(address.get("address1"), address.get("address2"), sep="\n"),
                     "city": address["city"], "region": region, "postcode": address.get("zip") or "",
                     "country": str(address["country_code"]).upper()})


def order_from_woocommerce(payload: dict, channel: ChannelConfig) -> dict:
    """A WooCommerce order (REST v3 shape) as an order body; external_ref is the order id, the
    order number (which plugins may change) goes into the notes. Without a shipping address the
    billing address is used (WooCommerce leaves shipping empty when it equals billing)."""
    errors: dict[str, list[str]] = {}
    _require(errors, payload, ("id", "currency"))
    billing, shipping = _object(payload.get("billing")), _object(payload.get("shipping"))
    source, where = (shipping, "shipping") if shipping.get("address_1") else (billing, "billing")
    if not source.get("address_1"):
        errors["shipping.address_1"] = ["required: the order has no shipping or billing address"]
    else:
        _require(errors, source, ("city", "country"), prefix=f"{where}.")
    name = _joined(source.get("first_name"), source.get("last_name")) or _joined(source.get("company"))
    if source.get("address_1") and not name.strip():
        errors[f"{where}.first_name"] = ["required"]
    lines = _lines(payload.get("line_items"), errors, price_key="price", title_key="name")
    region = _region(channel, errors, f"{where}.state", source.get("state")) if source.get("address_1") else ""
    _raise_if(errors)
    return _body(channel, external_ref=str(payload["id"]), currency=payload["currency"], lines=lines,
                 notes=_notes(f"WooCommerce order #{payload.get('number') or payload['id']}",
                              payload.get("customer_note")), ship_to={
                     "name": name.strip(),
                     "phone": shipping.get("phone") or billing.get("phone") or "",
                     "email": _email(billing.get("email")),
                     "address": _joined(source.get("address_1"), source.get("address_2"), sep="\n"),
                     "city": source["city"], "region": region, "postcode": source.get("postcode") or "",
                     "country": str(source["country"]).upper()})


def _body(channel: ChannelConfig, *, external_ref: str, currency, lines, notes, ship_to) -> dict:
    return {"channel": channel.kind, "external_ref": external_ref, "customer_code": channel.customer_code,
            "currency": str(currency).upper(), "ship_to": ship_to, "lines": lines, "notes": notes}


def _lines(items, errors: dict, *, price_key: str, title_key: str) -> list[dict]:
    """One line per SKU: items repeating a SKU at the same price are summed (the order schema takes
    each SKU once); a line without SKU gets "NO-SKU:<title>" so ops can match it."""
    if not isinstance(items, list) or not items:
        errors["line_items"] = ["required: at least one line item"]
        return []
    merged: dict[str, dict] = {}
    for index, item in enumerate(items):
        where = f"line_items.{index}"
        if not isinstance(item, dict):
            errors[where] = ["expected a line item object"]
            continue
        quantity, price = item.get("quantity"), _money(item.get(price_key))
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors[f"{where}.quantity"] = ["required: a whole number of at least 1"]
        if price is None:
            errors[f"{where}.{price_key}"] = ["required: a price of at least 0"]
        sku = str(item.get("sku") or "").strip()
        if not sku:
            title = str(item.get(title_key) or "").strip()
            if not title:
                errors[f"{where}.sku"] = ["required: a SKU or a title"]
                continue
            sku = f"{NO_SKU_PREFIX}{title}"
        sku = sku[:SKU_MAX]
        if f"{where}.quantity" in errors or price is None:
            continue
        if sku in merged and merged[sku]["unit_price"] != str(price):
            errors[f"{where}.sku"] = [f"SKU {sku!r} appears twice at different prices"]
        elif sku in merged:
            merged[sku]["quantity"] += quantity
        else:
            merged[sku] = {"sku": sku, "quantity": quantity, "unit_price": str(price)}
    return list(merged.values())


def _money(value) -> Decimal | None:
    """A price as sent (Shopify: "168.00", WooCommerce: 168 or 10.333) rounded to the cent."""
    if value is None or isinstance(value, bool) or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _region(channel: ChannelConfig, errors: dict, where: str, *keys) -> str:
    """Our region for a province: its code, then its name, in the channel's map (case-insensitive),
    else the channel's default region."""
    table = {str(k).strip().casefold(): v for k, v in channel.region_map.items()}
    for key in keys:
        if key and str(key).strip().casefold() in table:
            return table[str(key).strip().casefold()]
    if channel.default_region:
        return channel.default_region
    province = " / ".join(str(k) for k in keys if k) or "an empty province"
    errors[where] = [f"no region mapped for {province} and channel {channel.code} has no default region"]
    return ""


def _require(errors: dict, source: dict, keys: tuple[str, ...], *, prefix: str = "") -> None:
    for key in keys:
        if source.get(key) in (None, ""):
            errors[f"{prefix}{key}"] = ["required"]


def _email(*candidates) -> str:
    """The first address given, trimmed; "" when the order has none."""
    return next((str(c).strip() for c in candidates if c is not None and str(c).strip()), "")


def _object(value) -> dict:
    """A nested JSON object of the payload; anything else (a shop's bug, a forged body) reads as absent."""
    return value if isinstance(value, dict) else {}


def _joined(*parts, sep: str = " ") -> str:
    return sep.join(str(p).strip() for p in parts if p and str(p).strip())


def _notes(label: str, note) -> str:
    return _joined(label, note, sep="\n")[:NOTES_MAX]


def _raise_if(errors: dict) -> None:
    if errors:
        raise ValidationFailed(errors, "the marketplace order is missing essentials")
