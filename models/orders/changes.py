"""Changing an order after placement: in one transaction, the order is un-allocated (reservations released,
shipments not yet left cancelled, drop-ship purchase orders cancelled), its lines, ship-to and requested date
rewritten, the change recorded with before/after, and the order sent back to review through the outbox. The
pipeline then reviews and allocates it again with its usual idempotent steps. What may change, and by whom, is
models.orders.change_rules."""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from models.core.base import CENT
from models.core.db import database
from models.core.errors import (
    NotFound,
    OrderChangeRefused,
    PermissionDenied,
    ValidationFailed,
)
from models.core.stages import REVIEW
from models.core.text_messages import TextMessage
from models.core.texts import Text
from models.core.transitions import transition
from models.intake.entry import catalogue, placeholder_price
from models.inventory.tables import Product
from models.orders.cancellation import (
    cancel_open_shipments,
    lock_dropship_orders,
    release_reservations,
    shipment_left,
)
from models.orders.change_rules import (
    DISTRIBUTOR,
    SHIP_TO_FIELDS,
    STAYS_IN_REVIEW,
    ChangeDiff,
    LineState,
    OrderState,
    change_diff,
    may_state_prices,
    refusal,
    wanted_lines,
)
from models.orders.change_tables import OrderChange
from models.orders.states import ORDER_RECEIVED, ORDER_REVIEWING
from models.orders.tables import Order, OrderLine, Reservation
from models.partners.tables import OPS_ROLES, Partner
from models.shipping.creation import FIRST_WAVE
from models.shipping.states import SHIPMENT_CANCELLED
from models.shipping.tables import Shipment, ShipmentLine
from models.supply.changes import CANCELLABLE, cancel_purchase_order
from models.supply.states import PO_CANCELLED
from models.supply.tables import PurchaseOrder, PurchaseOrderLine


@dataclass(frozen=True)
class OrderChangeResult:
    order_id: int
    changed: bool  # False: the order already was as asked; nothing was written
    status: str  # the order's status after the change
    change_id: int | None = None
    summary: str = ""  # "changed: ship-to region, lines"


def change_order(order_id: int, change: dict, *, actor: str, role: str, partner_id: int | None = None,
                 note: str = "") -> OrderChangeResult:
    """Apply ``change`` (schemas.order_changes: any of ship_to fields, requested_delivery_date, lines) to the order.

    NotFound when ``role`` may not see it; OrderChangeRefused once a shipment left, in a final status, or for a
    distributor once stock is held; PermissionDenied for a price stated by a role that may not; ValidationFailed
    naming ``lines.<i>.sku`` for a SKU not in the catalogue. An unchanged order writes nothing (safe to repeat).
    """
    if role not in OPS_ROLES and role != DISTRIBUTOR:
        raise PermissionDenied(f"role {role} may not change orders")
    with database.atomic():
        # The drop-ship POs are locked before the order, as cancellation and the supplier's ASN path do.
        dropship = lock_dropship_orders(order_id)
        order = Order.locked(order_id)
        if order is None or (role == DISTRIBUTOR and not _partner_order(order, partner_id)):
            raise NotFound(f"order {order_id} not found")
        lines = list(OrderLine.select().where(OrderLine.order == order_id).order_by(OrderLine.line_no))
        before = order_state(order, lines)
        change = _normalized(change)
        products = _products(change.get("lines"), lines)
        wanted = None
        if change.get("lines") is not None:
            prices = {sku: placeholder_price(product, order.currency) for sku, product in products.items()}
            wanted = wanted_lines(before.lines, change["lines"], prices)
        diff = change_diff(before, change, wanted)
        if diff.empty:
            return OrderChangeResult(order_id, changed=False, status=order.status)
        why_not = refusal(order.status, role=role, shipment_left=shipment_left(order_id),
                          holds_stock=_holds_stock(order_id)) or _dropship_refusal(order_id)
        if why_not:
            raise OrderChangeRefused(why_not)
        if diff.price_stated and not may_state_prices(role):
            raise PermissionDenied(f"role {role} may not set prices (lines {', '.join(diff.price_stated)}); "
                                   "leave unit_price out to keep the order's price")
        summary = diff.summary()
        _unallocate(order_id, dropship, actor=actor, reason=summary)
        subtotal = _replace_lines(order, lines, wanted, products) if diff.lines_changed else None
        _update_order(order, change, diff, subtotal)
        record = OrderChange.create(order=order_id, actor=actor, role=role, note=note[:2000],
                                    before_json=json.dumps(diff.before), after_json=json.dumps(diff.after),
                                    status_before=order.status)
        if order.status not in STAYS_IN_REVIEW:
            transition("order", order_id, ORDER_REVIEWING, actor=actor, reason=summary, expected=order.status)
        status = ORDER_RECEIVED if order.status == ORDER_RECEIVED else ORDER_REVIEWING
        if status == ORDER_REVIEWING:
            REVIEW.nudge([order_id])
    return OrderChangeResult(order_id, changed=True, status=status, change_id=record.id, summary=summary)


def order_state(order: Order, lines: list[OrderLine]) -> OrderState:
    """The changeable part of ``order`` with its ``lines``."""
    return OrderState(
        ship_to={name: getattr(order, f"ship_to_{name}") for name in SHIP_TO_FIELDS},
        requested_delivery_date=order.requested_delivery_date,
        lines=tuple(LineState(line.sku, line.quantity, line.unit_price, bool(line.price_given)) for line in lines))


def _partner_order(order: Order, partner_id: int | None) -> bool:
    """A distributor's own book: orders it placed, its own, its customers' (as models.partners.access)."""
    if partner_id is None:
        return False
    if partner_id in (order.placed_by_id, order.customer_id):
        return True
    return Partner.select(Partner.distributor).where(Partner.id == order.customer_id).scalar() == partner_id


def _normalized(change: dict) -> dict:
    change = dict(change)
    if change.get("ship_to"):
        ship_to = {name: value.strip() for name, value in change["ship_to"].items()}
        if "country" in ship_to:
            ship_to["country"] = ship_to["country"].upper()
        change["ship_to"] = ship_to
    return change


def _products(lines: list[dict] | None, current: list[OrderLine]) -> dict[str, Product]:
    """The catalogue products of the change's SKUs; a SKU neither in the catalogue nor on the order is refused."""
    if not lines:
        return {}
    found = catalogue([line["sku"] for line in lines])
    on_order = {line.sku for line in current}
    unknown = {i: {"sku": [TextMessage(Text("unknown SKU %(sku)s", sku=repr(line["sku"])))]}
               for i, line in enumerate(lines)
               if line["sku"] not in found and line["sku"] not in on_order}
    if unknown:
        raise ValidationFailed({"lines": unknown})
    return found


def _holds_stock(order_id: int) -> bool:
    return Reservation.select().join(OrderLine).where(OrderLine.order == order_id,
                                                     Reservation.status == "active").exists()


def _dropship_refusal(order_id: int) -> TextMessage | None:
    """A drop-ship supplier already shipping or having shipped part of the order stops the change."""
    busy = (PurchaseOrder.select(PurchaseOrder.number, PurchaseOrder.status)
            .where(PurchaseOrder.sales_order == order_id, PurchaseOrder.dropship == True,  # noqa: E712
                   PurchaseOrder.status.not_in((*CANCELLABLE, PO_CANCELLED))).first())
    if busy is None:
        return None
    # the purchase order's status reads as the pages' word for it ("partially received")
    return TextMessage(Text("drop-ship purchase order %(number)s is %(status)s: the supplier ships part of this "
                            "order; it can no longer be changed", number=busy.number,
                            status=Text(busy.status.replace("_", " "))))


def _unallocate(order_id: int, dropship: list[PurchaseOrder], *, actor: str, reason: str) -> None:
    """Give back what allocation took: the supplier's purchase orders, the stock, the shipments not yet left.

    Released reservations are deleted (a line's reservation in a warehouse is unique, and the next allocation may
    pick the same warehouse); the change's before/after keeps the lines. A cancelled shipment leaves wave 1 for the
    next allocation's shipment from the same warehouse."""
    for purchase in dropship:
        cancel_purchase_order(purchase.number, actor=actor, reason=f"order {order_id} {reason}")
    release_reservations(order_id)
    (Reservation.delete().where(Reservation.status == "released", Reservation.order_line.in_(
        OrderLine.select(OrderLine.id).where(OrderLine.order == order_id))).execute())
    cancel_open_shipments(order_id, actor=actor, reason=reason)
    _retire_waves(order_id)


def _retire_waves(order_id: int) -> None:
    """Move the order's cancelled first-wave shipments to the next free wave of their warehouse."""
    shipments = list(Shipment.select(Shipment.id, Shipment.warehouse, Shipment.wave, Shipment.status)
                     .where(Shipment.order == order_id).order_by(Shipment.id))
    last: dict[int | None, int] = {}
    for shipment in shipments:
        last[shipment.warehouse_id] = max(last.get(shipment.warehouse_id, 0), shipment.wave)
    for shipment in shipments:
        if shipment.status == SHIPMENT_CANCELLED and shipment.wave == FIRST_WAVE and shipment.warehouse_id:
            last[shipment.warehouse_id] += 1
            Shipment.update(wave=last[shipment.warehouse_id]).where(Shipment.id == shipment.id).execute()


def _replace_lines(order: Order, old: list[OrderLine], wanted: tuple[LineState, ...],
                   products: dict[str, Product]) -> Decimal:
    """New line rows for ``wanted`` (numbered from 1) in place of ``old``; returns the new subtotal."""
    old_ids = [line.id for line in old]
    old_products = {line.sku: line.product_id for line in old}
    if old_ids:  # what still points at the old lines belongs to cancelled shipments and purchase orders
        ShipmentLine.delete().where(ShipmentLine.order_line.in_(old_ids)).execute()
        PurchaseOrderLine.update(order_line=None).where(PurchaseOrderLine.order_line.in_(old_ids)).execute()
        Reservation.delete().where(Reservation.order_line.in_(old_ids)).execute()
        OrderLine.delete().where(OrderLine.id.in_(old_ids)).execute()
    rows, subtotal = [], Decimal(0)
    for line_no, line in enumerate(wanted, start=1):
        product = products.get(line.sku)
        total = (line.unit_price * line.quantity).quantize(CENT)
        subtotal += total
        rows.append({"order": order.id, "line_no": line_no,
                     "product": product.id if product else old_products.get(line.sku),
                     "sku": product.sku if product else line.sku, "quantity": line.quantity,
                     "unit_price": line.unit_price, "line_total": total, "price_given": line.price_given})
    OrderLine.insert_many(rows).execute()
    return subtotal


def _update_order(order: Order, change: dict, diff: ChangeDiff, subtotal: Decimal | None) -> None:
    columns: dict = {f"ship_to_{name}": value for name, value in diff.after.get("ship_to", {}).items()}
    if "requested_delivery_date" in diff.after:
        columns["requested_delivery_date"] = change["requested_delivery_date"]
    if subtotal is not None:  # tax is worked out again with the prices, in review
        columns.update(subtotal=subtotal, tax_total=0, total=subtotal + order.shipping_total)
    if columns:
        Order.update(columns).where(Order.id == order.id).execute()
