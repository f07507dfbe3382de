"""Placing a canonical order: one transaction writes the order (already in review), its lines, its audit rows and\nthe review nudge."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.base import CENT, utc_now
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.stages import REVIEW
from models.intake.rules import ops_scope, partner_scope
from models.inventory.tables import Product
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner

UNKNOWN_SKU_POLICIES = ("reject", "hold")
INTO_REVIEW_REASON = "entered review on placement"  # the second audit row of every placed order


def place_order(data: dict, *, actor: str, placed_by: Partner | None = None,
                source_batch: int | None = None, source_message: int | None = None,
                unknown_skus: str = "reject", scope: str | None = None) -> tuple[Order, bool]:
    """Store a validated order body (schemas.orders.OrderSchema); return (order, created).

    ``unknown_skus="hold"`` keeps a line whose SKU is not in the catalogue with product NULL (its
    unit_price is then required) so review holds the order for ops to match it; "reject" refuses it.

    The same channel + external_ref again from the same submitter returns the existing order with
    created=False, even when two requests race: the unique index decides and the loser reads the winner's
    row. The submitter is ``scope`` (models.intake.rules), by default ``placed_by``'s, or ops' for the
    customer when no partner placed it; another submitter's order with that ref is never returned.
    """
    if unknown_skus not in UNKNOWN_SKU_POLICIES:
        raise ValueError(f"unknown_skus must be one of {', '.join(UNKNOWN_SKU_POLICIES)}, not {unknown_skus!r}")
    scope = scope or _scope_of(data, placed_by)
    existing = _existing(data, scope)
    if existing is not None:
        return existing, False
    try:
        with database.atomic():
            return _create(data, actor=actor, placed_by=placed_by, scope=scope,
                           hold_unknown=unknown_skus == "hold",
                           source={"source_batch": source_batch, "source_message": source_message}), True
    except peewee.IntegrityError:
        existing = _existing(data, scope)
        if existing is None:
            raise
        return existing, False


def _scope_of(data: dict, placed_by: Partner | None) -> str | None:
    """The placing partner's scope, or ops' for the customer; None when the customer is unknown (refused)."""
    if placed_by is not None:
        return partner_scope(placed_by.id)
    customer_id = Partner.select(Partner.id).where(Partner.code == data["customer_code"]).scalar()
    return None if customer_id is None else ops_scope(customer_id)


def _existing(data: dict, scope: str | None) -> Order | None:
    if scope is None:
        return None
    return Order.get_or_none(Order.channel == data["channel"], Order.external_ref == data["external_ref"],
                             Order.intake_scope == scope)


def _create(data: dict, *, actor: str, placed_by: Partner | None, scope: str | None, source: dict,
            hold_unknown: bool) -> Order:
    customer = _buyer(data["customer_code"], placed_by)
    scope = scope or ops_scope(customer.id)  # the customer was created since _scope_of looked
    products = _products([line["sku"] for line in data["lines"]], hold_unknown=hold_unknown)
    _prices_in_currency(data, products)
    ship_to = data["ship_to"]
    priced, subtotal = [], Decimal("0")
    for line in data["lines"]:
        product = products.get(line["sku"])  # None: unknown SKU kept for ops to match
        price = line.get("unit_price")
        price = product.unit_price if price is None else price
        line_total = (price * line["quantity"]).quantize(CENT)
        subtotal += line_total
        priced.append((line, product, price, line_total))
    # Placed straight into review: intake has nothing to decide, so it costs no message and no transaction of
    # its own. The audit trail still shows both steps.
    order = Order.create(
        channel=data["channel"], external_ref=data["external_ref"], intake_scope=scope, customer=customer,
        placed_by=placed_by, currency=data["currency"], priority=data.get("priority", 0),
        ship_to_name=ship_to["name"], ship_to_phone=ship_to.get("phone", ""),
        ship_to_email=ship_to.get("email", ""), ship_to_address=ship_to["address"],
        ship_to_city=ship_to["city"], ship_to_region=ship_to["region"],
        ship_to_postcode=ship_to.get("postcode", ""), ship_to_country=ship_to["country"].upper(),
        requested_delivery_date=data.get("requested_delivery_date"), notes=data.get("notes", ""),
        submitted_by=actor, subtotal=subtotal, total=subtotal, status=ORDER_REVIEWING, **source,
    )
    OrderLine.insert_many([{"order": order.id, "line_no": line_no, "product": product.id if product else None,
                            "sku": product.sku if product else line["sku"], "quantity": line["quantity"],
                            "unit_price": price, "line_total": line_total}
                           for line_no, (line, product, price, line_total) in enumerate(priced, start=1)]).execute()
    record_placement(order.id, actor=actor, reason=f"placed via {data['channel']}")
    REVIEW.nudge([order.id])
    return order


def record_placement(order_id: int, *, actor: str, reason: str) -> None:
    """The audit trail of a placed order: received, then straight into review, in one insert."""
    now = utc_now()
    StatusChange.insert_many([
        {"entity": "order", "entity_id": order_id, "from_status": None, "to_status": ORDER_RECEIVED,
         "actor": actor, "reason": reason, "at": now},
        {"entity": "order", "entity_id": order_id, "from_status": ORDER_RECEIVED, "to_status": ORDER_REVIEWING,
         "actor": actor, "reason": INTO_REVIEW_REASON, "at": now}]).execute()


def _buyer(code: str, placed_by: Partner | None) -> Partner:
    customer = Partner.get_or_none(Partner.code == code)
    if customer is None or not customer.is_buyer:
        raise ValidationFailed({"customer_code": [f"unknown customer {code!r}"]})
    if placed_by is not None and customer.id != placed_by.id and customer.distributor_id != placed_by.id:
        raise ValidationFailed({"customer_code": [f"customer {code!r} is not served by {placed_by.code}"]})
    return customer


def _prices_in_currency(data: dict, products: dict[str, Product]) -> None:
    """A catalogue price applies only in its own currency; we do not convert."""
    missing = {i: {"unit_price": [f"required: the catalogue price of {line['sku']} is in "
                                  f"{products[line['sku']].currency}, the order in {data['currency']}"]}
               for i, line in enumerate(data["lines"])
               if line.get("unit_price") is None and line["sku"] in products
               and products[line["sku"]].currency != data["currency"]}
    missing.update({i: {"unit_price": [f"required: {line['sku']} is not in the catalogue yet"]}
                    for i, line in enumerate(data["lines"])
                    if line.get("unit_price") is None and line["sku"] not in products})
    if missing:
        raise ValidationFailed({"lines": missing})


def _products(skus: list[str], *, hold_unknown: bool = False) -> dict[str, Product]:
    """The active catalogue products of ``skus``; an unknown SKU is refused unless held."""
    found = {p.sku: p for p in Product.select().where(Product.sku.in_(skus), Product.active == True)}  # noqa: E712
    unknown = {i: {"sku": [f"unknown SKU {sku!r}"]} for i, sku in enumerate(skus) if sku not in found}
    if unknown and not hold_unknown:
        raise ValidationFailed({"lines": unknown})
    return found
