"""Receiving a purchase order at its warehouse: the units go on hand (waking backorders), each line's
received quantity grows, and the order is marked received once every line is in."""
from __future__ import annotations

from models.core.base import utc_now
from models.core.db import database, lock_for_update
from models.core.errors import NotFound, ValidationFailed
from models.inventory.moves import move_on_hand
from models.inventory.tables import Product, StockMovement, Warehouse
from models.supply.tables import PurchaseOrder, PurchaseOrderLine

RECEIVABLE = ("sent", "confirmed", "shipped")


def receive_purchase_order(number: str, quantities: dict[str, int], *, actor: str) -> list[StockMovement]:
    """Put ``quantities`` (SKU → units) of purchase order ``number`` on hand, in one transaction; a line
    never takes more than it still has open. Partial receipts leave the order open."""
    with database.atomic():
        purchase = lock_for_update(PurchaseOrder.select().where(PurchaseOrder.number == number)).first()
        if purchase is None:
            raise NotFound(f"no purchase order {number!r}")
        _check_receivable(purchase)
        lines = {line.product.sku: line for line in PurchaseOrderLine.select(PurchaseOrderLine, Product)
                 .join(Product).where(PurchaseOrderLine.purchase_order == purchase.id)}
        _check_quantities(quantities, lines)
        warehouse = Warehouse.get_by_id(purchase.warehouse_id)
        movements = []
        for sku, units in sorted(quantities.items()):
            line = lines[sku]
            (PurchaseOrderLine.update(received_quantity=PurchaseOrderLine.received_quantity + units)
             .where(PurchaseOrderLine.id == line.id).execute())
            movements.append(move_on_hand(warehouse, line.product, units, field=f"lines.{sku}", kind="receipt",
                                          reason_code="purchase_order", reference=number, actor=actor))
        if all(line.received_quantity + quantities.get(sku, 0) >= line.quantity for sku, line in lines.items()):
            (PurchaseOrder.update(status="received", status_changed_at=utc_now())
             .where(PurchaseOrder.id == purchase.id, PurchaseOrder.status.in_(RECEIVABLE)).execute())
    return movements


def _check_receivable(purchase: PurchaseOrder) -> None:
    if purchase.dropship or purchase.warehouse_id is None:
        raise ValidationFailed({"number": [f"{purchase.number} is a drop-ship order: the customer receives it"]})
    if purchase.status not in RECEIVABLE:
        raise ValidationFailed({"number": [f"{purchase.number} is {purchase.status}; only "
                                           f"{', '.join(RECEIVABLE)} orders can be received"]})


def _check_quantities(quantities: dict[str, int], lines: dict[str, PurchaseOrderLine]) -> None:
    errors: dict[str, list[str]] = {}
    if not quantities:
        errors["lines"] = ["give at least one SKU and quantity"]
    for sku, units in quantities.items():
        line = lines.get(sku)
        if line is None:
            errors[f"lines.{sku}"] = [f"{sku} is not on this purchase order"]
        elif not isinstance(units, int) or units < 1:
            errors[f"lines.{sku}"] = ["quantity must be a whole number of at least 1"]
        elif units > line.quantity - line.received_quantity:
            errors[f"lines.{sku}"] = [f"only {line.quantity - line.received_quantity} of {line.quantity} "
                                      f"are still to receive"]
    if errors:
        raise ValidationFailed(errors)
