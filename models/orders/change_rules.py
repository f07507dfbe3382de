"""What may change on an order after placement, by whom, and the change as before/after documents. Pure.

- Nothing changes once a shipment of the order left (dispatched, in transit, delivered, returned) or the order is
  shipped, delivered, cancelled or rejected.
- Ops roles change any order before that; a distributor only while no stock is held for it (received, in review,
  on hold, approved, backordered with nothing reserved) and may change everything the payload carries.
- Stating a line price (a new price, or a price on a line that had none) is for PRICE_SETTERS among ops roles; a
  distributor may state prices too (review's price check guards them). A line sent without a price keeps the price
  the order has for that SKU; a new SKU without a price takes the catalogue price (``price_given`` False).
- Lines are compared by SKU: sending the same lines in another order changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from models.core.text_messages import TextMessage
from models.core.texts import N_, Text
from models.orders.states import (
    ORDER_ALLOCATED,
    ORDER_APPROVED,
    ORDER_BACKORDERED,
    ORDER_ON_HOLD,
    ORDER_PARTIALLY_ALLOCATED,
    ORDER_RECEIVED,
    ORDER_REVIEWING,
)

DISTRIBUTOR = "distributor"
PRICE_SETTERS = ("ops_admin", "sales_manager")  # ops roles that may state a line's price
# Statuses a change may start from; the order goes back to review from each (received and reviewing stay put).
OPS_CHANGEABLE = (ORDER_RECEIVED, ORDER_REVIEWING, ORDER_ON_HOLD, ORDER_APPROVED, ORDER_BACKORDERED,
                  ORDER_PARTIALLY_ALLOCATED, ORDER_ALLOCATED)
PARTNER_CHANGEABLE = (ORDER_RECEIVED, ORDER_REVIEWING, ORDER_ON_HOLD, ORDER_APPROVED, ORDER_BACKORDERED)
STAYS_IN_REVIEW = (ORDER_RECEIVED, ORDER_REVIEWING)
SHIP_TO_FIELDS = ("name", "phone", "email", "address", "city", "region", "postcode", "country")
# The order statuses as a refusal's sentence reads them
STATUS_WORDS = {
    "received": N_("received"), "reviewing": N_("reviewing"), "on_hold": N_("on hold"), "approved": N_("approved"),
    "rejected": N_("rejected"), "partially_allocated": N_("partially allocated"), "backordered": N_("backordered"),
    "allocated": N_("allocated"), "shipped": N_("shipped"), "delivered": N_("delivered"),
    "cancelled": N_("cancelled"),
}


@dataclass(frozen=True)
class LineState:
    sku: str
    quantity: int
    unit_price: Decimal
    price_given: bool = True  # False: the catalogue's (or the price book's) price, not one stated

    @property
    def stated_price(self) -> Decimal | None:
        return self.unit_price if self.price_given else None

    def as_document(self) -> dict:
        return {"sku": self.sku, "quantity": self.quantity, "unit_price": str(self.unit_price),
                "price_given": self.price_given}


@dataclass(frozen=True)
class OrderState:
    """The changeable part of an order."""

    ship_to: dict[str, str]
    requested_delivery_date: date | None
    lines: tuple[LineState, ...]


@dataclass(frozen=True)
class ChangeDiff:
    """The fields and lines a change alters, each as it was and as it becomes (JSON-ready documents)."""

    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    price_stated: tuple[str, ...] = ()  # SKUs whose price the change states anew

    @property
    def empty(self) -> bool:
        return not self.after

    @property
    def lines_changed(self) -> bool:
        return "lines" in self.after

    def summary(self) -> str:
        """"changed: ship-to region, lines" for the audit trail."""
        parts = [f"ship-to {name}" for name in self.after.get("ship_to", {})]
        parts += ["requested delivery date"] if "requested_delivery_date" in self.after else []
        parts += ["lines"] if self.lines_changed else []
        return "changed: " + ", ".join(parts)


def refusal(status: str, *, role: str, shipment_left: bool, holds_stock: bool) -> TextMessage | None:
    """Why an order in ``status`` may not be changed by ``role`` now, or None when it may."""
    if shipment_left:
        return TextMessage(Text("a shipment of this order has left the warehouse; it can no longer be changed"))
    if status not in OPS_CHANGEABLE:
        return TextMessage(Text("the order is %(status)s; it can no longer be changed", status=status_words(status)))
    if role == DISTRIBUTOR and (status not in PARTNER_CHANGEABLE or holds_stock):
        return TextMessage(
            Text("stock is already reserved for this order; ask our order desk to change it")
            if holds_stock or status in (ORDER_ALLOCATED, ORDER_PARTIALLY_ALLOCATED)
            else Text("the order is %(status)s; ask our order desk to change it", status=status_words(status)))
    return None


def status_words(status: str) -> Text | str:
    """An order status as a refusal names it ("on hold"), kept as a word the pages translate."""
    return Text(STATUS_WORDS[status]) if status in STATUS_WORDS else status.replace("_", " ")


def may_state_prices(role: str) -> bool:
    return role in PRICE_SETTERS or role == DISTRIBUTOR


def wanted_lines(before: tuple[LineState, ...], lines: list[dict],
                 catalogue_prices: dict[str, Decimal]) -> tuple[LineState, ...]:
    """The lines a change asks for (``lines``: sku, quantity, unit_price or None): a line without a price keeps the
    order's price for its SKU, or takes ``catalogue_prices`` (0 when the catalogue has none in the currency)."""
    known = {line.sku: line for line in before}
    wanted = []
    for line in lines:
        price = line.get("unit_price")
        if price is not None:
            wanted.append(LineState(line["sku"], line["quantity"], Decimal(price), True))
        elif line["sku"] in known:
            wanted.append(replace(known[line["sku"]], quantity=line["quantity"]))
        else:
            wanted.append(LineState(line["sku"], line["quantity"], catalogue_prices.get(line["sku"], Decimal(0)),
                                    False))
    return tuple(wanted)


def change_diff(before: OrderState, change: dict, lines: tuple[LineState, ...] | None) -> ChangeDiff:
    """The diff of applying ``change`` (ship_to fields, requested_delivery_date, as loaded) and ``lines`` (from
    wanted_lines, None when the change has none) to ``before``."""
    was, now = {}, {}
    ship_to = {name: value for name, value in (change.get("ship_to") or {}).items()
               if name in SHIP_TO_FIELDS and before.ship_to.get(name) != value}
    if ship_to:
        was["ship_to"] = {name: before.ship_to.get(name) for name in ship_to}
        now["ship_to"] = ship_to
    if "requested_delivery_date" in change and change["requested_delivery_date"] != before.requested_delivery_date:
        was["requested_delivery_date"] = _iso(before.requested_delivery_date)
        now["requested_delivery_date"] = _iso(change["requested_delivery_date"])
    stated: tuple[str, ...] = ()
    if lines is not None and _by_sku(lines) != _by_sku(before.lines):
        was["lines"] = [line.as_document() for line in before.lines]
        now["lines"] = [line.as_document() for line in lines]
        prices = {line.sku: line.stated_price for line in before.lines}
        stated = tuple(line.sku for line in lines
                       if line.price_given and (line.sku not in prices or prices[line.sku] != line.unit_price))
    return ChangeDiff(before=was, after=now, price_stated=stated)


def _by_sku(lines: tuple[LineState, ...]) -> dict[str, tuple]:
    return {line.sku: (line.quantity, line.stated_price) for line in lines}


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
