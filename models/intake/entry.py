"""Placing a canonical order: one transaction writes the order (already in review), its lines, its audit rows and\nthe review nudge."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.audit import StatusChange
from models.core.audit_reasons import INTO_REVIEW, PLACED_VIA, say
from models.core.base import CENT, utc_now
from models.core.db import database
from models.core.errors import ValidationFailed
from models.core.stages import REVIEW
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.intake.rules import OPS_SCOPE_PREFIX, ops_scope, partner_scope
from models.inventory.tables import Product
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner

UNKNOWN_SKU_POLICIES = ("reject", "hold")
INTO_REVIEW_REASON = INTO_REVIEW  # the second audit row of every placed order


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
    given_scope = scope or (partner_scope(placed_by.id) if placed_by is not None else None)
    customer, existing_id = _customer_and_existing(data, given_scope)
    scope = given_scope or _scope_of(placed_by, customer)
    if existing_id is not None:
        return Order.get_by_id(existing_id), False
    if customer is None:  # no such customer (now): its reference may still name an order placed before
        existing = _existing(data, scope)
        if existing is not None:
            return existing, False
    try:
        with database.atomic():
            return _create(data, actor=actor, placed_by=placed_by, scope=scope, customer=customer,
                           hold_unknown=unknown_skus == "hold",
                           source={"source_batch": source_batch, "source_message": source_message}), True
    except peewee.IntegrityError:
        existing = _existing(data, scope)
        if existing is None:
            raise
        return existing, False


def _scope_of(placed_by: Partner | None, customer: Partner | None) -> str | None:
    """The placing partner's scope, or ops' for the customer; None when the customer is unknown (refused)."""
    if placed_by is not None:
        return partner_scope(placed_by.id)
    return None if customer is None else ops_scope(customer.id)


def _customer_and_existing(data: dict, scope: str | None) -> tuple[Partner | None, int | None]:
    """The buyer's row and the id of the order its reference already names, in one query: the order in
    ``scope``, or without one (ops placing) in the customer's own ops scope."""
    wanted = (peewee.Value(scope) if scope is not None
              else peewee.Value(OPS_SCOPE_PREFIX).concat(Partner.id.cast("TEXT")))
    existing = (Order.select(Order.id).where(Order.channel == data["channel"],
                                             Order.external_ref == data["external_ref"],
                                             Order.intake_scope == wanted).limit(1))
    customer = (Partner.select(Partner, existing.alias("existing_order_id"))
                .where(Partner.code == data["customer_code"]).first())
    if customer is None:
        return None, None
    return customer, customer.existing_order_id


def _existing(data: dict, scope: str | None) -> Order | None:
    if scope is None:
        return None
    return Order.get_or_none(Order.channel == data["channel"], Order.external_ref == data["external_ref"],
                             Order.intake_scope == scope)


def _create(data: dict, *, actor: str, placed_by: Partner | None, scope: str | None, source: dict,
            hold_unknown: bool, customer: Partner | None = None) -> Order:
    code = data["customer_code"]
    if customer is None:  # placed by a partner, or the customer was unknown when place_order looked
        customer = Partner.get_or_none(Partner.code == code)
    customer = check_buyer(customer, code, placed_by)
    scope = scope or ops_scope(customer.id)  # the customer was created since _scope_of looked
    products = _products([line["sku"] for line in data["lines"]], hold_unknown=hold_unknown)
    prices_in_currency(data, products)
    priced, subtotal = price_lines(data, products)
    # Placed straight into review: intake has nothing to decide, so it costs no message and no transaction of
    # its own. The audit trail still shows both steps.
    order = Order.create(**order_columns(data, customer=customer, placed_by=placed_by, scope=scope,
                                         actor=actor, subtotal=subtotal), **source)
    OrderLine.insert_many(line_rows(order.id, priced)).execute()
    record_placement(order.id, actor=actor, reason=say(PLACED_VIA, channel=data["channel"]))
    REVIEW.nudge([order.id])
    return order


def price_lines(data: dict, products: dict[str, Product]) -> tuple[list[tuple], Decimal]:
    """Each line with its product (None: an unknown SKU kept for ops to match), unit price and total; the
    subtotal. A line given no price holds a placeholder until review prices it from the price book."""
    priced, subtotal = [], Decimal("0")
    for line in data["lines"]:
        product = products.get(line["sku"])
        price = line.get("unit_price")
        price = placeholder_price(product, data["currency"]) if price is None else price
        line_total = (price * line["quantity"]).quantize(CENT)
        subtotal += line_total
        priced.append((line, product, price, line_total))
    return priced, subtotal


def order_columns(data: dict, *, customer: Partner, placed_by: Partner | None, scope: str, actor: str,
                  subtotal: Decimal) -> dict:
    """The order row of a placed body, already in review."""
    ship_to = data["ship_to"]
    return dict(
        channel=data["channel"], external_ref=data["external_ref"], intake_scope=scope, customer=customer,
        placed_by=placed_by, currency=data["currency"], priority=data.get("priority", 0),
        ship_to_name=ship_to["name"], ship_to_phone=ship_to.get("phone", ""),
        ship_to_email=ship_to.get("email", ""), ship_to_address=ship_to["address"],
        ship_to_city=ship_to["city"], ship_to_region=ship_to["region"],
        ship_to_postcode=ship_to.get("postcode", ""), ship_to_country=ship_to["country"].upper(),
        requested_delivery_date=data.get("requested_delivery_date"), notes=data.get("notes", ""),
        submitted_by=actor, subtotal=subtotal, total=subtotal, status=ORDER_REVIEWING,
    )


def line_rows(order_id: int, priced: list[tuple]) -> list[dict]:
    """The order line rows of ``price_lines``' lines, numbered from 1."""
    return [{"order": order_id, "line_no": line_no, "product": product.id if product else None,
             "sku": product.sku if product else line["sku"], "quantity": line["quantity"],
             "unit_price": price, "line_total": line_total, "price_given": line.get("unit_price") is not None}
            for line_no, (line, product, price, line_total) in enumerate(priced, start=1)]


def record_placement(order_id: int, *, actor: str, reason: str) -> None:
    """The audit trail of a placed order: received, then straight into review, in one insert."""
    StatusChange.insert_many(placement_trail(order_id, actor=actor, reason=reason, at=utc_now())).execute()


def placement_trail(order_id: int, *, actor: str, reason: str, at) -> list[dict]:
    """The two audit rows of a placed order: received (``reason``), then into review."""
    return [{"entity": "order", "entity_id": order_id, "from_status": None, "to_status": ORDER_RECEIVED,
             "actor": actor, "reason": reason, "at": at},
            {"entity": "order", "entity_id": order_id, "from_status": ORDER_RECEIVED, "to_status": ORDER_REVIEWING,
             "actor": actor, "reason": INTO_REVIEW_REASON, "at": at}]


def check_buyer(customer: Partner | None, code: str, placed_by: Partner | None) -> Partner:
    """``customer`` (the partner of ``code``, None when none) if it may buy, placed by ``placed_by`` (itself or
    its distributor); ValidationFailed otherwise."""
    if customer is None or not customer.is_buyer:
        raise ValidationFailed({"customer_code": [TextMessage(Text("unknown customer %(code)s", code=repr(code)))]})
    if placed_by is not None and customer.id != placed_by.id and customer.distributor_id != placed_by.id:
        raise ValidationFailed({"customer_code": [TextMessage(Text(
            "customer %(code)s is not served by %(distributor)s", code=repr(code), distributor=placed_by.code))]})
    return customer


def placeholder_price(product: Product, currency: str) -> Decimal:
    """What a line given no price stores until review prices it: the catalogue price in the order's currency, else
    0 (review resolves it from the price book, and holds the order when nothing prices it)."""
    return product.unit_price if product.currency == currency else Decimal("0.00")


def prices_in_currency(data: dict, products: dict[str, Product]) -> None:
    """A line may leave its price to review's price book only when its SKU is in the catalogue."""
    missing = {i: {"unit_price": [TextMessage(Text("required: %(sku)s is not in the catalogue yet", sku=line["sku"]))]}
               for i, line in enumerate(data["lines"])
               if line.get("unit_price") is None and line["sku"] not in products}
    if missing:
        raise ValidationFailed({"lines": missing})


def _products(skus: list[str], *, hold_unknown: bool = False) -> dict[str, Product]:
    """The active catalogue products of ``skus``; an unknown SKU is refused unless held."""
    return check_skus(skus, catalogue(skus), hold_unknown=hold_unknown)


def catalogue(skus: list[str]) -> dict[str, Product]:
    """The active products of ``skus`` by SKU, in one query."""
    return {p.sku: p for p in Product.select().where(Product.sku.in_(skus), Product.active == True)}  # noqa: E712


def check_skus(skus: list[str], found: dict[str, Product], *, hold_unknown: bool = False) -> dict[str, Product]:
    """``found`` (the catalogue's products by SKU) when every one of ``skus`` is there (or unknown ones are
    held); ValidationFailed naming the unknown lines otherwise."""
    unknown = {i: {"sku": [TextMessage(Text("unknown SKU %(sku)s", sku=repr(sku)))]}
               for i, sku in enumerate(skus) if sku not in found}
    if unknown and not hold_unknown:
        raise ValidationFailed({"lines": unknown})
    return found
