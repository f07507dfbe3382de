"""The replacement goods of an exchange: a no-charge order placed once per return, through the normal pipeline."""
from __future__ import annotations

from decimal import Decimal

import peewee

from models.core.db import database
from models.core.errors import InvalidTransition, NotFound, ValidationFailed
from models.core.text_messages import TextMessage
from models.core.texts import Joined, Text
from models.intake.entry import place_order
from models.inventory.tables import Product
from models.orders.tables import Order, OrderLine
from models.partners.tables import Partner
from models.returns.states import (
    RETURN_APPROVED,
    RETURN_EXCHANGED,
    RETURN_IN_TRANSIT,
    RETURN_INSPECTED,
    RETURN_LABEL_ISSUED,
    RETURN_RECEIVED,
)
from models.returns.tables import ReturnLine, ReturnRequest

# Not in models.orders.tables.CHANNELS on purpose: no API, portal or file may place an order on it. The review
# does not count an exchange order as a duplicate, nor any order as a duplicate of one (models.review.facts).
EXCHANGE_CHANNEL = "exchange"
NO_CHARGE = Decimal("0.00")
EXTERNAL_REF_MAX = 128  # Order.external_ref
# Return states in which the replacement may be sent: on approval (an advance exchange) up to inspection.
EXCHANGEABLE_STATES = (RETURN_APPROVED, RETURN_LABEL_ISSUED, RETURN_IN_TRANSIT, RETURN_RECEIVED, RETURN_INSPECTED,
                       RETURN_EXCHANGED)


def exchange_ref(original: Order, return_id: int) -> str:
    return f"{original.external_ref}/X{return_id}"


def create_exchange_order(return_id: int, *, actor: str) -> Order:
    """Place the replacement order of an exchange once (a second call returns it) and link it on the return.

    Each return line is sent again at no charge, as its ``exchange_product`` or else the same product, to the
    original order's customer and ship-to. The order starts at ``received`` with its intake nudge like any
    other; the return's status is left to the caller. Call inside or outside a transaction.
    """
    with database.atomic():
        request = ReturnRequest.locked(return_id)
        if request is None:
            raise NotFound(f"return {return_id} does not exist")
        if request.replacement_order_id is not None:
            return Order.get_by_id(request.replacement_order_id)
        if request.resolution != "exchange":
            message = TextMessage(Text("return %(id)s asks for a %(resolution)s, not an exchange", id=return_id,
                                       resolution=Text(request.resolution)))
            raise ValidationFailed({"resolution": [message]})
        if request.status not in EXCHANGEABLE_STATES:
            raise InvalidTransition(TextMessage(Text(
                "return %(id)s is %(status)s: a replacement is sent only for a return in %(states)s", id=return_id,
                status=Text(request.status), states=Joined([Text(state) for state in EXCHANGEABLE_STATES], ", "))))
        original = Order.get_by_id(request.order_id)
        order, _ = place_order(_order_body(request, original), actor=actor)
        ReturnRequest.update(replacement_order=order.id).where(ReturnRequest.id == return_id).execute()
    return order


def _order_body(request: ReturnRequest, original: Order) -> dict:
    """The replacement as a loaded order body (schemas.orders.OrderSchema's output, but on EXCHANGE_CHANNEL)."""
    external_ref = exchange_ref(original, request.id)
    if len(external_ref) > EXTERNAL_REF_MAX:
        raise ValidationFailed({"external_ref": [TextMessage(Text("%(ref)s is longer than %(most)s characters",
                                                                  ref=repr(external_ref), most=EXTERNAL_REF_MAX))]})
    customer = Partner.get_by_id(request.customer_id)
    return {
        "channel": EXCHANGE_CHANNEL, "external_ref": external_ref, "customer_code": customer.code,
        "currency": original.currency, "priority": original.priority, "requested_delivery_date": None,
        "ship_to": {"name": original.ship_to_name, "phone": original.ship_to_phone, "email": original.ship_to_email,
                    "address": original.ship_to_address, "city": original.ship_to_city,
                    "region": original.ship_to_region, "postcode": original.ship_to_postcode,
                    "country": original.ship_to_country},
        "lines": _replacement_lines(request, original),
        "notes": f"Exchange for return {request.id} of order {original.external_ref}",
    }


def _replacement_lines(request: ReturnRequest, original: Order) -> list[dict]:
    """One no-charge line per SKU sent; ValidationFailed naming lines[i].exchange_sku (or .sku) when a
    replacement product is inactive, in another currency or priced differently from the line it replaces."""
    Exchange = Product.alias()
    lines = list(ReturnLine.select(ReturnLine, OrderLine, Product, Exchange)
                 .join(OrderLine).join(Product, peewee.JOIN.LEFT_OUTER, on=(OrderLine.product == Product.id))
                 .switch(ReturnLine).join(Exchange, peewee.JOIN.LEFT_OUTER,
                                          on=(ReturnLine.exchange_product == Exchange.id), attr="exchange")
                 .where(ReturnLine.return_request == request.id).order_by(OrderLine.line_no))
    if not lines:
        raise ValidationFailed({"lines": [TextMessage(Text("the return has no lines to replace"))]})
    errors: dict[int, dict[str, list[TextMessage]]] = {}
    quantities: dict[str, int] = {}
    for i, line in enumerate(lines):
        ordered = line.order_line
        if line.exchange_product_id is None:
            field, product = "sku", ordered.product if ordered.product_id is not None else None
            problem = (None if product is not None and product.active
                       else TextMessage(Text("%(sku)s is not in the catalogue", sku=ordered.sku)))
        else:
            field, product = "exchange_sku", line.exchange
            problem = _exchange_problem(product, ordered, original.currency)
        if problem:
            errors[i] = {field: [problem]}
        else:
            quantities[product.sku] = quantities.get(product.sku, 0) + line.quantity
    if errors:
        raise ValidationFailed({"lines": errors})
    # two lines exchanged to one SKU become one line: an order carries each SKU once
    return [{"sku": sku, "quantity": quantity, "unit_price": NO_CHARGE} for sku, quantity in quantities.items()]


def _exchange_problem(product: Product, ordered: OrderLine, currency: str) -> TextMessage | None:
    if not product.active:
        return TextMessage(Text("%(sku)s is no longer sold", sku=product.sku))
    if product.currency != currency or product.unit_price != ordered.unit_price:
        return TextMessage(Text("%(sku)s costs %(price)s %(currency)s, not the %(original)s %(original_currency)s "
                                "of %(replaced)s it would replace", sku=product.sku, price=product.unit_price,
                                currency=product.currency, original=ordered.unit_price, original_currency=currency,
                                replaced=ordered.sku))
    return None
